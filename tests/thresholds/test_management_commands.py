import io

import pytest
from django.core.management import CommandError, call_command

from tests.thresholds.helpers import csv_bytes, row
from thresholds.models import LegalInstrument, ThresholdValue

pytestmark = pytest.mark.django_db


def test_import_thresholds_dry_run_reports_and_writes_nothing(tmp_path):
    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes([row(), row(pollutant="Lead")]))
    out = io.StringIO()
    call_command("import_thresholds", str(path), "--dry-run", stdout=out)
    assert "2 rows: 2 would be created, 0 would be updated, 0 unchanged" in out.getvalue()
    assert not LegalInstrument.objects.filter(title=row()["instrument"]).exists()

    call_command("import_thresholds", str(path), stdout=out, verbosity=0)
    assert ThresholdValue.objects.filter(instrument__title=row()["instrument"]).count() == 2


def test_import_thresholds_lists_every_problem(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row(value="-1"), row(pollutant="Cadmum")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_thresholds", str(path), stderr=err)
    assert 'row 2, column value: value "-1" is negative' in err.getvalue()
    assert "row 3, column pollutant" in err.getvalue()


def test_generate_thresholds_makes_marked_synthetic_data_and_removes_it():
    before = ThresholdValue.objects.count()
    call_command("generate_thresholds", rows=1200, stdout=io.StringIO())
    synthetic = ThresholdValue.objects.filter(instrument__is_synthetic=True)
    assert synthetic.count() == 1200
    assert all(
        title.startswith("SYNTHETIC")
        for title in LegalInstrument.objects.filter(is_synthetic=True).values_list("title", flat=True)
    )
    assert not synthetic.filter(value_mg_kg__isnull=True).exists()
    call_command("generate_thresholds", delete=True, stdout=io.StringIO())
    assert ThresholdValue.objects.count() == before


def test_load_seed_twice_changes_nothing():
    out = io.StringIO()
    call_command("load_seed", stdout=out)
    seeded = ThresholdValue.objects.filter(import_batch__file_name="seed/thresholds.csv").count()
    assert seeded and f"values: 0 added, 0 updated, {seeded} unchanged" in out.getvalue()
