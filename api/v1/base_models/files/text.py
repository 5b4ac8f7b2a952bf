"""The text of stored files, for the search: plain text, PDF, and the Office Open XML and
OpenDocument formats.

`extract(stored)` reads the file's bytes from the storage and answers its text, at most
FILE_TEXT_MAX_LENGTH characters, or "" for a type without text (images), a format it does
not read (the binary Word/Excel/PowerPoint of before 2007) or a file it cannot parse (a
damaged or encrypted PDF: logged, not raised). It reads no more than it needs: plain text
up to a few bytes per character it keeps, PDFs page by page until the length is reached,
and the XML parts of zip-based formats through defusedxml (no entity expansion), each
part's declared and actual size bounded (no zip bombs).

A storage that cannot be read raises (OSError): the caller's task retries.
"""

import io
import logging
import zipfile
from collections.abc import Iterator

from charset_normalizer import from_bytes
from defusedxml import ElementTree
from django.conf import settings

logger = logging.getLogger(__name__)

PDF = "application/pdf"
PLAIN = {"text/plain", "text/csv", "application/json"}
# Zip-based formats: {MIME type: (the parts holding the text, by name prefix; the XML
# elements whose text is the document's text; the elements that end a paragraph)}.
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF = (
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
)
WORDPROCESSING = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SPREADSHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
ZIPPED = {
    DOCX: (("word/document.xml",), {f"{WORDPROCESSING}t"}, {f"{WORDPROCESSING}p"}),
    # Cell texts: shared strings, or inline in the sheets; numbers are no search words.
    XLSX: (
        ("xl/sharedStrings.xml", "xl/worksheets/sheet"),
        {f"{SPREADSHEET}t"},
        {f"{SPREADSHEET}si", f"{SPREADSHEET}is"},
    ),
    PPTX: (("ppt/slides/slide",), {f"{DRAWING}t"}, {f"{DRAWING}p"}),
    **{
        each: (("content.xml",), {f"{ODF_TEXT}p", f"{ODF_TEXT}h"}, {f"{ODF_TEXT}p", f"{ODF_TEXT}h"})
        for each in ODF
    },
}
ZIP = "application/zip"
# The part that tells each Office Open XML type (OpenDocument files name their type in
# their "mimetype" part).
OFFICE_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
# Bytes read per character kept, for plain text in multi-byte encodings.
BYTES_PER_CHARACTER = 4


class _Collected:
    """Text pieces up to a length."""

    def __init__(self, limit: int):
        self.limit = limit
        self.pieces: list[str] = []
        self.length = 0

    @property
    def full(self) -> bool:
        return self.length >= self.limit

    def add(self, text: str) -> None:
        if text and not self.full:
            text = text[: self.limit - self.length]
            self.pieces.append(text)
            self.length += len(text)

    def text(self, separator: str = "") -> str:
        return separator.join(self.pieces)[: self.limit].strip()


def extract(stored) -> str:
    """The text of FileStorage `stored` (see the module)."""
    limit = settings.FILE_TEXT_MAX_LENGTH
    mime_type = stored.mime_type
    if mime_type not in PLAIN and mime_type != PDF and mime_type not in {*ZIPPED, ZIP}:
        return ""
    with stored.file.open("rb") as content:
        try:
            if mime_type in PLAIN:
                return _plain(content, limit)
            if mime_type == PDF:
                return _pdf(content, limit)
            return _zipped(content, mime_type, limit)
        except OSError:
            raise
        except Exception as exc:  # a damaged file of its type: no text, never a failure
            logger.warning(
                "No text from file %s (%s): %s: %s",
                stored.pk,
                mime_type,
                type(exc).__name__,
                exc,
            )
            return ""


def _plain(content, limit: int) -> str:
    data = content.read(limit * BYTES_PER_CHARACTER)
    try:
        # UTF-8 first: most text is, and a cut at the read limit may split a character.
        text = data.decode("utf-8", errors="strict" if len(data) < limit else "ignore")
    except UnicodeDecodeError:  # another encoding: guessed from the bytes
        best = from_bytes(data).best()
        text = str(best) if best is not None else data.decode("latin-1")
    return text.replace("\x00", "")[:limit].strip()


def _pdf(content, limit: int) -> str:
    from pypdf import PdfReader

    reader = PdfReader(content)
    if reader.is_encrypted:
        logger.info("No text from an encrypted PDF.")
        return ""
    collected = _Collected(limit)
    for page in reader.pages:
        collected.add(page.extract_text() or "")
        collected.add("\n")
        if collected.full:
            break
    return collected.text().replace("\x00", "")


def _zipped(content, mime_type: str, limit: int) -> str:
    collected = _Collected(limit)
    with zipfile.ZipFile(content) as archive:
        mime_type = _office_type(archive) if mime_type == ZIP else mime_type
        if mime_type not in ZIPPED:
            return ""  # a zip archive of something else
        prefixes, texts, breaks = ZIPPED[mime_type]
        parts = sorted(
            (
                info
                for info in archive.infolist()
                if any(info.filename.startswith(prefix) for prefix in prefixes)
                and info.filename.endswith(".xml")
            ),
            key=lambda info: _natural(info.filename),
        )
        for info in parts:
            for piece in _xml_text(archive, info, texts, breaks):
                collected.add(piece)
                if collected.full:
                    return collected.text()
    return collected.text()


def _office_type(archive) -> str:
    """The Office type of a zip archive (libmagic may say only "application/zip" of
    Office files), by its parts; "" for another archive."""
    names = set(archive.namelist())
    for part, mime_type in OFFICE_PARTS.items():
        if part in names:
            return mime_type
    if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
        declared = archive.read("mimetype").decode("ascii", errors="replace").strip()
        return declared if declared in ODF else ""
    return ""


def _natural(name: str) -> tuple:
    """slide2.xml before slide10.xml."""
    digits = "".join(each for each in name if each.isdigit())
    return (len(digits), digits, name)


def _xml_text(archive, info, texts: set, breaks: set) -> Iterator[str]:
    """The text of the elements `texts` of an XML part (runs of a paragraph: joined
    as they are), a line break after each of `breaks` (paragraphs). A part larger than
    FILE_TEXT_MAX_PART_SIZE, declared or actual, is not read."""
    maximum = settings.FILE_TEXT_MAX_PART_SIZE
    if info.file_size > maximum:
        logger.info("Skipped %s: %d bytes uncompressed.", info.filename, info.file_size)
        return
    with archive.open(info) as part:
        data = part.read(maximum + 1)
    if len(data) > maximum:
        logger.info("Skipped %s: larger than it declares.", info.filename)
        return
    for _event, element in ElementTree.iterparse(io.BytesIO(data), events=("end",)):
        if element.tag in texts:
            yield "".join(element.itertext())
        if element.tag in breaks:
            yield "\n"
        if element.tag in texts or element.tag in breaks:
            element.clear()
