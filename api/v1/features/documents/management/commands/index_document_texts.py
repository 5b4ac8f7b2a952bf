"""python manage.py index_document_texts: the file text of documents whose current
version was added before its text was extracted (documents.tasks), for the search."""

from django.core.management.base import BaseCommand

from api.v1.base_models.files.services import text_of
from core import searching

from ...models import Document, DocumentVersion

BATCH = 200


class Command(BaseCommand):
    help = (
        "Extract the text of the current versions' files of documents that have none yet, "
        "and have those documents indexed again by the search."
    )

    def handle(self, *args, **options):
        current = Document.objects.filter(current_version__isnull=False)
        pending = (
            DocumentVersion.objects.filter(
                pk__in=current.values("current_version_id"), file__extracted__isnull=True
            )
            .select_related("file")
            .order_by("pk")
        )
        done = failed = 0
        last = 0
        while batch := list(pending.filter(pk__gt=last)[:BATCH]):
            last = batch[-1].pk
            for version in batch:
                try:
                    text_of(version.file)
                except OSError as exc:  # the storage: this one is left for another run
                    failed += 1
                    self.stderr.write(f"Document {version.document_id}: {exc}")
            searching.refresh(Document, [version.document_id for version in batch])
            done += len(batch)
            self.stdout.write(f"{done} documents")
        self.stdout.write(
            self.style.SUCCESS(f"Extracted the text of {done - failed} documents.")
            + (
                f" {failed} could not be read; run again once the storage is back."
                if failed
                else ""
            )
        )
