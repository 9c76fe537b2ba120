"""Reading soil samples to check: from the API's JSON, a pasted table or an uploaded CSV/XLSX in the
check's template. Every cell is checked; a problem names its row and column, and the samples that
read well are checked all the same (nothing is stored).

A sample is a pollutant (a name or synonym in any language, or a CAS number), a concentration and its
unit (any spelling the import reads), with an optional sample id and, optionally, its own site: the
site's properties given in a row override those given for all samples.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.spreadsheets import UnsafeFile, read_sheet
from thresholds.checking import Site
from thresholds.importing import TEXTURES
from thresholds.matching import NONE, PROPOSAL, Matcher
from thresholds.models import ThresholdValue

MAX_SAMPLES = 10_000
# A check of more samples costs as much as a download, and counts against the download budget
# (core.throttling.export_budget_spent: 20 an hour for an anonymous address by default).
SMALL_CHECK = 100
# A kilogram of soil holds at most a kilogram of anything (100 %).
MOST_MG_KG = 1_000_000
# Longer than any real cell: a longer one is refused (a pasted book is not a table of samples).
MAX_CELL = 200

SAMPLE_COLUMNS = ["sample_id", "pollutant", "value", "unit"]
SITE_COLUMNS = ["land_use", "ph", "texture", "clay", "organic_matter", "cec", "crop", "depth"]
TEMPLATE_COLUMNS = SAMPLE_COLUMNS + SITE_COLUMNS
# Other headings people write for the same columns.
HEADINGS = {
    "sample": "sample_id",
    "id": "sample_id",
    "sample id": "sample_id",
    "substance": "pollutant",
    "parameter": "pollutant",
    "cas": "pollutant",
    "concentration": "value",
    "result": "value",
    "units": "unit",
    "soil ph": "ph",
    "ph_h2o": "ph",
    "clay_percent": "clay",
    "lutum": "clay",
    "om": "organic_matter",
    "organic matter": "organic_matter",
    "toc": "organic_matter",
    "humus": "organic_matter",
    "land use": "land_use",
}
# (least, most) a property can be; clay and organic matter in %, CEC in cmol/kg.
BOUNDS = {"ph": (0, 14), "clay": (0, 100), "organic_matter": (0, 100), "cec": (0, 1000)}


class SamplesRefused(Exception):
    """The input as a whole cannot be read (not a table, too many samples, an unsafe file)."""


@dataclass(frozen=True)
class SampleProblem:
    row: int  # 0: the input as a whole
    column: str
    message: str


@dataclass(frozen=True)
class Sample:
    row: int  # the row in the table (the header is row 1), or the position in the JSON list (from 1)
    sample_id: str
    pollutant_id: int
    pollutant_text: str
    value_text: str
    unit_text: str
    concentration_mg_kg: Decimal
    basis: str  # the unit's dry or fresh basis, "" when not stated
    site: Site


def column_labels() -> dict[str, str]:
    return {
        "sample_id": _("sample id"),
        "pollutant": _("pollutant"),
        "value": _("value"),
        "unit": _("unit"),
        "land_use": _("land use"),
        "ph": _("soil pH"),
        "texture": _("soil texture"),
        "clay": _("clay %"),
        "organic_matter": _("organic matter %"),
        "cec": _("CEC (cmol/kg)"),
        "crop": _("crop or field type"),
        "depth": _("depth"),
    }


def _heading(text: str) -> str:
    key = text.strip().lower().replace("-", "_")
    return HEADINGS.get(key, HEADINGS.get(key.replace("_", " "), key.replace(" ", "_")))


def records_from_rows(header: list[str], rows) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: cell}) for each row with something in it; raises SamplesRefused for a
    table without the pollutant, value and unit columns or with more than MAX_SAMPLES rows."""
    columns = [_heading(name) for name in header]
    missing = [name for name in ("pollutant", "value", "unit") if name not in columns]
    if missing:
        raise SamplesRefused(
            _("The table has no column %(missing)s. The first row names the columns: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(TEMPLATE_COLUMNS)}
        )
    records = []
    for number, row in enumerate(rows, start=2):
        cells = {name: (row[index] if index < len(row) else "").strip() for index, name in enumerate(columns)}
        if not any(cells.values()):
            continue
        if len(records) == MAX_SAMPLES:
            raise SamplesRefused(
                _("More than %(limit)s samples: split the table and check each part.") % {"limit": f"{MAX_SAMPLES:,}"}
            )
        records.append((number, cells))
    return records


def records_from_text(text: str) -> list[tuple[int, dict[str, str]]]:
    """A table pasted from a spreadsheet (tab-separated) or written as CSV (comma or semicolon)."""
    lines = text.strip("\n\r\ufeff").splitlines()
    if not lines or not lines[0].strip():
        raise SamplesRefused(_("The table is empty: paste a header row and one row per sample."))
    first = lines[0]
    delimiter = "\t" if "\t" in first else (";" if first.count(";") > first.count(",") else ",")
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    except csv.Error as exc:  # a NUL byte, a field over the reader's limit
        raise SamplesRefused(_("The table cannot be read as CSV (%(error)s).") % {"error": exc}) from None
    return records_from_rows(rows[0], rows[1:])


def records_from_file(*, file_name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """An uploaded CSV or XLSX, read with the import's checks of unsafe files."""
    try:
        sheet = read_sheet(file_name=file_name, content=content)
    except UnsafeFile as exc:
        raise SamplesRefused(str(exc)) from None
    except Exception as exc:  # a damaged file the reader cannot open
        raise SamplesRefused(
            _("%(file)s: the file could not be read (%(error)s).") % {"file": file_name, "error": exc}
        ) from None
    return records_from_rows(sheet.header, sheet.rows)


def read_site(cells: dict[str, object], *, problem, matcher: Matcher | None, base: Site | None = None) -> Site:
    """The site's properties among `cells` (each checked; a bad one is reported through `problem`
    and left out), over `base`. The matcher reads a land use; without one, cells hold none."""
    site = base or Site()
    changes: dict[str, object] = {}
    for name in ("ph", "clay", "organic_matter", "cec"):
        text = _text(cells.get(name))
        if not text:
            continue
        number = _number(text)
        low, high = BOUNDS[name]
        if number is None:
            problem(name, _("“%(text)s” is not a number.") % {"text": text[:50]})
        elif not low <= number <= high:
            problem(name, _("%(number)s is outside %(low)s to %(high)s.") % {"number": text, "low": low, "high": high})
        else:
            changes["toc" if name == "organic_matter" else name] = number
    texture = _text(cells.get("texture"))
    if texture:
        code = TEXTURES.get(texture.lower())
        if code is None:
            problem(
                "texture",
                _("“%(text)s” is not a texture the portal knows: %(choices)s.")
                % {"text": texture[:50], "choices": ", ".join(ThresholdValue.Texture.values)},
            )
        else:
            changes["texture"] = code
    land_use = _text(cells.get("land_use"))
    if land_use:
        reading = matcher.label("land_use", land_use)
        if reading.how in (NONE, PROPOSAL) or reading.approximate:
            problem(
                "land_use",
                _("“%(text)s” is not a land use the portal knows: give one of %(codes)s, or a label the import reads.")
                % {"text": land_use[:50], "codes": ", ".join(matcher.codes("land_use"))},
            )
        else:
            changes["land_use"] = reading.target_code
    for name, limit in (("crop", 100), ("depth", 50)):
        text = _text(cells.get(name))
        if len(text) > limit:
            problem(name, _("longer than %(limit)s characters") % {"limit": limit})
        elif text:
            changes[name] = text
    return replace(site, **changes)


def read_samples(records, *, site: Site, matcher: Matcher) -> tuple[list[Sample], list[SampleProblem]]:
    """The samples among `records` ((row, {column: cell})), and a problem for each bad cell: a row
    with a bad pollutant, value or unit is left out (and said so); a bad site property is left out of
    that row's site (and said so), so the check never uses a value it could not read."""
    samples: list[Sample] = []
    problems: list[SampleProblem] = []
    for number, cells in records:
        row_problems: list[SampleProblem] = []

        def problem(column: str, message: str, number=number, row_problems=row_problems) -> None:
            row_problems.append(SampleProblem(number, column, message))

        for name, cell in cells.items():
            if len(_text(cell)) > MAX_CELL:
                problem(name, _("longer than %(limit)s characters") % {"limit": MAX_CELL})
        if row_problems:
            problems.extend(row_problems)
            continue
        pollutant_text, value_text, unit_text = (_text(cells.get(name)) for name in ("pollutant", "value", "unit"))
        pollutant = matcher.pollutant(pollutant_text) if pollutant_text else None
        if not pollutant_text:
            problem("pollutant", _("no pollutant given"))
        elif pollutant.how in (NONE, PROPOSAL):
            hint = pollutant.target if pollutant.is_proposal else pollutant.suggestion
            message = _("No pollutant is called “%(text)s”.") % {"text": pollutant_text}
            if hint:
                message += " " + _("Did you mean %(name)s?") % {"name": hint}
            problem("pollutant", message)
        amount = _number(value_text)
        if not value_text:
            problem("value", _("no value given"))
        elif amount is None or amount < 0:
            problem("value", _("“%(text)s” is not a concentration (a number, zero or more).") % {"text": value_text})
        unit = matcher.unit(unit_text)
        if not unit_text:
            problem("unit", _("no unit given"))
        elif not unit.matched or unit.factor is None:
            problem(
                "unit",
                _(
                    "“%(text)s” is not a unit of mass fraction the portal converts to mg/kg "
                    "(for example mg/kg, µg/kg, ppm, %%)."
                )
                % {"text": unit_text},
            )
        if amount is not None and amount >= 0 and unit.matched and unit.factor and amount * unit.factor > MOST_MG_KG:
            problem(
                "value",
                _("%(value)s %(unit)s is more than the soil itself (1,000,000 mg/kg is 100 %%).")
                % {"value": value_text, "unit": unit_text},
            )
        sample_site = read_site(cells, problem=problem, matcher=matcher, base=site)
        if any(item.column in ("pollutant", "value", "unit") for item in row_problems):
            problems.extend(row_problems)
            continue
        problems.extend(row_problems)
        samples.append(
            Sample(
                row=number,
                sample_id=_text(cells.get("sample_id")),
                pollutant_id=pollutant.target_id,
                pollutant_text=pollutant_text,
                value_text=value_text,
                unit_text=unit_text,
                concentration_mg_kg=amount * unit.factor,
                basis=unit.basis,
                site=sample_site,
            )
        )
    return samples, problems


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _number(text: str) -> Decimal | None:
    """A number as people write it: 1.2, 1,2 (a decimal comma), 1 200; None when it is not one."""
    text = text.replace("\u00a0", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
