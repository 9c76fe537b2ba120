"""Reading and writing spreadsheets (.xlsx and .csv), safely; no column of any app is known here.

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
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from xml.parsers import expat

from django.conf import settings

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
# ... on average over the rows that hold cells, beyond a floor that any small sheet fits in (32 MB).
MIN_CELL_BUDGET = 1_000_000
_CELL_REFERENCE = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")
_SHEET_RELATIONSHIPS = ("/worksheet", "/dialogsheet", "/macrosheet")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
# A lone "=" is the qualifier "equal to", which no spreadsheet runs: it is written as it is.
NOT_FORMULAS = ("=",)


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
    for name in _sheet_parts(archive, names):
        _check_sheet_extent(file_name, archive, name)


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> list[str]:
    """The workbook's sheets: those its relationships name (wherever they are), and any part in
    xl/worksheets/."""
    found = {name for name in names if name.startswith("xl/worksheets/") and name.endswith(".xml")}
    if "xl/_rels/workbook.xml.rels" in names:
        targets = []

        def relationship(name, attributes):
            if name.rpartition(":")[2] == "Relationship" and attributes.get("Type", "").endswith(_SHEET_RELATIONSHIPS):
                targets.append(attributes.get("Target", ""))

        parser = expat.ParserCreate()
        parser.StartElementHandler = relationship
        try:
            with archive.open("xl/_rels/workbook.xml.rels") as part:
                parser.ParseFile(part)
        except expat.ExpatError:
            pass  # the reader will say the workbook is damaged
        for target in targets:
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            if path in names:
                found.add(path)
    return sorted(found)


# The start tags that place cells (<c>, <row>, <dimension>, with any namespace prefix), attributes
# read as XML writes them (a ">" may stand in a quoted value), and the r= or ref= among them.
_PLACING_TAG = re.compile(rb"<(?:[^\s/>:!?]+:)?(c|row|dimension)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*/?>")
_ANY_PLACING_TAG = re.compile(rb"<(?:[^\s/>:!?]+:)?(?:c|row|dimension)[\s/>]")
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_PLAIN_ROW = re.compile(rb'<row r="([0-9]{1,7})"')
_PLACE = re.compile(rb"""(?:^|\s)(?:r|ref)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# A sheet is scanned in pieces; text between two tags longer than this is refused (no cell holds it).
SCAN_CHUNK_BYTES = 1 << 20


def _check_sheet_extent(file_name: str, archive: zipfile.ZipFile, part_name: str) -> None:
    """Refuse a sheet whose extent (its <dimension> and the position of every row and cell) is larger
    than the import takes, before the reader builds it as one rectangle. Streamed, in pieces of 1 MB:
    memory stays small whatever the sheet's size, and the scan stops at the first cell out of bounds.
    expat (with no handlers, so at C speed) checks that the part is well-formed XML alongside."""
    max_rows = settings.THRESHOLD_IMPORT_MAX_ROWS + 1  # and the header
    rows = columns = filled_rows = 0
    row = column = 0
    counted = False

    def refuse(reason: str) -> UnsafeFile:
        return UnsafeFile(f"{file_name}: in part {part_name}, {reason}; split the file or remove what lies beyond.")

    def position(text: bytes, where: str) -> tuple[int, int]:
        found = _CELL_REFERENCE.fullmatch(text.decode("ascii", "replace").strip().upper())
        if not found:
            raise refuse(
                f"{where} has the cell reference {text[:20].decode('ascii', 'replace')!r}, which names no cell"
            )
        number = 0
        for letter in found[1]:
            number = number * 26 + ord(letter) - 64
        return int(found[2]), number

    def check(at_row: int, at_column: int, where: str) -> None:
        if at_row > max_rows or at_column > MAX_COLUMNS:
            raise refuse(
                f"{where} reaches row {at_row:,} and column {at_column:,}; a sheet may have at most {max_rows:,} "
                f"rows (THRESHOLD_IMPORT_MAX_ROWS and a header) and {MAX_COLUMNS} columns"
            )

    parser = expat.ParserCreate()
    pending = b""
    try:
        with archive.open(part_name) as part:
            while True:
                chunk = part.read(SCAN_CHUNK_BYTES)
                parser.Parse(chunk, not chunk)
                pending += chunk
                # Up to the last "<": a tag cut in two is read whole with the next piece.
                cut = len(pending) if not chunk else pending.rfind(b"<")
                if cut == -1 or (cut == 0 and chunk):
                    if len(pending) > SCAN_CHUNK_BYTES:
                        raise refuse(f"more than {SCAN_CHUNK_BYTES >> 20} MB of text stand without markup")
                    continue
                segment = pending[:cut]
                cells = _PLAIN_CELL.findall(segment)
                row_numbers = _PLAIN_ROW.findall(segment)
                if len(cells) + len(row_numbers) == len(_ANY_PLACING_TAG.findall(segment)):
                    # Every tag as spreadsheet programs write it (r= first, plain): read in bulk.
                    if cells:
                        letters = max({letters for letters, _number in cells}, key=lambda text: (len(text), text))
                        numbers = {number for _letters, number in cells}
                        at_row, at_column = max(map(int, numbers)), position(letters + b"1", "a cell")[1]
                        check(at_row, at_column, f"cell {letters.decode()}{at_row}")
                        rows, columns = max(rows, at_row), max(columns, at_column)
                        filled_rows += len(numbers)
                        # For a cell without an address in the next piece: never less than where it is.
                        row, column = max(row, at_row), position(b"".join(cells[-1]), "a cell")[1]
                    if row_numbers:
                        row = max(row, max(map(int, row_numbers)))
                    pending = pending[cut:]
                    if not chunk:
                        break
                    continue
                for tag in _PLACING_TAG.finditer(pending, 0, cut):
                    name, place = tag[1], _PLACE.search(tag[2])
                    given = (place[1] if place[1] is not None else place[2]) if place else None
                    if name == b"row":
                        if given is not None and not given.strip().isdigit():
                            raise refuse(f"a row has the number {given[:20].decode('ascii', 'replace')!r}")
                        row = int(given) if given is not None else row + 1
                        column, counted = 0, False
                    elif name == b"c":
                        if given is None:
                            column += 1
                        else:
                            row, column = position(given, "a cell")
                        if not counted:
                            filled_rows, counted = filled_rows + 1, True
                        check(row, column, f"cell {given.decode('ascii', 'replace') if given else column}")
                        rows, columns = max(rows, row), max(columns, column)
                    elif given is not None:  # <dimension ref="A1:AZ100000">
                        for corner in given.split(b":"):
                            at_row, at_column = position(corner, "the sheet's declared size")
                            check(at_row, at_column, "the sheet's declared size")
                            rows, columns = max(rows, at_row), max(columns, at_column)
                pending = pending[cut:]
                if not chunk:
                    break
    except expat.ExpatError as exc:
        # The reader is more lenient than expat: what it would make of a broken sheet is not checked.
        raise UnsafeFile(
            f"{file_name}: part {part_name} is damaged (not well-formed XML: {exc}); open the file in a "
            "spreadsheet program, save it again and upload that copy."
        ) from None
    budget = max(MIN_CELL_BUDGET, MAX_CELLS_PER_ROW * filled_rows)
    if rows * columns > budget:
        raise UnsafeFile(
            f"{file_name}: in part {part_name}, the sheet spans {rows:,} rows by {columns:,} columns "
            f"({rows * columns:,} cells) but cells are found in only {filled_rows:,} rows; the reader would "
            "build every one of those cells. Delete the empty rows and columns (or copy the values to a new "
            "sheet) and upload it again."
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
            f"{file_name}: line {line} contains NUL bytes, which text never holds; "
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


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet would run this text as a formula: it starts with =, +, -, @, tab, CR or
    NUL, and is not a lone "=" (the qualifier)."""
    return text.startswith(FORMULA_PREFIXES) and text not in NOT_FORMULAS


def neutralise(text: str) -> str:
    """Escape a text cell that a spreadsheet would run as a formula (see starts_formula)."""
    if text and starts_formula(text):
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


def csv_stream(rows: Iterable[list[str]], header: list[str]) -> Iterator[str]:
    """CSV lines, one at a time, for a streaming response. Text is neutralised."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def write_xlsx(
    target,
    rows: Iterable[list[str]],
    header: list[str],
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


def xlsx_bytes(rows: Iterable[list[str]], header: list[str], **options) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, rows, header, **options)
    return buffer.getvalue()
