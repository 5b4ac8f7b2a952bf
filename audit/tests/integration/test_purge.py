"""The purge: rows older than the retention go (archived first in archive mode), in
batches; the purge records itself; the Celery beat task runs it daily."""

import datetime
import json
import math

import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditLog
from audit.services import purge
from audit.tasks import purge_audit_logs

from ..helpers import days_ago, insert_row, last_id, raw_sql, since

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive_dir(settings, tmp_path):
    folder = tmp_path / "audit-archive"
    settings.AUDIT = {**settings.AUDIT, "ARCHIVE_DIR": str(folder)}
    return folder


@pytest.fixture
def aged_rows(org_p):
    """Five rows past a 365-day retention, two within it: their object ids."""
    old, recent = [], []
    for days in (900, 500, 400, 367, 366):
        insert_row(
            days_ago(days),
            object_id=f"old-{days}",
            organization_id=org_p.pk,
            changes={"title": {"old": "A", "new": f"B{days}"}},
            context={"source": "system", "days": days},
        )
        old.append(f"old-{days}")
    for days in (364, 10):
        insert_row(days_ago(days), object_id=f"recent-{days}")
        recent.append(f"recent-{days}")
    return old, recent


def existing(object_ids):
    return set(
        AuditLog.objects.filter(object_id__in=object_ids).values_list("object_id", flat=True)
    )


def audit_deletes(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("DELETE") and "audit_auditlog" in q["sql"]
    ]


def test_old_rows_go_in_batches_recent_ones_stay(aged_rows):
    old, recent = aged_rows
    expected = AuditLog.objects.filter(created_at__lt=days_ago(365)).count()
    assert expected == len(old)
    with CaptureQueriesContext(connection) as queries:
        result = purge(older_than_days=365, mode="delete", batch_size=2)
    assert result["removed"] == len(old)
    assert result["archive"] is None
    assert existing(old) == set()
    assert existing(recent) == set(recent)
    assert len(audit_deletes(queries)) == math.ceil(len(old) / 2)


def test_the_purge_records_itself(aged_rows):
    marker = last_id()
    result = purge(older_than_days=365, mode="delete")
    row = since(marker).get()
    assert row.action_type == "PURGE"
    assert row.context["removed"] == 5
    assert row.context["before"] == result["before"]
    assert row.context["source"] == "system"
    assert row.user_id is None


def test_nothing_to_purge_writes_nothing(aged_rows):
    marker = last_id()
    assert purge(older_than_days=1000)["removed"] == 0
    assert not since(marker).exists()


def test_the_cutoff_follows_now(aged_rows):
    old, recent = aged_rows
    assert purge(older_than_days=905)["removed"] == 0  # nothing is 905 days old
    # Run ten days later, the purge also takes the row that was 364 days old.
    result = purge(older_than_days=365, now=timezone.now() + datetime.timedelta(days=10))
    assert result["removed"] == len(old) + 1
    assert existing(recent) == {"recent-10"}


def test_archive_mode(aged_rows, archive_dir):
    old, recent = aged_rows
    expected = {
        row["object_id"]: row
        for row in AuditLog.objects.filter(object_id__in=old).values(
            "id", "object_id", "changes", "context", "organization_id", "action_type"
        )
    }
    result = purge(older_than_days=365, mode="archive", batch_size=2)
    path = archive_dir / result["archive"].rsplit("/", 1)[-1]
    assert str(path) == result["archive"]
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["object_id"] for line in lines] == [
        row["object_id"] for row in sorted(expected.values(), key=lambda row: row["id"])
    ]
    for line in lines:
        stored = expected[line["object_id"]]
        assert line["id"] == stored["id"]
        assert line["changes"] == stored["changes"]
        assert line["context"] == stored["context"]
        assert line["organization_id"] == stored["organization_id"]
        assert line["action_type"] == "UPDATE"
        assert "created_at" in line
    assert existing(old) == set()
    assert existing(recent) == set(recent)
    purge_row = AuditLog.objects.filter(action_type="PURGE").get()
    assert purge_row.context["archive"] == str(path)


def test_the_settings_are_read_at_call_time(aged_rows, settings, tmp_path):
    old, _recent = aged_rows
    folder = tmp_path / "from-settings"
    settings.AUDIT = {
        **settings.AUDIT,
        "RETENTION_DAYS": 450,
        "PURGE_MODE": "archive",
        "PURGE_BATCH_SIZE": 1,
        "ARCHIVE_DIR": str(folder),
    }
    with CaptureQueriesContext(connection) as queries:
        result = purge()
    assert result["removed"] == 2  # 900 and 500 days old
    assert existing(old) == {"old-400", "old-367", "old-366"}
    assert len(audit_deletes(queries)) == 2
    (archive,) = folder.iterdir()
    assert len(archive.read_text().splitlines()) == 2


def test_an_unknown_mode(aged_rows, archive_dir):
    old, _recent = aged_rows
    with pytest.raises(ValueError, match="shred"):
        purge(older_than_days=365, mode="shred")
    assert existing(old) == set(old)
    assert not archive_dir.exists()


class TestTask:
    def test_the_beat_schedule_runs_it_daily(self):
        entries = [
            entry
            for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
            if entry["task"] == "audit.tasks.purge_audit_logs"
        ]
        assert len(entries) == 1
        assert entries[0]["schedule"] == datetime.timedelta(days=1)
        from config.celery import app

        assert "audit.tasks.purge_audit_logs" in app.tasks

    def test_the_task(self, aged_rows, settings):
        old, recent = aged_rows
        settings.AUDIT = {**settings.AUDIT, "RETENTION_DAYS": 365, "PURGE_MODE": "delete"}
        marker = last_id()
        result = purge_audit_logs.delay()
        assert result.get()["removed"] == len(old)
        assert existing(old) == set()
        assert existing(recent) == set(recent)
        row = since(marker).get()
        assert row.action_type == "PURGE"
        assert row.context["source"] == "task"
        assert row.context["task"] == "audit.tasks.purge_audit_logs"
        assert row.request_id == result.id


@pytest.mark.django_db(transaction=True)
def test_the_purge_in_real_transactions_passes_the_trigger(org_p):
    """Each batch is its own transaction (no test transaction around it): on PostgreSQL
    the permission to delete holds for the batch only."""
    for days in (400, 401, 402):
        insert_row(days_ago(days), object_id=f"old-{days}")
    assert purge(older_than_days=365, batch_size=2)["removed"] == 3
    assert not AuditLog.objects.filter(object_id__startswith="old-").exists()
    if connection.vendor == "postgresql":
        survivor = AuditLog.objects.order_by("id").first()
        with pytest.raises(DatabaseError, match="only removed by the purge"):
            raw_sql("DELETE FROM audit_auditlog WHERE id = %s", [survivor.pk])
        assert AuditLog.objects.filter(pk=survivor.pk).exists()
