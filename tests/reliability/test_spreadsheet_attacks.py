"""Item 6 of the reliability suite: hostile spreadsheets are refused before any parser sees them.

A billion-laughs workbook and a zip bomb (under 1 MB, expanding past 500 MB) are refused in under
2 seconds with the process growing by less than 100 MB (measured in a child process, as a server
worker would see it); macro-enabled, mislabelled, oversize and many-part files are refused with a
message that says why; an upload through the curators' import page leaves no file behind."""

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings

from core.spreadsheets import UnsafeFile, check_upload, xlsx_bytes
from tests.thresholds.helpers import BASE_ROW

ROOT = Path(__file__).resolve().parents[2]
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE sst [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
)


def good_xlsx() -> bytes:
    return xlsx_bytes([list(BASE_ROW.values())], header=list(BASE_ROW))


def with_parts(content: bytes, parts: dict[str, bytes], *, stream: dict[str, int] | None = None) -> bytes:
    """The workbook with parts replaced or added; `stream` adds parts of that many zero bytes."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            target.writestr(item.filename, parts.pop(item.filename, source.read(item.filename)))
        for name, data in parts.items():
            target.writestr(name, data)
        for name, size in (stream or {}).items():
            with target.open(name, "w", force_zip64=True) as part:
                chunk = bytes(1 << 20)
                for _ in range(size >> 20):
                    part.write(chunk)
    return out.getvalue()


@pytest.fixture(scope="module")
def attacks(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("attacks")
    files = {
        "billion-laughs.xlsx": with_parts(good_xlsx(), {"xl/sharedStrings.xml": LAUGHS}),
        "zip-bomb.xlsx": with_parts(good_xlsx(), {}, stream={"xl/media/image1.bin": 600 << 20}),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    return paths


CHILD = """
import json, sys, time
import django
django.setup()
from core.spreadsheets import UnsafeFile, read_sheet

def high_water_mb():  # the process's peak resident memory (ru_maxrss would count the parent's, from fork)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024

content = open(sys.argv[1], "rb").read()
before = high_water_mb()
started = time.perf_counter()
try:
    sheet = read_sheet(file_name=sys.argv[1].rsplit("/", 1)[1], content=content)
    list(sheet.rows)
    message = ""
except UnsafeFile as exc:
    message = str(exc)
seconds = time.perf_counter() - started
peak = high_water_mb()
print(json.dumps({"message": message, "seconds": seconds, "grown_mb": peak - before, "peak_mb": peak}))
"""


@pytest.mark.parametrize(
    "name, says",
    [("billion-laughs.xlsx", "declares a DTD or entities"), ("zip-bomb.xlsx", "refused as a possible zip bomb")],
)
def test_a_bomb_is_refused_fast_and_small(attacks, name, says, report):
    path = attacks[name]
    assert path.stat().st_size < 1_000_000
    if name == "zip-bomb.xlsx":
        declared = sum(item.file_size for item in zipfile.ZipFile(path).infolist())
        assert declared > 500_000_000
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "insop_portal.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert says in measured["message"]
    # The whole process (Python, Django, the file) stays under 100 MB; the check itself adds nothing.
    assert measured["seconds"] < 2 and measured["peak_mb"] < 100 and measured["grown_mb"] < 10
    report(
        f"{path.stat().st_size:,} bytes refused in {measured['seconds'] * 1000:.0f} ms; process peak "
        f"{measured['peak_mb']:.0f} MB (+{measured['grown_mb']:.1f} MB while checking)"
    )


def test_many_parts_macros_and_wrong_contents_are_refused_with_a_reason():
    cases = {
        ("values.xlsm", good_xlsx()): "macro-enabled workbooks are refused",
        ("values.xlsx", with_parts(good_xlsx(), {"xl/vbaProject.bin": b"\0" * 64})): "contains macros",
        ("values.xlsx", b"%PDF-1.7\n" + b"x" * 100): "not really an .xlsx file",
        ("values.xlsx", b"\x7fELF" + b"\0" * 100): "not really an .xlsx file",
        ("values.csv", good_xlsx()): "is a zip archive",
        ("values.csv", b"country,value\n\0\0\0"): "contains NUL bytes",
        ("values.xlsx", with_parts(good_xlsx(), {f"xl/media/p{n}.bin": b"" for n in range(1500)})): "holds 15",
        (
            "values.xlsx",
            with_parts(
                good_xlsx(), {"xl/sharedStrings.xml": b"<!--" + os.urandom(35000).hex().encode() + b"-->" + LAUGHS[21:]}
            ),
        ): "has no element in its first 64 KB",
    }
    for (name, content), says in cases.items():
        with pytest.raises(UnsafeFile) as refused:
            check_upload(file_name=name, content=content)
        assert says in str(refused.value), (name, str(refused.value))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["billion-laughs.xlsx", "zip-bomb.xlsx", "oversize.csv", "macros.xlsm"])
def test_the_import_page_refuses_and_keeps_no_file(client, curator, attacks, name, tmp_path, monkeypatch):
    content = attacks[name].read_bytes() if name in attacks else b"country,value\n" + b"DEU,1\n" * 400_000
    # A temporary folder of this test's own: other processes (the other test worker) use the system one.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    temporary = set(os.listdir(tempfile.gettempdir()))
    kept_before = set(_pending())
    client.force_login(curator)
    with override_settings(THRESHOLD_IMPORT_MAX_BYTES=2_000_000):
        upload = io.BytesIO(content)
        upload.name = name
        page = client.post("/admin/thresholds/thresholdvalue/import/", {"file": upload})
    assert page.status_code == 200
    errors = page.context["form"].errors["file"]
    assert errors and any(
        reason in errors[0] for reason in ("zip bomb", "DTD or entities", "over the 2 MB limit", "macro-enabled")
    ), errors
    assert set(_pending()) == kept_before, "nothing kept for a refused file"
    assert set(os.listdir(tempfile.gettempdir())) - temporary == set(), "no temporary file left behind"


def _pending() -> list[str]:
    """The uploads kept for an import's preview (the report of a file with bad rows, say)."""
    from django.core.files.storage import default_storage

    from thresholds.admin import PENDING_DIR

    return default_storage.listdir(PENDING_DIR)[1] if default_storage.exists(PENDING_DIR) else []
