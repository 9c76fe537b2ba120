"""Audit items 2, 14, 16, 18 and 20 (issue 16): hostile spreadsheets and uploads.

A 1.4 KB workbook with one cell at XFD1048576 made the reader allocate 549 GB and abort the worker;
one spanning 100,000 rows by 52 columns cost 248 MB. Both are refused by a streamed scan of every
sheet before the reader runs, in a child process that survives and grows by a few MB. A NUL byte far
into a CSV, a damaged workbook, a report that quoted the uploaded file's name in its header, a legal
text kept as law.html, a pasted text of megabytes: each is a clear refusal, never a 500. The
qualifier "=" leaves every export as it is, real formulas still neutralised."""

import csv
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from core.spreadsheets import UnsafeFile, check_upload, csv_stream, neutralise, read_sheet, xlsx_bytes
from reference.models import Country
from surveys.forms import MAX_ROWS, PASTE_MAX_CHARACTERS
from surveys.models import ResponseInstrument, ResponseValue, SurveyResponse
from surveys.services import response_start
from tests.reliability.helpers import every_table
from tests.thresholds.helpers import BASE_ROW, csv_bytes, row
from thresholds.admin import SESSION_KEY
from thresholds.services import threshold_import

ROOT = Path(__file__).resolve().parents[2]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook(
    sheet_data: str,
    *,
    sheet_path: str = "xl/worksheets/sheet1.xml",
    before: str = "",
    sheet_xml: str | None = None,
    target: str | None = None,
) -> bytes:
    """A workbook made by hand, part by part, with one sheet holding `sheet_data` (and `before` it,
    e.g. a <dimension>), stored at `sheet_path`; or the whole sheet's XML; the workbook may name
    another `target` for it."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/{sheet_path}" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            '<sheets><sheet name="values" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="/{target or sheet_path}"/>'
            "</Relationships>"
        ),
        sheet_path: sheet_xml
        or (f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">{before}<sheetData>{sheet_data}</sheetData></worksheet>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode())
    return out.getvalue()


def cells(row_number: int, values: list[str]) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return (
        f'<row r="{row_number}">'
        + "".join(
            f'<c r="{letters[index]}{row_number}" t="inlineStr"><is><t>{value}</t></is></c>'
            for index, value in enumerate(values)
        )
        + "</row>"
    )


HEADER = cells(1, ["pollutant", "value"])
LAST_CELL = workbook(HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
HOSTILE = {
    "last-cell.xlsx": LAST_CELL,
    # 100,000 rows by 52 columns: declared, reached by one far cell, or by cells without addresses.
    "declared.xlsx": workbook(HEADER, before='<dimension ref="A1:AZ100000"/>'),
    "far-corner.xlsx": workbook(HEADER + '<row r="100000"><c r="AZ100000"><v>1</v></c></row>'),
    "unaddressed.xlsx": workbook(HEADER + '<row r="100000">' + "<c><v>1</v></c>" * 52 + "</row>"),
    # A sheet the workbook keeps somewhere else than xl/worksheets/.
    "elsewhere.xlsx": workbook(
        HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', sheet_path="xl/data/values.xml"
    ),
    # Namespace prefixes and $ signs do not hide a cell either.
    "prefixed.xlsx": workbook(
        "",
        sheet_xml=f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="2"><x:c r="$XFD$2">'
        "<x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>",
    ),
    # A ">" in a quoted attribute value does not end the tag.
    "quoted.xlsx": workbook(HEADER + '<row r="2"><c s=">" r="XFD2"><v>1</v></c></row>'),
}

CHILD = """
import json, sys, time
import django
django.setup()
from core.spreadsheets import UnsafeFile, read_sheet

def high_water_mb():  # the process's peak resident memory (VmHWM), not counting the parent's
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024

content = open(sys.argv[1], "rb").read()
before = high_water_mb()
started = time.perf_counter()
try:
    sheet = read_sheet(file_name="values.xlsx", content=content)
    list(sheet.rows)
    message = ""
except UnsafeFile as exc:
    message = str(exc)
print(json.dumps({"message": message, "seconds": time.perf_counter() - started, "grown_mb": high_water_mb() - before}))
"""


def run_child(path: Path, program: str = CHILD) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "insop_portal.settings.test", "RUST_BACKTRACE": "0"}
    return subprocess.run(
        [sys.executable, "-c", program, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_reader_alone_dies_on_a_cell_at_xfd1048576(tmp_path):
    """What the check prevents: python-calamine aborts the whole process (SIGABRT, uncatchable)."""
    path = tmp_path / "last-cell.xlsx"
    path.write_bytes(LAST_CELL)
    reader_alone = (
        "import io, sys\nfrom python_calamine import CalamineWorkbook\n"
        "CalamineWorkbook.from_filelike(io.BytesIO(open(sys.argv[1], 'rb').read())).get_sheet_by_index(0)\n"
    )
    assert run_child(path, reader_alone).returncode != 0


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_workbook_larger_than_the_import_is_refused_before_the_reader_and_the_worker_survives(tmp_path, name, report):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    assert path.stat().st_size < 2000
    result = run_child(path)
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    message = measured["message"]
    assert "values.xlsx: in part xl/" in message, message
    assert ("at most 200,001 rows" in message and "200 columns" in message) or "cells are found in only" in message
    assert measured["seconds"] < 1 and measured["grown_mb"] < 20, measured
    report(
        f"{path.stat().st_size:,} bytes refused in {measured['seconds'] * 1000:.1f} ms, "
        f"+{measured['grown_mb']:.1f} MB: {message[:90]}"
    )


def test_a_scan_of_a_full_sheet_stays_small_and_fast(tmp_path, report):
    """20,000 real rows of 36 columns are scanned as a stream: little memory, under a second or two."""
    from thresholds.record import TEMPLATE_COLUMNS

    rows = [["x"] * len(TEMPLATE_COLUMNS) for _ in range(20_000)]
    path = tmp_path / "full.xlsx"
    path.write_bytes(xlsx_bytes(rows, TEMPLATE_COLUMNS))
    program = CHILD.replace(
        'sheet = read_sheet(file_name="values.xlsx", content=content)\n    list(sheet.rows)',
        'from core.spreadsheets import check_upload\n    check_upload(file_name="values.xlsx", content=content)',
    )
    result = run_child(path, program)
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["message"] == ""
    assert measured["grown_mb"] < 20 and measured["seconds"] < 5, measured
    report(f"20,000 x 36 cells checked in {measured['seconds']:.2f} s, +{measured['grown_mb']:.1f} MB")


def test_ordinary_workbooks_still_read():
    made_by_hand = workbook(HEADER + cells(2, ["Cadmium", "0.4"]) + cells(50, ["a note far below"]))
    assert list(read_sheet(file_name="values.xlsx", content=made_by_hand).rows) == [
        ["Cadmium", "0.4"],
        *[[""] * 2 for _ in range(47)],
        ["a note far below", ""],
    ]
    written = xlsx_bytes([list(BASE_ROW.values())], header=list(BASE_ROW))
    assert list(read_sheet(file_name="values.xlsx", content=written).rows) == [list(BASE_ROW.values())]
    # Wide is fine when short: 200 columns on a few rows.
    wide = workbook('<row r="1"><c r="GR1"><v>1</v></c></row>')
    assert check_upload(file_name="values.xlsx", content=wide) == "xlsx"
    with override_settings(THRESHOLD_IMPORT_MAX_ROWS=10), pytest.raises(UnsafeFile, match="at most 11 rows"):
        check_upload(file_name="values.xlsx", content=workbook(HEADER + cells(12, ["Cadmium", "0.4"])))


@pytest.mark.parametrize(
    "content, says",
    [
        (workbook(HEADER + "<row><c><v>1</v></row>"), "is damaged (not well-formed XML"),
        (workbook(HEADER + '<row r="2"><c r="A-2"><v>1</v></c></row>'), "names no cell"),
        (workbook(HEADER + '<row r="two"><c><v>1</v></c></row>'), "a row has the number 'two'"),
        (LAST_CELL[: len(LAST_CELL) // 2], "the .xlsx file is damaged"),
        # Well-formed, but the reader cannot open it: its own error becomes a refusal with a reason.
        (
            workbook(HEADER, sheet_path="xl/data/values.xml", target="xl/data/missing.xml"),
            "the file is damaged and cannot be read",
        ),
    ],
    # Named by what is said, not by the bytes, whose zip timestamps differ between the test workers.
    ids=lambda value: value if isinstance(value, str) else "file",
)
def test_a_damaged_workbook_is_refused_with_a_reason(content, says):
    with pytest.raises(UnsafeFile) as refused:
        read_sheet(file_name="values.xlsx", content=content)
    assert says in str(refused.value), str(refused.value)
    assert str(refused.value).startswith("values.xlsx: ")


def _csv_with_nul_after_64_kb() -> bytes:
    good = csv_bytes([row(value=f"{index + 1}.5", condition="x" * 200) for index in range(400)])
    assert len(good) > 70_000
    return good + csv_bytes([row(pollutant="Cad\0mium")]).split(b"\n", 1)[1]


@pytest.mark.django_db
def test_a_nul_byte_after_the_first_64_kb_is_refused_at_the_preview(client, curator):
    content = _csv_with_nul_after_64_kb()
    before = every_table()
    client.force_login(curator)
    upload = io.BytesIO(content)
    upload.name = "values.csv"
    page = client.post("/admin/thresholds/thresholdvalue/import/", {"file": upload})
    assert page.status_code == 200
    assert "values.csv: line 402 contains NUL bytes" in page.context["form"].errors["file"][0]
    # The service refuses it too, whichever way the file comes (command, seed, commit).
    with pytest.raises(Exception) as refused:
        threshold_import(file_name="values.csv", content=content, user=curator)
    assert "line 402 contains NUL bytes" in str(refused.value.plan.problems[0].message)
    assert every_table() == before


@pytest.fixture
def survey(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    return response


def _upload_values(client, response, name: str, content: bytes):
    instrument = response.instruments.first()
    version = SurveyResponse.objects.get(pk=response.pk).version
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(
        f"/survey/responses/{response.pk}/c/",
        {"version": version, "upload": "1", "upload-instrument": instrument.pk, "upload-file": file},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content, says",
    [
        ("values.xlsx", LAST_CELL, "200 columns"),
        ("values.xlsx", LAST_CELL[:900], "the .xlsx file is damaged"),
        ("values.xlsx", workbook(HEADER + "<row><c><v>1</v></row>"), "not well-formed XML"),
        ("values.csv", None, "contains NUL bytes"),
    ],
    ids=lambda value: value if isinstance(value, str) else "file",
)
def test_a_damaged_or_hostile_survey_upload_is_a_form_error_and_adds_nothing(client, survey, name, content, says):
    content = content if content is not None else _csv_with_nul_after_64_kb()
    before = ResponseValue.objects.count()
    page = _upload_values(client, survey, name, content)
    assert page.status_code == 400, page.status_code
    assert says in page.content.decode()
    assert ResponseValue.objects.count() == before


@pytest.mark.django_db
def test_the_problem_report_is_neutralised_and_named_by_the_portal(client, curator):
    formula = '=HYPERLINK("http://example.invalid","open")'
    client.force_login(curator)
    upload = io.BytesIO(csv_bytes([row(pollutant=formula), row(value="-1+2")]))
    upload.name = "values.csv"
    page = client.post("/admin/thresholds/thresholdvalue/import/", {"file": upload})
    token = str(page.context["token"])
    # The name as a browser sent it (Django's parser keeps quotes in a file name).
    session = client.session
    session[SESSION_KEY][token] = 'x.html"; filename="report.html";.csv'
    session.save()
    report = client.get(reverse("admin:thresholds_import_report", args=[token]))
    disposition = report["Content-Disposition"]
    assert disposition == 'attachment; filename="xhtml-filenamereporthtml-problems.csv"', disposition
    records = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"), newline="")))
    assert {"row", "column", "value", "problem"} == set(records[0])
    values = [record["value"] for record in records if record["value"]]
    assert "'" + formula in values and "'-1+2" in values, records
    assert not any(text.startswith(("=", "+", "-", "@")) for record in records for text in record.values())


@pytest.mark.django_db
def test_a_legal_text_is_stored_and_downloaded_under_a_name_the_portal_makes(client, survey, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    instruments = list(survey.instruments.all())

    def post(upload):
        data = {
            "version": SurveyResponse.objects.get(pk=survey.pk).version,
            "instruments-TOTAL_FORMS": len(instruments),
            "instruments-INITIAL_FORMS": len(instruments),
        }
        for index, instrument in enumerate(instruments):
            data |= {
                f"instruments-{index}-id": instrument.pk,
                f"instruments-{index}-title": instrument.title,
                f"instruments-{index}-status": instrument.status,
            }
        data["instruments-0-legal_text"] = upload
        return client.post(f"/survey/responses/{survey.pk}/b/", data)

    refused = post(SimpleUploadedFile("law.pdf", b"<html><script>alert(1)</script>", content_type="application/pdf"))
    assert "must be a PDF file" in refused.content.decode()
    saved = post(SimpleUploadedFile("law.html", b"%PDF-1.7\n<html><script>alert(1)</script>", content_type="text/html"))
    assert saved.status_code == 302
    stored = ResponseInstrument.objects.get(pk=instruments[0].pk)
    stored_name = stored.legal_text.name.rsplit("/", 1)[1]
    assert stored_name.endswith(".pdf") and "html" not in stored_name and "law" not in stored_name, stored_name
    download = client.get(f"/survey/legal-texts/{stored.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="')
    assert download["Content-Disposition"].endswith('.pdf"') and "html" not in download["Content-Disposition"]
    # A file stored earlier under the uploader's name is still downloaded as .pdf.
    stored.legal_text.name = "survey/legal-texts/2026/law.html"
    stored.legal_text.storage.save(stored.legal_text.name, io.BytesIO(b"%PDF-1.7\n"))
    stored.save()
    assert client.get(f"/survey/legal-texts/{stored.pk}/")["Content-Disposition"].endswith('.pdf"')


@pytest.mark.django_db
def test_a_huge_paste_is_refused_before_any_line_is_read(client, survey, report):
    instrument = survey.instruments.first()
    line = "Thallium\tagricultural\tprecautionary\t0.8\tmg/kg TM\n"

    def paste(text: str):
        version = SurveyResponse.objects.get(pk=survey.pk).version
        started = time.perf_counter()
        page = client.post(
            f"/survey/responses/{survey.pk}/c/",
            {"version": version, "paste": "1", "paste-instrument": instrument.pk, "paste-rows": text},
        )
        return page, time.perf_counter() - started

    before = ResponseValue.objects.count()
    huge = line * (7_800_000 // len(line))
    page, seconds = paste(huge)
    assert page.status_code == 400 and "at most 1,000,000 can be pasted at once" in page.content.decode()
    assert seconds < 4, seconds  # was 8 s; most of what is left is the test client encoding the body
    many_lines = "x\n" * (MAX_ROWS + 1) + line
    page, _seconds = paste(many_lines)
    assert f"at most {MAX_ROWS:,} rows can be pasted" in page.content.decode()
    assert len(many_lines) < PASTE_MAX_CHARACTERS
    assert ResponseValue.objects.count() == before
    assert paste(line)[0].status_code == 302  # an ordinary paste still works
    report(f"{len(huge) / 1e6:.1f} MB paste refused in {seconds:.2f} s")


def test_a_lone_equals_sign_is_not_a_formula_but_formulas_stay_neutralised():
    for text in ["=", "<", ">", "<=", ">="]:
        assert neutralise(text) == text
    for text in ["==", "=1+1", "=A1", "+1", "-1", "@SUM(A1)", "\t=1"]:
        assert neutralise(text) == "'" + text
    lines = "".join(csv_stream([["=", "=cmd|' /C calc'!A0"]], header=["qualifier", "notes"])).splitlines()
    assert lines[1] == "=,'=cmd|' /C calc'!A0"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx_bytes([["=", "=1+1"]], header=["qualifier", "notes"])), read_only=True)
    assert [list(line) for line in sheet.active.iter_rows(min_row=2, values_only=True)] == [["=", "'=1+1"]]


@pytest.mark.django_db
def test_the_exports_write_the_qualifier_as_it_is(client, curator):
    """Both CSV writers (PostgreSQL's COPY on PostgreSQL, Python's on SQLite) and the XLSX."""
    from openpyxl import load_workbook

    rows = [
        row(qualifier="=", condition="=1+1", status="published"),
        row(tier="intervention", qualifier="<=", status="published"),
    ]
    threshold_import(file_name="qualifiers.csv", content=csv_bytes(rows), user=curator)
    reply = client.get("/api/v1/thresholds/", {"country": "DEU", "format": "csv"})
    records = list(csv.DictReader(io.StringIO(b"".join(reply.streaming_content).decode("utf-8-sig"), newline="")))
    ours = {
        record["qualifier"]: record["condition"] for record in records if record["instrument"] == BASE_ROW["instrument"]
    }
    assert ours == {"=": "'=1+1", "<=": ""}, ours
    reply = client.get("/api/v1/thresholds/", {"country": "DEU", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(reply.streaming_content)), read_only=True)["thresholds"]
    lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    column = lines[0].index("qualifier")
    assert {line[column] for line in lines[1:] if line[lines[0].index("instrument")] == BASE_ROW["instrument"]} == {
        "=",
        "<=",
    }
