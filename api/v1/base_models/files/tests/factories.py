import hashlib

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.organization.tests.factories import OrganizationFactory

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


class FileStorageFactory(DjangoModelFactory):
    """A stored PDF (pass `content=` for other bytes, `tags=[...]` for tags)."""

    class Meta:
        model = FileStorage
        skip_postgeneration_save = True

    class Params:
        content = PDF

    organization = factory.SubFactory(OrganizationFactory)
    original_name = factory.Sequence(lambda n: f"report-{n}.pdf")
    mime_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.content))
    checksum = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name=o.original_name))
    custom_fields = factory.LazyFunction(dict)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


def pdf_with(*pages: str) -> bytes:
    """A real PDF (reportlab) with one page per text."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for text in pages:
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def zipped(parts: dict[str, str]) -> bytes:
    """A zip archive of {name: text} (the shape of Office Open XML and OpenDocument)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx_with(*paragraphs: str) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    return zipped(
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": (
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                f'main"><w:body>{body}</w:body></w:document>'
            ),
        }
    )
