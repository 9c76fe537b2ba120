"""Item 5 of the reliability suite: text a spreadsheet would run as a formula (=, +, -, @, tab, CR,
NUL at the start) leaves every export with an apostrophe in front; numbers leave unchanged.

Every download is fetched over HTTP, as a user gets it: the API's CSV (PostgreSQL's COPY writer on
PostgreSQL, the Python writer on SQLite) and XLSX, and the survey responses' CSV and XLSX."""

import csv
import io

import pytest
from openpyxl import load_workbook

from core.spreadsheets import csv_stream, neutralise, starts_formula
from reference.models import Country
from surveys.models import ResponseLaboratory
from surveys.services import response_start
from tests.thresholds.helpers import csv_bytes, row
from thresholds.models import ThresholdValue
from thresholds.services import threshold_import

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
PAYLOAD = "cmd|' /C calc'!A0"
TITLE = '=HYPERLINK("http://example.invalid","Ordinance")'


@pytest.fixture
def dangerous_values(curator):
    rows = [
        row(
            instrument=TITLE,
            condition=f"{prefix}{PAYLOAD} {index}",
            notes=f"{prefix}{PAYLOAD}",
            source_quote=f"{prefix}quoted",
            value=f"{index + 1}.50",
            status="published",
        )
        for index, prefix in enumerate(PREFIXES)
    ]
    threshold_import(file_name="dangerous.csv", content=csv_bytes(rows), user=curator)
    # The import trims cells, so a leading tab or CR is stored only by a direct edit: made here.
    for index, prefix in enumerate(PREFIXES):
        ThresholdValue.objects.filter(instrument__title=TITLE, condition_text__endswith=f" {index}").update(
            notes=f"{prefix}{PAYLOAD}", source_quote=f"{prefix}quoted"
        )


def _started_dangerously(text: str) -> bool:
    return starts_formula(text)


def _check(records: list[dict[str, str]]) -> None:
    ours = [record for record in records if record["instrument"].lstrip("'") == TITLE]
    assert len(ours) == len(PREFIXES)
    for record in ours:
        assert record["instrument"] == "'" + TITLE
        for column in ("notes", "source_quote"):
            # (XML turns a CR into LF when openpyxl reads the XLSX back.)
            assert record[column][0] == "'" and record[column][1] in "=+-@\t\r\n", (column, record[column])
        assert record["condition"].startswith(("'=", "'+", "'-", "'@", "cmd")), record["condition"]
        assert record["value"] in {f"{index + 1}.5" for index in range(len(PREFIXES))} | {
            f"{index + 1}.50" for index in range(len(PREFIXES))
        }
        assert float(record["value_mg_kg"]) == float(record["value"])
    for record in records:  # nothing else in the file starts a formula either
        assert not any(_started_dangerously(str(text)) for text in record.values()), record


@pytest.mark.django_db
def test_the_api_csv_neutralises_every_text_cell_and_keeps_numbers(client, dangerous_values):
    response = client.get("/api/v1/thresholds/", {"country": "DEU", "format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    _check(list(csv.DictReader(io.StringIO(text, newline=""))))


@pytest.mark.django_db
def test_the_api_xlsx_neutralises_every_text_cell_and_keeps_numbers(client, dangerous_values):
    response = client.get("/api/v1/thresholds/", {"country": "DEU", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)["thresholds"]
    lines = [["" if cell is None else str(cell) for cell in line] for line in sheet.iter_rows(values_only=True)]
    _check([dict(zip(lines[0], line, strict=True)) for line in lines[1:]])


@pytest.fixture
def dangerous_response(edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    response.comments = "=1+1"
    response.save()
    ResponseLaboratory.objects.create(response=response, name="@SUM(A1)", city="-2+3")
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_survey_exports_neutralise_free_text(client, curator, dangerous_response, file_format):
    client.force_login(curator)
    content = client.get(f"/survey/export.{file_format}").content
    if file_format == "csv":
        cells = [cell for line in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")) for cell in line]
    else:
        book = load_workbook(io.BytesIO(content), read_only=True)
        cells = [str(c) for sheet in book for line in sheet.iter_rows(values_only=True) for c in line if c is not None]
    assert "'=1+1" in cells
    if file_format == "xlsx":
        assert "'@SUM(A1)" in cells and "'-2+3" in cells
    assert not any(_started_dangerously(cell) for cell in cells)


@pytest.mark.parametrize("prefix", [*PREFIXES, "\0"])
def test_the_writer_neutralises_each_prefix_nul_included(prefix):
    # PostgreSQL cannot store NUL and requests holding one are refused (item 13); the writer still
    # guards against it for any other source of text.
    text = "".join(csv_stream([[f"{prefix}{PAYLOAD}", "0.40"]], header=["notes", "value"]))
    notes, value = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))[1]
    assert notes == neutralise(f"{prefix}{PAYLOAD}") == f"'{prefix}{PAYLOAD}" and value == "0.40"
