"""The text of stored files (files.text): each format the search reads, bounded, and
never a failure for a file that cannot be read as its type."""

import io
import logging

import pytest
from openpyxl import Workbook

from api.v1.base_models.files import services
from api.v1.base_models.files.models import FileText
from api.v1.base_models.files.tests.factories import (
    FileStorageFactory,
    docx_with,
    pdf_with,
    zipped,
)
from api.v1.base_models.files.text import DOCX, ODF, PPTX, XLSX, extract

pytestmark = pytest.mark.django_db

ODT = ODF[0]


def stored(content: bytes, mime_type: str):
    return FileStorageFactory(content=content, mime_type=mime_type)


def xlsx_with(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_plain_text_in_its_encoding():
    assert extract(stored("Café crème, größer\n".encode(), "text/plain")) == "Café crème, größer"
    french = (
        "Le café est très chaud, la crème brûlée aussi. Nous sommes allés à la fête de "
        "l'été où il y avait des élèves très âgés."
    )
    assert extract(stored(french.encode("latin-1"), "text/plain")) == french
    assert extract(stored(b'{"name": "Zebra"}', "application/json")) == '{"name": "Zebra"}'


def test_pdf_pages():
    text = extract(stored(pdf_with("Quarterly zebra report", "Second page"), "application/pdf"))
    assert "Quarterly zebra report" in text
    assert "Second page" in text


def test_office_formats():
    assert extract(stored(docx_with("First paragraph", "Zebra crossing"), DOCX)).split("\n") == [
        "First paragraph",
        "Zebra crossing",
    ]
    assert "Zebra" in extract(stored(xlsx_with(["Name", "Count"], ["Zebra", 3]), XLSX))
    drawing = "http://schemas.openxmlformats.org/drawingml/2006/main"
    slides = zipped(
        {
            f"ppt/slides/slide{n}.xml": f'<p:sld xmlns:a="{drawing}" xmlns:p="x"><a:p><a:t>'
            f"Slide {n}</a:t></a:p></p:sld>"
            for n in (10, 2)
        }
    )
    assert extract(stored(slides, PPTX)).split() == ["Slide", "2", "Slide", "10"]
    odt = zipped(
        {
            "content.xml": '<office:document-content xmlns:office="o" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><text:h>Title</text:h>'
            "<text:p>Plain <text:span>spanned</text:span> tail</text:p>"
            "</office:document-content>"
        }
    )
    assert extract(stored(odt, ODT)) == "Title\nPlain spanned tail"


def test_office_files_sniffed_as_zip_archives():
    assert extract(stored(docx_with("Zebra"), "application/zip")) == "Zebra"
    odt = zipped(
        {
            "mimetype": ODT,
            "content.xml": '<d xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
            "<text:p>Zebra</text:p></d>",
        }
    )
    assert extract(stored(odt, "application/zip")) == "Zebra"
    assert extract(stored(zipped({"notes.txt": "Zebra"}), "application/zip")) == ""


def test_types_without_text_give_none():
    assert extract(stored(b"\x89PNG\r\n\x1a\n", "image/png")) == ""
    assert extract(stored(b"\xd0\xcf\x11\xe0", "application/msword")) == ""


@pytest.mark.parametrize(
    ("content", "mime_type"),
    [
        (b"%PDF-1.4\nnot really", "application/pdf"),
        (b"PK\x03\x04 broken", DOCX),
        (zipped({"word/document.xml": "<unclosed"}), DOCX),
        (
            zipped({"word/document.xml": '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'}),
            DOCX,
        ),
    ],
    ids=["pdf", "zip", "xml", "entities"],
)
def test_a_damaged_file_has_no_text_and_is_logged(content, mime_type, caplog):
    with caplog.at_level(logging.WARNING, logger="api.v1.base_models.files.text"):
        assert extract(stored(content, mime_type)) == ""
    assert "No text from file" in caplog.text


def test_the_text_is_bounded(settings):
    settings.FILE_TEXT_MAX_LENGTH = 10
    assert extract(stored(b"0123456789abcdef", "text/plain")) == "0123456789"
    assert extract(stored(pdf_with("Zebra zebra zebra", "more"), "application/pdf")) == (
        "Zebra zebr"
    )
    assert extract(stored(docx_with("Zebra zebra zebra"), DOCX)) == "Zebra zebr"


def test_a_part_too_large_once_unpacked_is_not_read(settings):
    settings.FILE_TEXT_MAX_PART_SIZE = 1000
    bomb = docx_with("zebra " * 1000)  # about 6 kB unpacked, far less packed
    assert len(bomb) < 1000
    assert extract(stored(bomb, DOCX)) == ""
    assert extract(stored(docx_with("zebra"), DOCX)) == "zebra"


def test_the_text_is_extracted_once_and_kept(django_assert_num_queries):
    file = stored(b"Zebra", "text/plain")
    assert services.text_of(file) == "Zebra"
    assert FileText.objects.get(file=file).text == "Zebra"
    file.file.storage.delete(file.file.name)  # not read again
    with django_assert_num_queries(1):
        assert services.text_of(file) == "Zebra"


def test_missing_bytes_raise_for_a_retry():
    file = stored(b"Zebra", "text/plain")
    file.file.storage.delete(file.file.name)
    with pytest.raises(FileNotFoundError):
        services.text_of(file)
    assert not FileText.objects.filter(file=file).exists()
