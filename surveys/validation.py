"""Section C values checked with the spreadsheet import's rules (thresholds/importing.py).

A survey value becomes a row of the import template, so the same words are accepted (synonyms in
any language, CAS numbers, unit spellings, land-use and tier labels) and the same messages come
back, each attached to the field of the survey form it is about.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from reference.localisation import translated_name
from thresholds.exports import SOURCES, export_rows
from thresholds.importing import VALUE_WITH_QUALIFIER, Decisions, PlannedRow, plan_records
from thresholds.matching import Reading
from thresholds.models import ThresholdValue

# A focal point's words are read as a curator's import reads them, proposals accepted: the focal point
# sees each proposal as "read as ..." before submitting, and the curator who accepts the response
# accepts them with it (into the curated tables, the values flagged for review).
SURVEY_DECISIONS = Decisions(accept_all=True)

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

    @property
    def read_as(self) -> list[str]:
        """How the portal read the words it was not sure of, in the visitor's language."""
        return [reading_in_words(reading) for reading in (self.row.readings if self.row else [])]


def reading_in_words(reading: Reading) -> str:
    """e.g. 'tier “Interventiewaarde” read as Intervention or action (to be checked by a curator)'."""
    target = translated_name(reading.target) if reading.kind in ("land_use", "tier") else reading.target
    if reading.new_pollutant:
        target = _("a new pollutant, %(name)s (CAS %(cas)s)") % {"name": reading.new_name, "cas": reading.cas}
    what = {
        "pollutant": _("pollutant"),
        "unit": _("unit"),
        "land_use": _("land use"),
        "tier": _("tier"),
    }[reading.kind]
    if reading.approximate:
        return _("%(what)s “%(text)s” read as %(target)s, approximately (a curator will check it)") % {
            "what": what,
            "text": reading.text,
            "target": target,
        }
    return _("%(what)s “%(text)s” read as %(target)s (a curator will check it)") % {
        "what": what,
        "text": reading.text,
        "target": target,
    }


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
    plan = plan_records(records, file_name="survey response", decisions=SURVEY_DECISIONS)
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


def value_label(value) -> str:
    """How messages name a survey value: "Cadmium 0.4 mg/kg (BBodSchV ...)"."""
    return f"{value} ({value.instrument.title[:60]})"


def readings_of(checked_values) -> dict[str, list[str]]:
    """{value: how its words were read} for each valid value a proposal read: what the focal point
    checks before submitting ("tier “Interventiewaarde” read as Intervention or action")."""
    return {
        value_label(checked.value): checked.read_as
        for checked in checked_values
        if not checked.errors and checked.read_as
    }


def response_readings(response) -> dict[str, list[str]]:
    """readings_of every value of the response."""
    return readings_of(response_values_checked(response))
