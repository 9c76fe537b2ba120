"""An import's batch is "running" while it writes, "committed" with its rows in one transaction, and
"failed" (with the reason, and no row written) when it stops; abandoned batches are found and marked.
The drills in test_fault_drills.py do the same with a real kill and a real lost connection."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.thresholds.helpers import csv_bytes, row
from thresholds import services
from thresholds.models import ImportBatch, ThresholdValue
from thresholds.services import import_batches_recover, threshold_import

pytestmark = pytest.mark.django_db


def test_a_committed_import_has_its_batch_committed_and_finished(curator):
    result = threshold_import(file_name="one.csv", content=csv_bytes([row()]), user=curator)
    assert result.batch.status == ImportBatch.Status.COMMITTED and result.batch.finished_at
    assert ImportBatch.objects.get(pk=result.batch.pk).status == ImportBatch.Status.COMMITTED


def test_an_import_that_fails_while_writing_writes_nothing_and_its_batch_says_why(curator, monkeypatch):
    before = ThresholdValue.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "bulk_create_with_history", broken)
    monkeypatch.setattr(services, "_copy_new_values", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        threshold_import(file_name="two.csv", content=csv_bytes([row(), row(tier="trigger")]), user=curator)
    batch = ImportBatch.objects.get(file_name="two.csv")
    assert batch.status == ImportBatch.Status.FAILED and "disk full" in batch.notes and batch.finished_at
    assert ThresholdValue.objects.count() == before
    assert not ThresholdValue.objects.filter(instrument__title=row()["instrument"]).exists()

    monkeypatch.undo()  # the retry goes through
    result = threshold_import(file_name="two.csv", content=csv_bytes([row(), row(tier="trigger")]), user=curator)
    assert result.batch.status == ImportBatch.Status.COMMITTED and ThresholdValue.objects.count() == before + 2


def test_a_running_batch_whose_importer_is_gone_is_marked_failed(curator):
    batch = ImportBatch.objects.create(file_name="killed.csv", sha256="0" * 64, created_by=curator)
    if connection.vendor != "postgresql":  # without advisory locks, only an old running batch is dead
        ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    out = io.StringIO()
    call_command("recover_imports", stdout=out)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "went away" in batch.notes
    assert f"#{batch.pk}" in out.getvalue()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="advisory locks are PostgreSQL's")
def test_a_running_batch_whose_importer_holds_its_lock_is_left_running(curator):
    import psycopg

    batch = ImportBatch.objects.create(file_name="alive.csv", sha256="0" * 64, created_by=curator)
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"]
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [services._IMPORT_LOCK_CLASS, batch.pk])
        assert import_batches_recover() == []
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.RUNNING
    assert import_batches_recover() == [batch.pk]  # the other connection closed: its importer is gone


def test_the_admin_list_of_imports_marks_abandoned_batches(client, curator):
    batch = ImportBatch.objects.create(file_name="old.csv", sha256="0" * 64, created_by=curator)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(curator)
    page = client.get("/admin/thresholds/importbatch/")
    assert page.status_code == 200 and "Failed" in page.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
