"""Files are checked before any parser sees them, and refused with a message that says why."""

import io
import zipfile

import pytest
from django.test import override_settings

from core.spreadsheets import xlsx_bytes
from tests.thresholds.helpers import BASE_ROW, csv_bytes, row
from thresholds.services import ImportRejected, threshold_import

pytestmark = pytest.mark.django_db


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(ImportRejected) as raised:
        threshold_import(file_name=name, content=content)
    [problem] = raised.value.plan.problems
    return problem.message


def good_xlsx() -> bytes:
    return xlsx_bytes([list(BASE_ROW.values())], header=list(BASE_ROW))


def rezip(
    content: bytes,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    compression=zipfile.ZIP_DEFLATED,
) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as target:
        for item in source.infolist():
            target.writestr(item.filename, (replace or {}).get(item.filename, source.read(item.filename)))
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def test_a_genuine_xlsx_is_accepted():
    result = threshold_import(file_name="ok.xlsx", content=good_xlsx(), dry_run=True)
    assert result.plan.summary()["create"] == 1


def test_macro_enabled_workbooks_are_refused():
    assert "macro-enabled workbooks are refused" in refusal("values.xlsm", good_xlsx())
    assert "contains macros" in refusal("values.xlsx", rezip(good_xlsx(), add={"xl/vbaProject.bin": b"\0" * 10}))


def test_a_file_that_is_not_really_xlsx_is_refused():
    assert "not really an .xlsx file" in refusal("values.xlsx", csv_bytes([row()]))
    assert "not an Excel workbook" in refusal("values.xlsx", _zip({"a.txt": b"x"}))


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_other_file_types_are_refused():
    assert "only .xlsx and .csv files can be imported" in refusal("values.xls", b"\xd0\xcf\x11\xe0")
    assert "is a zip archive" in refusal("values.csv", good_xlsx())
    assert "not UTF-8 text" in refusal("values.csv", "country;Zürich".encode("latin-1"))
    assert "the file is empty" in refusal("values.csv", b"")


def test_a_zip_bomb_is_refused_from_its_declared_sizes():
    bomb = rezip(good_xlsx(), add={"xl/media/padding.xml": b"0" * 50_000_000})
    assert len(bomb) < 1_000_000
    assert "refused as a possible zip bomb" in refusal("values.xlsx", bomb)


def test_xml_with_entity_declarations_is_refused():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><sst>&lol2;</sst>'
    )
    message = refusal("values.xlsx", rezip(good_xlsx(), add={"xl/sharedStrings2.xml": laughs}))
    assert "declares a DTD or entities" in message


@override_settings(THRESHOLD_IMPORT_MAX_BYTES=1000)
def test_an_oversize_file_is_refused():
    assert "over the 0 MB limit" in refusal("values.csv", csv_bytes([row(notes="x" * 2000)]))


@override_settings(THRESHOLD_IMPORT_MAX_ROWS=3)
def test_more_rows_than_the_limit_are_refused():
    rows = [row(pollutant=name) for name in ["Lead", "Zinc", "Copper", "Nickel"]]
    with pytest.raises(ImportRejected) as raised:
        threshold_import(file_name="values.csv", content=csv_bytes(rows))
    assert "more than 3 rows" in raised.value.plan.problems[-1].message


def test_semicolon_separated_csv_is_read():
    content = csv_bytes([row()]).decode().replace(",", ";").encode()
    assert threshold_import(file_name="v.csv", content=content, dry_run=True).plan.summary()["create"] == 1
