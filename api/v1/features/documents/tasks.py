from celery import shared_task

from api.v1.base_models.files.services import text_of
from core import searching

from .models import Document, DocumentVersion


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def index_version_text(version_id: int) -> int:
    """Extract the text of a new version's file (once per file) and have its document
    indexed again with it; the length of the text. A storage that cannot be read is
    retried with backoff."""
    version = DocumentVersion.objects.select_related("file").filter(pk=version_id).first()
    if version is None:  # deleted with its document meanwhile
        return 0
    text = text_of(version.file)
    searching.refresh(Document, [version.document_id])
    return len(text)
