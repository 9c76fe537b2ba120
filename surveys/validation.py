"""Section C values checked with the spreadsheet import's rules (thresholds/importing.py).

A survey value becomes a row of the import template, so the same words are accepted (synonyms in
any language, CAS numbers, unit spellings, land-use and tier labels) and the same messages come
back, each attached to the field of the survey form it is about.
"""

from __future__ import annotations

from dataclasses import dataclass

from thresholds.exports import SOURCES, export_rows
from thresholds.importing import VALUE_WITH_QUALIFIER, PlannedRow, plan_records
from thresholds.models import ThresholdValue

# Template column -> the survey field a problem with it is shown next to.
COLUMN_TO_FIELD = {
    "country": "__all__",
    "instrument": "instrument",
    "instrument_year": "instrument",
    "instrument_status": "instrument",
    "instrument_url": "instrument",
    "pollutant": "pollutant",
    "cas": "pollutant",
    "value": "value",
    "qualifier": "value",
    "unit": "unit",
    "land_use": "land_use",
    "land_use_label": "land_use_label",
    "tier": "tier",
    "tier_label": "tier_label",
    "ph_min": "ph_min",
    "ph_max": "ph_max",
    "texture": "texture",
    "extraction": "extraction",
    "condition": "condition",
    "notes": "notes",
}


def source_records(values) -> dict[int, dict[str, str]]:
    """The stored values the survey values were pre-filled from, as template columns, in one query:
    the columns the survey does not ask (source page, basis, clay content...) come from there, so
    confirming a value changes nothing and correcting one keeps the rest."""
    ids = [value.source_value_id for value in values if value.source_value_id]
    rows = export_rows(ThresholdValue.objects.filter(pk__in=ids), extra=("id",))
    return {int(row[-1]): dict(zip(SOURCES, row[:-1], strict=True)) for row in rows}


def value_record(
    value, *, instrument=None, country_iso3: str | None = None, source: dict[str, str] | None = None
) -> dict[str, str]:
    """The import template's columns for a survey value (saved or not), over `source`: the stored
    value it was pre-filled from (see source_records)."""
    instrument = instrument or value.instrument
    country_iso3 = country_iso3 or instrument.response.country.iso3
    if source is None and value.source_value_id:
        source = source_records([value]).get(value.source_value_id)
    return {
        **(source or {}),
        # "<0.1" carries its qualifier; a bare number keeps the stored one (e.g. a range bound).
        "qualifier": "" if VALUE_WITH_QUALIFIER.match(value.value) else (source or {}).get("qualifier", ""),
        "country": country_iso3,
        "instrument": instrument.title,
        "instrument_year": instrument.year or "",
        "instrument_status": instrument.status,
        "instrument_url": instrument.url,
        "pollutant": value.pollutant,
        "land_use": value.land_use.code if value.land_use_id else "",
        "land_use_label": value.land_use_label,
        "tier": value.tier.code if value.tier_id else "",
        "tier_label": value.tier_label,
        "value": value.value,
        "unit": value.unit,
        "ph_min": "" if value.ph_min is None else value.ph_min,
        "ph_max": "" if value.ph_max is None else value.ph_max,
        "texture": value.texture,
        "extraction": value.extraction.code if value.extraction_id else "",
        "condition": value.condition,
        "notes": value.notes,
        "status": "published",
    }


def _errors_by_field(problems) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(COLUMN_TO_FIELD.get(problem.column, "__all__"), []).append(problem.message)
    return errors


@dataclass
class CheckedValue:
    value: object
    row: PlannedRow | None  # what the import would do with it (action, existing_id); None when invalid
    errors: dict[str, list[str]]
    source: dict[str, str] | None


def values_checked(items, *, country_iso3: str) -> list[CheckedValue]:
    """(value, instrument) pairs checked in one pass, as the rows of one file: the reference tables
    and the stored values are read once, and two rows that say the same thing are duplicates."""
    items = list(items)
    if not items:
        return []
    sources = source_records(value for value, _instrument in items)
    records = [
        value_record(value, instrument=instrument, country_iso3=country_iso3, source=sources.get(value.source_value_id))
        for value, instrument in items
    ]
    plan = plan_records(records, file_name="survey response")
    rows = {row.row: row for row in plan.rows}
    problems: dict[int, list] = {}
    for problem in plan.problems:
        problems.setdefault(problem.row, []).append(problem)
    return [
        CheckedValue(
            value, rows.get(number), _errors_by_field(problems.get(number, [])), sources.get(value.source_value_id)
        )
        for number, (value, _instrument) in enumerate(items, start=2)
    ]


def response_values_checked(response) -> list[CheckedValue]:
    """Every value of a response checked in one pass (see values_checked)."""
    instruments = list(response.instruments.prefetch_related("values__land_use", "values__tier", "values__extraction"))
    items = [(value, instrument) for instrument in instruments for value in instrument.values.all()]
    return values_checked(items, country_iso3=response.country.iso3)
