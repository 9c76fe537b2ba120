import pytest

from tests.thresholds.helpers import csv_bytes, row
from thresholds.models import ImportBatch, LegalInstrument, ThresholdValue
from thresholds.services import RollbackRefused, import_batch_rollback, record_save, threshold_import

pytestmark = pytest.mark.django_db


def import_rows(rows, user, name="values.csv"):
    return threshold_import(file_name=name, content=csv_bytes(rows), user=user).batch


def test_rolling_back_an_import_removes_what_it_created(curator):
    batch = import_rows([row(), row(pollutant="Lead")], curator)
    counts = import_batch_rollback(batch=batch, user=curator)
    assert counts["deleted"] == 2 and counts["instruments_deleted"] == 1
    assert not ThresholdValue.objects.filter(instrument__title=row()["instrument"]).exists()
    assert not LegalInstrument.objects.filter(title=row()["instrument"]).exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK and batch.rolled_back_by == curator


def test_rolling_back_a_correction_restores_the_previous_values(curator, other_curator):
    import_rows([row(), row(pollutant="Lead", value="70")], curator)
    correction = import_rows([row(value="0.30"), row(pollutant="Lead", value="70")], other_curator, "fix.csv")

    counts = import_batch_rollback(batch=correction, user=curator)

    assert counts == {"deleted": 0, "restored": 1, "instruments_deleted": 0, "instruments_restored": 0}
    cadmium = ThresholdValue.objects.get(instrument__title=row()["instrument"], pollutant__name="Cadmium")
    assert cadmium.value_text == "0.40"
    assert cadmium.history.first().history_change_reason == f"rollback of {correction.change_reason}"


def test_a_rollback_that_would_undo_later_edits_is_refused_and_changes_nothing(curator, other_curator):
    batch = import_rows([row(), row(pollutant="Lead")], curator)
    lead = ThresholdValue.objects.get(import_batch=batch, pollutant__name="Lead")
    lead.notes = "checked against the gazette"
    record_save(instance=lead, user=other_curator, expected_version=lead.version)

    with pytest.raises(RollbackRefused, match=r"1 value\(s\) imported by this batch were changed afterwards"):
        import_batch_rollback(batch=batch, user=curator)
    assert ThresholdValue.objects.filter(import_batch=batch).count() == 2
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED


def test_a_batch_cannot_be_rolled_back_twice(curator):
    batch = import_rows([row()], curator)
    import_batch_rollback(batch=batch, user=curator)
    with pytest.raises(RollbackRefused, match="only a committed import can be rolled back"):
        import_batch_rollback(batch=batch, user=curator)


def test_an_edit_is_recorded_in_history_with_its_author(curator):
    value = ThresholdValue.objects.filter(instrument__country__iso3="ITA").first()
    value.value_text = "21"
    record_save(instance=value, user=curator, expected_version=value.version, reason="typo in the transcription")
    latest = value.history.first()
    assert (latest.history_type, latest.value_text, latest.history_user) == ("~", "21", curator)
    assert latest.history_change_reason == "typo in the transcription"
    assert value.history.count() == 2
