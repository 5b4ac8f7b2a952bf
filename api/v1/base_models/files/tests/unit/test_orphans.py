"""The orphan clean-up: stored bytes that no row references go once they are older
than the grace period; referenced and young bytes stay."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from api.v1.base_models.files import tasks
from api.v1.base_models.files.models import storage_key
from api.v1.base_models.files.serializers import FileSerializer
from api.v1.base_models.files.services import remove_orphaned_files

from ..factories import FileStorageFactory

pytestmark = pytest.mark.django_db


def test_only_old_unreferenced_bytes_are_removed(org, settings):
    kept = FileStorageFactory(organization=org)
    orphan = default_storage.save(storage_key(org.pk), ContentFile(b"left behind"))
    later = timezone.now() + settings.FILE_ORPHAN_GRACE + timedelta(minutes=1)

    assert remove_orphaned_files() == []  # still within the grace period
    assert remove_orphaned_files(now=later) == [orphan]
    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept.file.name)


def test_the_task_reports_what_it_removed(org, settings):
    settings.FILE_ORPHAN_GRACE = timedelta(0)
    orphan = default_storage.save(storage_key(org.pk), ContentFile(b"left behind"))
    assert tasks.remove_orphaned_files.delay().get() == {"removed": 1, "names": [orphan]}
    assert tasks.remove_orphaned_files.delay().get() == {"removed": 0, "names": []}


def test_nothing_stored_yet_is_nothing_to_do():
    assert remove_orphaned_files() == []


def test_a_row_that_fails_takes_its_bytes_with_it(org, monkeypatch, settings):
    from api.base.serializers import ScopedModelSerializer

    def fail(self, validated_data):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ScopedModelSerializer, "create", fail)
    upload = ContentFile(b"%PDF-1.4 x", name="a.pdf")
    serializer = FileSerializer()
    with pytest.raises(RuntimeError):
        serializer.create(
            {
                "organization": org,
                "original_name": "a.pdf",
                "mime_type": "application/pdf",
                "size": 10,
                "checksum": "0" * 64,
                "file": upload,
            }
        )
    root = settings.MEDIA_ROOT / "files"
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))
