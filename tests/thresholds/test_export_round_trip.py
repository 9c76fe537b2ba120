import csv
import io

import pytest
from openpyxl import load_workbook

from core.spreadsheets import csv_stream, neutralise, unneutralise, xlsx_bytes
from tests.thresholds.helpers import csv_bytes, row
from thresholds.exports import export_rows
from thresholds.models import ThresholdValue
from thresholds.record import TEMPLATE_COLUMNS
from thresholds.services import threshold_import

pytestmark = pytest.mark.django_db


def test_an_export_of_the_whole_seed_re_imports_unchanged(curator):
    content = "".join(csv_stream(export_rows(ThresholdValue.objects.all()), TEMPLATE_COLUMNS)).encode("utf-8")
    result = threshold_import(file_name="export.csv", content=content, user=curator)
    summary = result.plan.summary()
    total = ThresholdValue.objects.count()
    assert total and (summary["rows"], summary["unchanged"]) == (total, total)
    assert (summary["create"], summary["update"]) == (0, 0)
    assert result.batch is None


def test_an_xlsx_export_re_imports_unchanged(curator):
    values = ThresholdValue.objects.filter(instrument__country__iso3__in=["DEU", "CHN", "BRA"])
    content = xlsx_bytes(export_rows(values), TEMPLATE_COLUMNS)
    result = threshold_import(file_name="export.xlsx", content=content, user=curator)
    assert result.plan.summary()["unchanged"] == values.count() > 100


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_text_that_a_spreadsheet_would_run_is_neutralised(dangerous):
    assert neutralise(dangerous) == "'" + dangerous
    assert unneutralise(neutralise(dangerous)) == dangerous
    assert neutralise("0.30") == "0.30" and neutralise("Cadmium") == "Cadmium"


def test_formula_injection_is_escaped_in_csv_and_xlsx_and_survives_a_round_trip(curator):
    threshold_import(
        file_name="v.csv", content=csv_bytes([row(notes="=cmd|' /C calc'!A0", condition="-2 m")]), user=curator
    )
    values = ThresholdValue.objects.filter(instrument__title=row()["instrument"])

    lines = list(csv.reader(io.StringIO("".join(csv_stream(export_rows(values), TEMPLATE_COLUMNS)).lstrip("\ufeff"))))
    record = dict(zip(lines[0], lines[1], strict=True))
    assert record["notes"] == "'=cmd|' /C calc'!A0"
    assert record["condition"] == "'-2 m"
    assert record["value"] == "0.40"

    sheet = load_workbook(io.BytesIO(xlsx_bytes(export_rows(values), TEMPLATE_COLUMNS))).active
    cells = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]], strict=True))
    assert cells["notes"] == "'=cmd|' /C calc'!A0" and sheet[2][0].data_type == "s"

    again = threshold_import(
        file_name="again.xlsx", content=xlsx_bytes(export_rows(values), TEMPLATE_COLUMNS), user=curator
    )
    assert again.plan.summary()["unchanged"] == 1
    assert values.get().notes == "=cmd|' /C calc'!A0"


def test_exports_use_the_template_columns():
    lines = list(
        csv.reader(io.StringIO("".join(csv_stream(export_rows(ThresholdValue.objects.none()), TEMPLATE_COLUMNS))))
    )
    assert lines[0][0].lstrip("\ufeff") == "country" and lines[0][1:] == TEMPLATE_COLUMNS[1:]
