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
from django.utils.translation import gettext as _

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
        raise UnsafeFile(
            _("%(file)s: macro-enabled workbooks are refused; save it as .xlsx (Excel Workbook).") % {"file": file_name}
        )
    if not lower.endswith((".xlsx", ".csv")):
        raise UnsafeFile(_("%(file)s: only .xlsx and .csv files can be imported.") % {"file": file_name})
    limit = settings.THRESHOLD_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise UnsafeFile(
            _("%(file)s: %(size)s MB is over the %(limit)s MB limit; split the file.")
            % {"file": file_name, "size": f"{len(content) / 1e6:.1f}", "limit": f"{limit / 1e6:.0f}"}
        )
    if not content:
        raise UnsafeFile(_("%(file)s: the file is empty.") % {"file": file_name})
    if lower.endswith(".xlsx"):
        _check_xlsx(file_name, content)
        return "xlsx"
    _check_csv(file_name, content)
    return "csv"


def _check_xlsx(file_name: str, content: bytes) -> None:
    if not content.startswith(b"PK\x03\x04"):
        raise UnsafeFile(
            _("%(file)s: this is not really an .xlsx file (it is not a zip archive).") % {"file": file_name}
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnsafeFile(
            _("%(file)s: the .xlsx file is damaged (%(error)s).") % {"file": file_name, "error": exc}
        ) from exc
    if len(members) > MAX_PARTS:
        raise UnsafeFile(
            _("%(file)s: the workbook holds %(count)s files, over the limit of %(limit)s; refused.")
            % {"file": file_name, "count": len(members), "limit": MAX_PARTS}
        )
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnsafeFile(_("%(file)s: this zip archive is not an Excel workbook.") % {"file": file_name})
    if "xl/vbaProject.bin" in names:
        raise UnsafeFile(
            _("%(file)s: the workbook contains macros; save it as a plain .xlsx without macros.") % {"file": file_name}
        )
    total = sum(member.file_size for member in members)
    limit = settings.THRESHOLD_IMPORT_MAX_UNCOMPRESSED_BYTES
    if total > limit:
        raise UnsafeFile(
            _(
                "%(file)s: the workbook would expand to %(size)s MB, over the %(limit)s MB limit; "
                "refused as a possible zip bomb."
            )
            % {"file": file_name, "size": f"{total / 1e6:.0f}", "limit": f"{limit / 1e6:.0f}"}
        )
    for member in members:
        if member.compress_size and member.file_size / member.compress_size > MAX_COMPRESSION_RATIO:
            raise UnsafeFile(
                _(
                    "%(file)s: part %(part)s is compressed %(ratio)s:1, far beyond any real spreadsheet; "
                    "refused as a possible zip bomb."
                )
                % {"file": file_name, "part": member.filename, "ratio": member.file_size // member.compress_size}
            )
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            with archive.open(member) as part:
                head = part.read(PROLOGUE_BYTES)
            first = _FIRST_ELEMENT.search(head)
            prologue = head[: first.start()] if first else head
            if b"<!DOCTYPE" in prologue or b"<!ENTITY" in prologue:
                raise UnsafeFile(
                    _("%(file)s: part %(part)s declares a DTD or entities, which spreadsheets never need; refused.")
                    % {"file": file_name, "part": member.filename}
                )
            if first is None and len(head) == PROLOGUE_BYTES:
                raise UnsafeFile(
                    _("%(file)s: part %(part)s has no element in its first %(size)s KB; refused.")
                    % {"file": file_name, "part": member.filename, "size": PROLOGUE_BYTES // 1024}
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
        return UnsafeFile(
            _("%(file)s: in part %(part)s, %(reason)s; split the file or remove what lies beyond.")
            % {"file": file_name, "part": part_name, "reason": reason}
        )

    def position(text: bytes, where: str | None = None) -> tuple[int, int]:
        found = _CELL_REFERENCE.fullmatch(text.decode("ascii", "replace").strip().upper())
        if not found:
            where = _("a cell") if where is None else where
            raise refuse(
                _("%(where)s has the cell reference %(reference)s, which names no cell")
                % {"where": where, "reference": repr(text[:20].decode("ascii", "replace"))}
            )
        number = 0
        for letter in found[1]:
            number = number * 26 + ord(letter) - 64
        return int(found[2]), number

    def check(at_row: int, at_column: int, cell: object = None) -> None:
        """Refuse a position out of bounds: a cell's (its reference), or the declared size's (None)."""
        if at_row > max_rows or at_column > MAX_COLUMNS:
            where = _("the sheet's declared size") if cell is None else _("cell %(cell)s") % {"cell": cell}
            raise refuse(
                _(
                    "%(where)s reaches row %(row)s and column %(column)s; a sheet may have at most %(max_rows)s "
                    "rows (%(setting)s and a header) and %(max_columns)s columns"
                )
                % {
                    "where": where,
                    "row": f"{at_row:,}",
                    "column": f"{at_column:,}",
                    "max_rows": f"{max_rows:,}",
                    "setting": "THRESHOLD_IMPORT_MAX_ROWS",
                    "max_columns": MAX_COLUMNS,
                }
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
                        raise refuse(
                            _("more than %(size)s MB of text stand without markup") % {"size": SCAN_CHUNK_BYTES >> 20}
                        )
                    continue
                segment = pending[:cut]
                cells = _PLAIN_CELL.findall(segment)
                row_numbers = _PLAIN_ROW.findall(segment)
                if len(cells) + len(row_numbers) == len(_ANY_PLACING_TAG.findall(segment)):
                    # Every tag as spreadsheet programs write it (r= first, plain): read in bulk.
                    if cells:
                        letters = max({letters for letters, _number in cells}, key=lambda text: (len(text), text))
                        numbers = {number for _letters, number in cells}
                        at_row, at_column = max(map(int, numbers)), position(letters + b"1")[1]
                        check(at_row, at_column, f"{letters.decode()}{at_row}")
                        rows, columns = max(rows, at_row), max(columns, at_column)
                        filled_rows += len(numbers)
                        # For a cell without an address in the next piece: never less than where it is.
                        row, column = max(row, at_row), position(b"".join(cells[-1]))[1]
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
                            raise refuse(
                                _("a row has the number %(number)s")
                                % {"number": repr(given[:20].decode("ascii", "replace"))}
                            )
                        row = int(given) if given is not None else row + 1
                        column, counted = 0, False
                    elif name == b"c":
                        if given is None:
                            column += 1
                        else:
                            row, column = position(given)
                        if not counted:
                            filled_rows, counted = filled_rows + 1, True
                        check(row, column, given.decode("ascii", "replace") if given else column)
                        rows, columns = max(rows, row), max(columns, column)
                    elif given is not None:  # <dimension ref="A1:AZ100000">
                        for corner in given.split(b":"):
                            at_row, at_column = position(corner, _("the sheet's declared size"))
                            check(at_row, at_column)
                            rows, columns = max(rows, at_row), max(columns, at_column)
                pending = pending[cut:]
                if not chunk:
                    break
    except expat.ExpatError as exc:
        # The reader is more lenient than expat: what it would make of a broken sheet is not checked.
        raise UnsafeFile(
            _(
                "%(file)s: part %(part)s is damaged (not well-formed XML: %(error)s); open the file in a "
                "spreadsheet program, save it again and upload that copy."
            )
            % {"file": file_name, "part": part_name, "error": exc}
        ) from None
    budget = max(MIN_CELL_BUDGET, MAX_CELLS_PER_ROW * filled_rows)
    if rows * columns > budget:
        raise UnsafeFile(
            _(
                "%(file)s: in part %(part)s, the sheet spans %(rows)s rows by %(columns)s columns "
                "(%(cells)s cells) but cells are found in only %(filled_rows)s rows; the reader would "
                "build every one of those cells. Delete the empty rows and columns (or copy the values to a new "
                "sheet) and upload it again."
            )
            % {
                "file": file_name,
                "part": part_name,
                "rows": f"{rows:,}",
                "columns": f"{columns:,}",
                "cells": f"{rows * columns:,}",
                "filled_rows": f"{filled_rows:,}",
            }
        )


def _check_csv(file_name: str, content: bytes) -> None:
    """The whole file, not only its start: a NUL byte or broken UTF-8 further down would pass a
    preview on SQLite and fail when PostgreSQL stores the text."""
    if content.startswith(b"PK\x03\x04"):
        raise UnsafeFile(
            _("%(file)s: this is a zip archive (perhaps an .xlsx renamed), not a CSV text file.") % {"file": file_name}
        )
    nul = content.find(b"\0")
    if nul != -1:
        line = content.count(b"\n", 0, nul) + 1
        raise UnsafeFile(
            _(
                "%(file)s: line %(line)s contains NUL bytes, which text never holds; "
                "this is not a text file, or it is damaged. Save it again as “CSV UTF-8”."
            )
            % {"file": file_name, "line": line}
        )
    try:
        codecs.decode(content, "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise UnsafeFile(
            _("%(file)s: line %(line)s is not UTF-8 text (byte %(byte)s); save the file as “CSV UTF-8”.")
            % {"file": file_name, "line": line, "byte": exc.start}
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
            _(
                "%(file)s: the file is damaged and cannot be read (%(error)s); "
                "open it in a spreadsheet program, save it again and upload that copy."
            )
            % {"file": file_name, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
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
