"""An import and a curator's edit of the same values at the same time. An import is planned from the
values as they were read, then written: whatever changed in between (an API edit, another import, a
bulk action) refuses the import, which writes nothing and leaves its batch failed with the values
named. Bulk actions lock what they change, so two of them each raise the real current version.

The interleaved tests run on SQLite and PostgreSQL; the races need PostgreSQL's row locks (threads,
each with its own connection)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory
from tests.thresholds.helpers import csv_bytes, row
from thresholds import services
from thresholds.models import ImportBatch, LegalInstrument, ThresholdValue
from thresholds.services import (
    ImportOutdated,
    ImportRejected,
    RollbackRefused,
    import_batch_rollback,
    import_preview_seen,
    instrument_save,
    instrument_withdraw,
    threshold_create,
    threshold_import,
    threshold_update,
    thresholds_mark_verified,
    thresholds_set_status,
)

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the race needs PostgreSQL's row locks and concurrent connections"
)


def signed_in(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


def api_patch(user, value: ThresholdValue, etag: str, changes: dict):
    return Client().patch(
        f"/api/v1/thresholds/{value.pk}/",
        changes,
        content_type="application/json",
        HTTP_IF_MATCH=etag,
        **signed_in(user),
    )


def api_etag(user, value: ThresholdValue) -> str:
    """What `user`'s API client holds after reading the value: its ETag, for If-Match. Imported values
    are drafts, which only curators see (anonymously the read is a 404 and its ETag no record's)."""
    response = Client().get(f"/api/v1/thresholds/{value.pk}/", **signed_in(user))
    assert response.status_code == 200, response.content
    return response["ETag"]


def after_planning(monkeypatch, then):
    """Run `then()` once the import has planned (read the values) and before it writes anything."""
    plan_import = services.plan_import

    def planned_then(**arguments):
        plan = plan_import(**arguments)
        then()
        return plan

    monkeypatch.setattr(services, "plan_import", planned_then)


def history_versions(value: ThresholdValue) -> list[int]:
    return list(value.history.order_by("history_date", "history_id").values_list("version", flat=True))


# ---- an edit between the plan and the write -------------------------------------------------------


@pytest.mark.django_db
def test_an_import_planned_before_an_api_edit_of_its_value_is_refused_and_writes_nothing(
    curator, other_curator, monkeypatch
):
    threshold_import(file_name="first.csv", content=csv_bytes([row(), row(pollutant="Lead", value="70")]), user=curator)
    cadmium = ThresholdValue.objects.get(instrument__title=row()["instrument"], pollutant__name="Cadmium")
    lead = ThresholdValue.objects.get(instrument__title=row()["instrument"], pollutant__name="Lead")
    patched = []
    after_planning(
        monkeypatch,
        lambda: patched.append(
            api_patch(other_curator, cadmium, api_etag(other_curator, cadmium), {"notes": "checked by phone"})
        ),
    )

    corrected = csv_bytes([row(value="0.30"), row(pollutant="Lead", value="80")])
    with pytest.raises(ImportRejected, match="1 value"):
        threshold_import(file_name="corrected.csv", content=corrected, user=curator)

    [response] = patched
    assert response.status_code == 200, response.content
    cadmium.refresh_from_db()
    lead.refresh_from_db()
    assert (cadmium.value_text, cadmium.notes, cadmium.version) == ("0.40", "checked by phone", 2)
    assert (lead.value_text, lead.version) == ("70", 1), "the import is all or nothing"
    assert history_versions(cadmium) == [1, 2] and history_versions(lead) == [1]
    batch = ImportBatch.objects.get(file_name="corrected.csv")
    assert batch.status == ImportBatch.Status.FAILED and batch.finished_at
    assert f"#{cadmium.pk}" in batch.notes and "changed since the preview" in batch.notes
    assert f"value #{lead.pk} (" not in batch.notes
    # The API client's ETag is still its own version: its next change is made on what it saw.
    assert response["ETag"].startswith(f'"thresholdvalue-{cadmium.pk}-v2.')

    monkeypatch.undo()  # uploaded again, the file is checked against the edited value and goes through
    result = threshold_import(file_name="corrected.csv", content=corrected, user=curator)
    cadmium.refresh_from_db()
    assert result.batch.status == ImportBatch.Status.COMMITTED
    assert (cadmium.value_text, cadmium.version) == ("0.30", 3) and history_versions(cadmium) == [1, 2, 3]


@pytest.mark.django_db
def test_the_refused_import_lists_each_changed_value_by_row(curator, other_curator, monkeypatch):
    rows = [row(crop=f"crop {number}") for number in range(4)]
    threshold_import(file_name="first.csv", content=csv_bytes(rows), user=curator)
    values = list(ThresholdValue.objects.filter(instrument__title=row()["instrument"]).order_by("crop"))

    def two_edits():
        for value in values[1:3]:
            assert (
                api_patch(other_curator, value, api_etag(other_curator, value), {"notes": "edited"}).status_code == 200
            )

    after_planning(monkeypatch, two_edits)
    with pytest.raises(ImportRejected) as refused:
        threshold_import(file_name="again.csv", content=csv_bytes([{**r, "value": "0.5"} for r in rows]), user=curator)

    problems = refused.value.plan.problems
    assert [problem.row for problem in problems] == [3, 4]
    assert all(
        "other-curator" in problem.message and "upload the file again" in problem.message for problem in problems
    )
    assert "2 value(s) changed since the preview" in str(refused.value)
    assert set(ThresholdValue.objects.filter(pk__in=[v.pk for v in values]).values_list("value_text", flat=True)) == {
        "0.40"
    }


@pytest.mark.django_db
def test_an_import_planned_before_its_instrument_was_edited_is_refused(curator, other_curator, monkeypatch):
    threshold_import(file_name="first.csv", content=csv_bytes([row()]), user=curator)
    instrument = LegalInstrument.objects.get(title=row()["instrument"])
    after_planning(
        monkeypatch,
        lambda: instrument_save(
            instrument=instrument, data={"year": 1999}, user=other_curator, expected_version=instrument.version
        ),
    )

    with pytest.raises(ImportRejected, match="changed since the preview"):
        threshold_import(file_name="dated.csv", content=csv_bytes([row(instrument_year="2001")]), user=curator)

    instrument.refresh_from_db()
    assert (instrument.year, instrument.version) == (1999, 2)
    assert list(instrument.history.order_by("history_date").values_list("version", flat=True)) == [1, 2]
    batch = ImportBatch.objects.get(file_name="dated.csv")
    assert batch.status == ImportBatch.Status.FAILED and f"instrument #{instrument.pk}" in batch.notes


# ---- an edit between the preview a curator sees and its confirmation --------------------------------


@pytest.mark.django_db
def test_an_import_confirmed_after_an_api_edit_of_a_previewed_value_is_refused_and_writes_nothing(
    client, curator, other_curator
):
    threshold_import(file_name="first.csv", content=csv_bytes([row(), row(pollutant="Lead", value="70")]), user=curator)
    cadmium = ThresholdValue.objects.get(instrument__title=row()["instrument"], pollutant__name="Cadmium")
    lead = ThresholdValue.objects.get(instrument__title=row()["instrument"], pollutant__name="Lead")
    client.force_login(curator)
    corrected = csv_bytes([row(value="0.30"), row(pollutant="Lead", value="80")])
    preview = client.post(reverse("admin:thresholds_import"), {"file": SimpleUploadedFile("corrected.csv", corrected)})
    assert preview.context["summary"]["update"] == 2
    assert api_patch(other_curator, cadmium, api_etag(other_curator, cadmium), {"value": "0.45"}).status_code == 200

    confirmed = client.post(reverse("admin:thresholds_import"), {"token": preview.context["token"]})

    assert confirmed.status_code == 200, "the curator is shown why, not sent to a committed batch"
    [problem] = confirmed.context["problems"]
    assert problem.row == 2
    assert f"value #{cadmium.pk} was changed by other-curator" in problem.message
    assert "(version 1 when the file was checked, now 2)" in problem.message
    assert "upload the file again" in problem.message
    cadmium.refresh_from_db()
    lead.refresh_from_db()
    assert (cadmium.value_text, cadmium.version) == ("0.45", 2), "the edit the curator never saw is kept"
    assert (lead.value_text, lead.version) == ("70", 1), "the import is all or nothing"
    assert ImportBatch.objects.get(file_name="corrected.csv").status == ImportBatch.Status.FAILED

    again = client.post(reverse("admin:thresholds_import"), {"file": SimpleUploadedFile("corrected.csv", corrected)})
    assert client.post(reverse("admin:thresholds_import"), {"token": again.context["token"]}).status_code == 302
    cadmium.refresh_from_db()
    assert (cadmium.value_text, cadmium.version) == ("0.30", 3) and history_versions(cadmium) == [1, 2, 3]


@pytest.mark.django_db
def test_an_import_confirmed_after_someone_created_a_value_it_previewed_as_new_is_refused(curator, other_curator):
    threshold_import(file_name="first.csv", content=csv_bytes([row(pollutant="Lead", value="70")]), user=curator)
    content = csv_bytes([row(), row(pollutant="Lead", value="80")])
    preview = threshold_import(file_name="more.csv", content=content, user=curator, dry_run=True)
    assert [planned.action for planned in preview.plan.rows] == ["create", "update"]
    created = threshold_create(record=row(value="0.45"), user=other_curator)

    with pytest.raises(ImportOutdated, match="1 value") as refused:
        threshold_import(
            file_name="more.csv", content=content, user=curator, previewed=import_preview_seen(preview.plan)
        )

    [problem] = refused.value.plan.problems
    assert problem.row == 2 and f"value #{created.pk} was created by other-curator" in problem.message
    stored = ThresholdValue.objects.filter(instrument__title=row()["instrument"])
    assert set(stored.values_list("value_text", "version")) == {("0.45", 1), ("70", 1)}


# ---- races on PostgreSQL ----------------------------------------------------------------------------


def in_threads(*calls):
    """Run the calls in threads, each with its own connection; their results (or exceptions) in order."""

    def run(call):
        try:
            return call()
        except Exception as exc:  # the caller checks who lost, and how
            return exc
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def two_curators(loaded_data):
    """Two superusers on the live database (the curators' group does not survive its emptying)."""
    return loaded_data, UserFactory(username="drill-curator-2", is_staff=True, is_superuser=True)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_import_and_api_edits_racing_never_write_one_version_twice(two_curators, monkeypatch, report):
    importer, editor = two_curators
    rows = [row(crop=f"crop {number}") for number in range(60)]
    threshold_import(file_name="first.csv", content=csv_bytes(rows), user=importer)
    values = list(ThresholdValue.objects.filter(instrument__title=row()["instrument"]).order_by("id"))
    etags = {value.pk: api_etag(editor, value) for value in values}
    planned = threading.Event()
    after_planning(monkeypatch, planned.set)
    write = services.bulk_update_with_history

    def write_slowly(*arguments, **options):
        time.sleep(0.5)  # the edits arrive while the import is between its plan (and locks) and its write
        return write(*arguments, **options)

    monkeypatch.setattr(services, "bulk_update_with_history", write_slowly)

    def import_corrected():
        return threshold_import(
            file_name="corrected.csv", content=csv_bytes([{**r, "value": "0.5"} for r in rows]), user=importer
        )

    def edit_while_the_import_writes():
        assert planned.wait(timeout=60)
        return [api_patch(editor, value, etags[value.pk], {"notes": "edited"}).status_code for value in values]

    imported, codes = in_threads(import_corrected, edit_while_the_import_writes)

    assert isinstance(codes, list) and set(codes) <= {200, 412}, codes
    committed = not isinstance(imported, Exception)
    if committed:
        assert codes.count(200) == 0, f"{codes.count(200)} API edit(s) the import never saw were overwritten"
    else:
        assert isinstance(imported, ImportRejected), imported
        assert ImportBatch.objects.get(file_name="corrected.csv").status == ImportBatch.Status.FAILED
    for value in values:
        value.refresh_from_db()
        versions = history_versions(value)
        assert versions == list(range(1, value.version + 1)), f"value #{value.pk} has versions {versions}"
        assert value.value_text == ("0.5" if committed else "0.40")
    report(
        f"import {'committed' if committed else 'refused'}; {codes.count(200)} API edits saved, "
        f"{codes.count(412)} told 412; versions 1, 2, 3... on all {len(values)} values"
    )


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_bulk_actions_on_the_same_values_each_raise_the_real_version(two_curators):
    publisher, verifier = two_curators
    rows = [row(crop=f"crop {number}") for number in range(200)]
    threshold_import(file_name="first.csv", content=csv_bytes(rows), user=publisher)
    ids = list(ThresholdValue.objects.filter(instrument__title=row()["instrument"]).values_list("id", flat=True))
    barrier = threading.Barrier(2)

    def publish():
        barrier.wait()
        return thresholds_set_status(
            values=ThresholdValue.objects.filter(pk__in=ids), status=ThresholdValue.Status.PUBLISHED, user=publisher
        )

    def verify():
        barrier.wait()
        return thresholds_mark_verified(values=ThresholdValue.objects.filter(pk__in=ids), user=verifier)

    assert in_threads(publish, verify) == [len(ids), len(ids)]

    for value in ThresholdValue.objects.filter(pk__in=ids):
        assert value.status == "published" and value.verification == ThresholdValue.Verification.VERIFIED
        assert history_versions(value) == [1, 2, 3] and value.version == 3, history_versions(value)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_withdrawing_an_instrument_while_its_values_are_published_raises_each_version_once(two_curators):
    withdrawer, publisher = two_curators
    rows = [row(crop=f"crop {number}") for number in range(200)]
    threshold_import(file_name="first.csv", content=csv_bytes(rows), user=withdrawer)
    instrument = LegalInstrument.objects.get(title=row()["instrument"])
    ids = list(instrument.values.values_list("id", flat=True))
    barrier = threading.Barrier(2)

    def withdraw():
        barrier.wait()
        return instrument_withdraw(instrument=LegalInstrument.objects.get(pk=instrument.pk), user=withdrawer)

    def publish():
        barrier.wait()
        return thresholds_set_status(
            values=ThresholdValue.objects.filter(pk__in=ids), status=ThresholdValue.Status.PUBLISHED, user=publisher
        )

    withdrawn, published = in_threads(withdraw, publish)

    assert isinstance(withdrawn, LegalInstrument) and published == len(ids)
    for value in ThresholdValue.objects.filter(pk__in=ids):
        assert history_versions(value) == [1, 2, 3] and value.version == 3, history_versions(value)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_rolling_back_an_import_while_one_of_its_values_is_being_edited_waits_and_is_refused(two_curators):
    curator, editor = two_curators
    threshold_import(file_name="first.csv", content=csv_bytes([row(), row(pollutant="Lead", value="70")]), user=curator)
    corrected = threshold_import(
        file_name="corrected.csv",
        content=csv_bytes([row(value="0.30"), row(pollutant="Lead", value="80")]),
        user=curator,
    )
    cadmium = ThresholdValue.objects.get(instrument__title=row()["instrument"], pollutant__name="Cadmium")
    editing = threading.Event()

    def edit():
        with transaction.atomic():
            threshold_update(value=cadmium, changes={"notes": "checked by phone"}, user=editor, expected_version=2)
            editing.set()
            time.sleep(0.5)  # the rollback arrives while this edit is saved but not yet committed
        return cadmium.version

    def roll_back():
        assert editing.wait(timeout=30)
        return import_batch_rollback(batch=corrected.batch, user=curator)

    edited, rolled_back = in_threads(edit, roll_back)

    assert edited == 3
    assert isinstance(rolled_back, RollbackRefused), rolled_back
    assert f"value #{cadmium.pk} changed" in str(rolled_back) and "drill-curator-2" in str(rolled_back)
    cadmium.refresh_from_db()
    assert (cadmium.value_text, cadmium.notes, cadmium.version) == ("0.30", "checked by phone", 3)
    assert history_versions(cadmium) == [1, 2, 3]
    lead = ThresholdValue.objects.get(instrument__title=row()["instrument"], pollutant__name="Lead")
    assert (lead.value_text, lead.version) == ("80", 2), "the rollback is all or nothing"
    assert ImportBatch.objects.get(pk=corrected.batch.pk).status == ImportBatch.Status.COMMITTED
