"""Reading and writing threshold spreadsheets (.xlsx and .csv), safely.

Uploaded files are checked before any parser sees them: real file type, no macros, size, and
for .xlsx the declared uncompressed size and compression ratio of every part (zip bombs), no DTD
in the XML (entity expansion) and the extent of every sheet (rows and columns: the reader builds the
whole rectangle up to the last cell, so one cell at XFD1048576 would ask for hundreds of gigabytes).
Reading uses python-calamine, a fast Rust reader whose XML parser does not expand entities; writing
escapes text cells against formula injection.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

# The import template's columns, in order. An export uses them too, so it re-imports unchanged.
TEMPLATE_COLUMNS = [
    "country",
    "jurisdiction",
    "instrument",
    "instrument_year",
    "instrument_status",
    "instrument_url",
    "pollutant",
    "cas",
    "land_use",
    "land_use_label",
    "tier",
    "tier_label",
    "value",
    "qualifier",
    "unit",
    "ph_min",
    "ph_max",
    "texture",
    "clay_min",
    "clay_max",
    "toc_min",
    "toc_max",
    "cec_min",
    "cec_max",
    "crop",
    "depth",
    "extraction",
    "condition",
    "basis",
    "value_year",
    "status",
    "source_url",
    "source_page",
    "source_quote",
    "notes",
]

MAX_COMPRESSION_RATIO = 100
# A workbook of a few sheets has a few dozen parts; thousands of tiny parts only make a parser work.
MAX_PARTS = 1000
# XML may hold comments and processing instructions before its first element, and a DTD among them:
# the prologue is read up to here, and a part whose first element starts later is refused.
PROLOGUE_BYTES = 65536
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
# The reader holds a sheet as one rectangle from A1 to its last cell (about 32 bytes a cell, empty or
# not): rows, columns and their product are bounded before it runs. The template has 36 columns.
MAX_COLUMNS = 200
MAX_CELLS_PER_ROW = 40
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


class UnsafeFile(Exception):
    """The file was refused before parsing; the message says why and what to do."""


@dataclass
class Sheet:
    header: list[str]
    rows: Iterator[list[str]]


def check_upload(*, file_name: str, content: bytes) -> str:
    """Refuse anything but a genuine, reasonably sized .xlsx or .csv. Returns "xlsx" or "csv"."""
    lower = file_name.lower()
    if lower.endswith((".xlsm", ".xltm", ".xlam")):
        raise UnsafeFile(f"{file_name}: macro-enabled workbooks are refused; save it as .xlsx (Excel Workbook).")
    if not lower.endswith((".xlsx", ".csv")):
        raise UnsafeFile(f"{file_name}: only .xlsx and .csv files can be imported.")
    limit = settings.THRESHOLD_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise UnsafeFile(
            f"{file_name}: {len(content) / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit; split the file."
        )
    if not content:
        raise UnsafeFile(f"{file_name}: the file is empty.")
    if lower.endswith(".xlsx"):
        _check_xlsx(file_name, content)
        return "xlsx"
    _check_csv(file_name, content)
    return "csv"


def _check_xlsx(file_name: str, content: bytes) -> None:
    if not content.startswith(b"PK\x03\x04"):
        raise UnsafeFile(f"{file_name}: this is not really an .xlsx file (it is not a zip archive).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnsafeFile(f"{file_name}: the .xlsx file is damaged ({exc}).") from exc
    if len(members) > MAX_PARTS:
        raise UnsafeFile(
            f"{file_name}: the workbook holds {len(members)} files, over the limit of {MAX_PARTS}; refused."
        )
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnsafeFile(f"{file_name}: this zip archive is not an Excel workbook.")
    if "xl/vbaProject.bin" in names:
        raise UnsafeFile(f"{file_name}: the workbook contains macros; save it as a plain .xlsx without macros.")
    total = sum(member.file_size for member in members)
    limit = settings.THRESHOLD_IMPORT_MAX_UNCOMPRESSED_BYTES
    if total > limit:
        raise UnsafeFile(
            f"{file_name}: the workbook would expand to {total / 1e6:.0f} MB, over the "
            f"{limit / 1e6:.0f} MB limit; refused as a possible zip bomb."
        )
    for member in members:
        if member.compress_size and member.file_size / member.compress_size > MAX_COMPRESSION_RATIO:
            raise UnsafeFile(
                f"{file_name}: part {member.filename} is compressed {member.file_size // member.compress_size}:1, "
                "far beyond any real spreadsheet; refused as a possible zip bomb."
            )
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            with archive.open(member) as part:
                head = part.read(PROLOGUE_BYTES)
            first = _FIRST_ELEMENT.search(head)
            prologue = head[: first.start()] if first else head
            if b"<!DOCTYPE" in prologue or b"<!ENTITY" in prologue:
                raise UnsafeFile(
                    f"{file_name}: part {member.filename} declares a DTD or entities, which spreadsheets never "
                    "need; refused."
                )
            if first is None and len(head) == PROLOGUE_BYTES:
                raise UnsafeFile(
                    f"{file_name}: part {member.filename} has no element in its first {PROLOGUE_BYTES // 1024} KB; "
                    "refused."
                )


def _check_csv(file_name: str, content: bytes) -> None:
    """The whole file, not only its start: a NUL byte or broken UTF-8 further down would pass a
    preview on SQLite and fail when PostgreSQL stores the text."""
    if content.startswith(b"PK\x03\x04"):
        raise UnsafeFile(f"{file_name}: this is a zip archive (perhaps an .xlsx renamed), not a CSV text file.")
    nul = content.find(b"\0")
    if nul != -1:
        line = content.count(b"\n", 0, nul) + 1
        raise UnsafeFile(
            f"{file_name}: line {line} contains a NUL byte, which text never holds; "
            "this is not a text file, or it is damaged. Save it again as “CSV UTF-8”."
        )
    try:
        codecs.decode(content, "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise UnsafeFile(
            f"{file_name}: line {line} is not UTF-8 text (byte {exc.start}); save the file as “CSV UTF-8”."
        ) from exc


def read_sheet(*, file_name: str, content: bytes) -> Sheet:
    """The header and the rows, every cell as text. The file is checked first (check_upload); a file
    the reader cannot open (a damaged workbook) is refused with UnsafeFile too."""
    kind = check_upload(file_name=file_name, content=content)
    try:
        rows = _read_xlsx(content) if kind == "xlsx" else _read_csv(content)
        header = next(rows, [])
    except Exception as exc:  # python-calamine raises its own types (CalamineError, XmlError, ZipError, ...)
        raise UnsafeFile(
            f"{file_name}: the file is damaged and cannot be read ({type(exc).__name__}: {str(exc)[:200]}); "
            "open it in a spreadsheet program, save it again and upload that copy."
        ) from exc
    return Sheet(header=[cell.strip() for cell in header], rows=rows)


def _read_csv(content: bytes) -> Iterator[list[str]]:
    text = content.decode("utf-8-sig")
    # Excel writes ";" or tab separated "CSV" in many locales: the header line tells which.
    header_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=header_line.count)
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _read_xlsx(content: bytes) -> Iterator[list[str]]:
    """The first sheet's rows. The workbook is opened here, not on the first row, so that read_sheet
    sees the reader's errors."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    sheet = workbook.get_sheet_by_index(0)
    return ([cell_text(cell) for cell in row] for row in sheet.iter_rows())


def cell_text(cell) -> str:
    """A cell as the text a person typed: 12.0 -> "12", 0.3 -> "0.3", dates as ISO."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        return format(Decimal(repr(cell)).normalize(), "f")
    if isinstance(cell, int):
        return str(cell)
    if hasattr(cell, "isoformat"):
        return cell.isoformat()
    return str(cell)


# ---- writing -----------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Escape a text cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR, NUL)."""
    if text and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """Undo neutralise() on import, so that an export re-imports unchanged."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


class _Echo:
    def write(self, value):
        return value


def csv_stream(rows: Iterable[list[str]], header: list[str] = TEMPLATE_COLUMNS) -> Iterator[str]:
    """CSV lines, one at a time, for a streaming response. Text is neutralised."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def write_xlsx(
    target,
    rows: Iterable[list[str]],
    header: list[str] = TEMPLATE_COLUMNS,
    *,
    sheet_title="thresholds",
    readme: list[list[str]] | None = None,
) -> None:
    """Write an .xlsx workbook to a file or buffer, in write-only mode (constant memory).

    Every cell is text, neutralised against formula injection; a "read me" sheet may follow.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append(header)
    for row in rows:
        # Control characters cannot be stored in XML at all: they become U+FFFD, visibly.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutralise(cell)) for cell in row])
    if readme:
        notes = workbook.create_sheet("read me")
        for line in readme:
            notes.append(line)
    workbook.save(target)


def xlsx_bytes(rows: Iterable[list[str]], header: list[str] = TEMPLATE_COLUMNS, **options) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, rows, header, **options)
    return buffer.getvalue()
