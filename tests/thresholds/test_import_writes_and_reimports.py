from decimal import Decimal

import pytest

from tests.thresholds.helpers import csv_bytes, row
from thresholds.models import ImportBatch, LegalInstrument, ThresholdValue
from thresholds.services import threshold_import

pytestmark = pytest.mark.django_db


def import_rows(rows, user=None, name="values.csv"):
    return threshold_import(file_name=name, content=csv_bytes(rows), user=user)


def test_an_import_creates_instruments_and_values_in_a_batch(curator):
    result = import_rows([row(), row(pollutant="Lead", value="70", unit="µg/g")], user=curator)

    batch = result.batch
    assert (batch.rows_total, batch.created_count, batch.instruments_created) == (2, 2, 1)
    assert batch.created_by == curator and len(batch.sha256) == 64
    cadmium = ThresholdValue.objects.get(import_batch=batch, pollutant__name="Cadmium")
    assert cadmium.value_text == "0.40" and cadmium.value == Decimal("0.4")
    assert cadmium.status == "draft" and cadmium.land_use.code == "agricultural"
    lead = ThresholdValue.objects.get(import_batch=batch, pollutant__name="Lead")
    assert lead.unit.code == "mg/kg" and lead.value_mg_kg == Decimal("70")
    assert LegalInstrument.objects.get(title="Test ordinance on soil values").import_batch == batch


def test_history_records_the_import_and_the_user(curator):
    batch = import_rows([row()], user=curator).batch
    value = ThresholdValue.objects.get(import_batch=batch)
    [record] = value.history.all()
    assert record.history_type == "+"
    assert record.history_user == curator
    assert record.history_change_reason == f"import batch #{batch.pk} (values.csv)"


def test_importing_the_same_file_again_changes_nothing(curator):
    rows = [row(), row(pollutant="Lead", value="70")]
    import_rows(rows, user=curator)
    before = list(ThresholdValue.objects.order_by("id").values_list("id", "version", "updated_at"))
    batches = ImportBatch.objects.count()

    result = import_rows(rows, user=curator)

    assert result.batch is None
    assert result.plan.summary()["unchanged"] == 2
    assert ImportBatch.objects.count() == batches
    assert list(ThresholdValue.objects.order_by("id").values_list("id", "version", "updated_at")) == before


def test_a_corrected_file_updates_what_changed_with_history(curator, other_curator):
    import_rows([row(), row(pollutant="Lead", value="70")], user=curator)
    result = import_rows([row(value="0.30"), row(pollutant="Lead", value="70")], user=other_curator, name="fixed.csv")

    assert (result.batch.created_count, result.batch.updated_count, result.batch.unchanged_count) == (0, 1, 1)
    cadmium = ThresholdValue.objects.get(instrument__title=row()["instrument"], pollutant__name="Cadmium")
    assert cadmium.value_text == "0.30" and cadmium.version == 2
    changes = cadmium.history.order_by("history_date")
    assert [h.history_type for h in changes] == ["+", "~"]
    assert [h.value_text for h in changes] == ["0.40", "0.30"]
    assert changes.last().history_user == other_curator


def test_a_blank_status_keeps_a_published_value_published(curator):
    import_rows([row(status="published")], user=curator)
    result = import_rows([row()], user=curator)
    assert result.batch is None
    assert ThresholdValue.objects.get(instrument__title=row()["instrument"]).status == "published"


def test_labels_are_classified_and_approximate_ones_flagged(curator):
    rows = [
        {**row(), "land_use": "", "land_use_label": "Zone 3 (factory, parking, gas station, road, railway, military)"},
        {
            **row(pollutant="Lead"),
            "land_use": "",
            "land_use_label": "Zone 2 (forest, non-residential lots, warehouses, rivers, recreation)",
            "tier": "",
            "tier_label": "Prüfwert",
        },
    ]
    import_rows(rows, user=curator)
    zone3 = ThresholdValue.objects.get(pollutant__name="Cadmium", instrument__title=row()["instrument"])
    assert (zone3.land_use.code, zone3.needs_review) == ("industrial", False)
    zone2 = ThresholdValue.objects.get(pollutant__name="Lead", instrument__title=row()["instrument"])
    assert (zone2.land_use.code, zone2.tier.code, zone2.needs_review) == ("natural", "trigger", True)
    assert "classified approximately" in zone2.review_note
    assert zone2.land_use_label.startswith("Zone 2") and zone2.tier_label == "Prüfwert"


def test_conditions_are_recognised_in_the_condition_text_when_no_structured_column_is_given(curator):
    result = threshold_import(
        file_name="c.csv",
        content=csv_bytes([row(condition="5.5<pH<=6.5; sandy soils, aqua regia extract")]),
        user=curator,
        dry_run=True,
    )
    [planned] = result.plan.rows
    assert planned.fields["ph_min"] == Decimal("5.5") and planned.fields["ph_max"] == Decimal("6.5")
    assert planned.fields["texture"] == "sand"
    assert any("aqua_regia" in line for line in planned.recognised)


def test_a_value_with_an_attached_qualifier(curator):
    import_rows([row(value="<0.5")], user=curator)
    value = ThresholdValue.objects.get(instrument__title=row()["instrument"])
    assert (value.qualifier, value.value_text) == ("<", "0.5")


def test_a_dry_run_writes_nothing(curator):
    before = ThresholdValue.objects.count()
    result = threshold_import(file_name="v.csv", content=csv_bytes([row()]), user=curator, dry_run=True)
    assert result.plan.summary()["create"] == 1 and result.batch is None
    assert ThresholdValue.objects.count() == before


def test_text_with_tabs_newlines_and_backslashes_is_stored_exactly(curator):
    awkward = 'Tabelle 1\t"Spalte B"\nC:\\Daten\\boden.pdf \\N'
    batch = import_rows([row(source_quote=awkward, condition="pH 6\\7")], user=curator).batch
    value = ThresholdValue.objects.get(import_batch=batch)
    assert value.source_quote == awkward and value.condition_text == "pH 6\\7"
    assert value.history.get().source_quote == awkward
    assert value.created_by == curator and value.version == 1 and value.verification == "unverified"
