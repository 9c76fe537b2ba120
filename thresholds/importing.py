"""Turning a spreadsheet into an import plan: every row checked, matched and compared.

Reading and planning write nothing. `thresholds.services.threshold_import` commits a plan that has
no problems; a plan with problems is shown (or downloaded) as a row-by-row report.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from core.spreadsheets import UnsafeFile, read_sheet, unneutralise
from reference.models import Country, ExtractionMethod
from reference.text import match_key
from reference.units import unit_basis
from thresholds.conditions import ph_band_ends, recognise_conditions
from thresholds.matching import NONE, PROPOSAL, Matcher, Reading
from thresholds.models import (
    PLAIN_DECIMAL,
    LegalInstrument,
    ThresholdValue,
    condition_number_problem,
    conditions_key_for,
    mg_kg_problem,
)
from thresholds.record import (
    DECIMAL_COLUMNS,
    DERIVED_COLUMNS,
    INSTRUMENT_FIELDS,
    MAX_LENGTHS,
    REQUIRED_COLUMNS,
    REQUIRED_ONE_OF,
    SOURCES,
    TEMPLATE_COLUMNS,
    VALUE_FIELDS,
    instrument_changes,
)

QUALIFIERS = {
    "": "=",
    "=": "=",
    "<": "<",
    "<=": "<=",
    "≤": "<=",
    ">": ">",
    ">=": ">=",
    "≥": ">=",
    "range_min": "range_min",
    "lower bound": "range_min",
    "range_max": "range_max",
    "upper bound": "range_max",
}
VALUE_WITH_QUALIFIER = re.compile(r"^\s*(<=|>=|≤|≥|<|>|=)\s*(.+)$")
TEXTURES = {
    "sand": "sand",
    "sandy": "sand",
    "loam_silt": "loam_silt",
    "loam/silt": "loam_silt",
    "loam": "loam",
    "loamy": "loam",
    "silt": "silt",
    "silty": "silt",
    "clay": "clay",
    "clayey": "clay",
    "organic": "organic",
    "peat": "organic",
}


@dataclass
class Problem:
    row: int  # spreadsheet row number, 1 is the header
    column: str
    value: str
    message: str
    proposal: str = ""  # the key of the matcher's proposal (Reading.key) waiting for a curator, if that is all it is


@dataclass
class Decisions:
    """What a curator decided about the matcher's proposals: accept them all, and/or change some.

    `changes` maps a proposal's key (Reading.key) to what it should be read as instead: a land-use or
    tier code, a unit's code, a pollutant's name (or "new" for a proposed new pollutant). A changed
    proposal is accepted as changed."""

    accept_all: bool = False
    changes: dict[str, str] = field(default_factory=dict)


SHOWN_ROWS = 5
# The template's required columns a draft need not have: it has no instrument, and its country is optional.
DRAFT_LEAVES_OUT = ("country", "instrument")


@dataclass
class ReadingUse:
    """One distinct text of a file as the matcher read it, and the rows that use it."""

    reading: Reading
    column: str
    # The rows it is on: every one for a proposal or an unread label (a curator reads them), the first
    # few for what the tables and rules read (the preview shows them); `count` counts them all.
    rows: list[int] = field(default_factory=list)
    count: int = 0
    accepted: bool = False  # a proposal the curator accepted (as proposed or changed)
    target_id: int | None = None  # what it is used as: the reading's target, or the curator's change
    target: str = ""
    target_code: str = ""
    changed: bool = False


@dataclass
class PlannedRow:
    row: int
    instrument: tuple
    fields: dict
    recognised: list[str] = field(default_factory=list)
    readings: tuple[Reading, ...] = ()  # the proposals and approximate readings it rests on
    action: str = ""  # create, update or unchanged
    existing_id: int | None = None
    # The stored value as planned against: the import refuses to write if it changed in the meantime.
    existing_version: int | None = None
    existing_updated_at: datetime | None = None
    stored_status: str = ""  # the existing value's status, for the check that publishing is allowed


@dataclass
class PlannedInstrument:
    key: tuple
    country_id: int
    jurisdiction: str
    title: str
    year: int | None = None
    status: str = ""
    url: str = ""
    first_row: int = 0
    existing_id: int | None = None
    existing_version: int | None = None
    existing_updated_at: datetime | None = None
    action: str = ""  # create, update or unchanged

    def build(self, **extra) -> LegalInstrument:
        """The new instrument this plan describes, not yet saved."""
        return LegalInstrument(
            country_id=self.country_id,
            jurisdiction=self.jurisdiction,
            title=self.title,
            year=self.year,
            status=self.status or LegalInstrument.Status.IN_FORCE,
            url=self.url,
            **extra,
        )


@dataclass
class ImportPlan:
    file_name: str
    sha256: str
    rows: list[PlannedRow] = field(default_factory=list)
    instruments: dict[tuple, PlannedInstrument] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows_total: int = 0
    decisions: Decisions = field(default_factory=Decisions)
    readings: dict[str, ReadingUse] = field(default_factory=dict)  # by Reading.key, in the order first met
    matcher: Matcher | None = None
    # A draft's values, benchmarked and never stored (plan_draft): no instrument, a row limit of its own.
    draft: bool = False
    max_rows: int | None = None

    @property
    def proposals(self) -> list[ReadingUse]:
        """Each distinct proposal once, with the rows it affects."""
        return [use for use in self.readings.values() if use.reading.is_proposal]

    @property
    def decided(self) -> list[ReadingUse]:
        """The readings a curator settled: proposals accepted (as proposed or changed), and labels the
        matcher could not read that the curator classified. thresholds.services.proposals_write puts
        them in the curated tables."""
        return [use for use in self.readings.values() if use.accepted and use.reading.how in (PROPOSAL, NONE)]

    def chosen(self, reading: Reading, row: int, column: str) -> int | None:
        """A label the matcher could not read, as the curator classified it (Decisions.changes), or None.
        Either way the text is listed once among the plan's readings, so a preview can offer the choice."""
        use = self.readings.get(reading.key)
        if use is None:
            use = self.readings[reading.key] = ReadingUse(reading, column)
            change = self.decisions.changes.get(reading.key)
            found = self.matcher.target_for_change(reading, change) if change and self.matcher else None
            if found is not None:
                use.target_id, use.target, use.target_code = found
                use.accepted = use.changed = True
        use.rows.append(row)
        use.count += 1
        return use.target_id

    @property
    def waits_for_proposals(self) -> bool:
        """Its only problems are proposals a curator has not accepted yet."""
        return bool(self.problems) and all(problem.proposal for problem in self.problems)

    def use(self, reading: Reading, row: int, column: str, review: list[str]) -> int | None:
        """The id a matched text stands for on this row: the reading's target, or, for a proposal, what
        the curator accepted or changed it to. Proposals and approximate readings add a review note."""
        use = self.readings.get(reading.key)
        if use is None:
            use = self.readings[reading.key] = ReadingUse(
                reading, column, target_id=reading.target_id, target=reading.target, target_code=reading.target_code
            )
            if reading.is_proposal:
                self._decide(use)
        use.count += 1
        if reading.how == PROPOSAL:
            use.rows.append(row)
            if use.accepted and not use.changed:
                review.append(_("%(column)s %(reading)s.") % {"column": column, "reading": reading.describe()})
        elif len(use.rows) < SHOWN_ROWS:
            use.rows.append(row)
        if reading.approximate and not use.changed and reading.how != PROPOSAL:
            review.append(
                _("%(column)s “%(text)s” was classified approximately: %(reason)s.")
                % {"column": column, "text": reading.text, "reason": reading.reason}
            )
        return use.target_id

    def is_new_pollutant(self, reading: Reading) -> bool:
        use = self.readings.get(reading.key)
        return bool(use and reading.new_pollutant and use.target_code == "new")

    def _decide(self, use: ReadingUse) -> None:
        change = self.decisions.changes.get(use.reading.key)
        if change is None:
            use.accepted = self.decisions.accept_all
            return
        found = self.matcher.target_for_change(use.reading, change) if self.matcher else None
        if found is None:
            return  # an unknown change: the proposal stays open, and the plan says what may be chosen
        use.target_id, use.target, use.target_code = found
        use.accepted, use.changed = True, (found[2] != use.reading.target_code)

    def add_open_proposals(self) -> None:
        """One problem per proposal not accepted, at its first row, naming every row it affects."""
        for use in self.proposals:
            if use.accepted:
                continue
            reading, rows = use.reading, use.rows
            listed = ", ".join(str(row) for row in rows[:10])
            if len(rows) > 10:
                more = len(rows) - 10
                listed = ngettext("%(rows)s and %(count)s more", "%(rows)s and %(count)s more", more) % {
                    "rows": listed,
                    "count": more,
                }
            sentences = [
                ngettext(
                    "proposal: %(reading)s; confidence %(confidence)s%%; row %(rows)s.",
                    "proposal: %(reading)s; confidence %(confidence)s%%; rows %(rows)s.",
                    len(rows),
                )
                % {"reading": reading.describe(), "confidence": round(reading.confidence * 100), "rows": listed}
            ]
            change = self.decisions.changes.get(reading.key)
            if change is not None:
                sentences.append(_("“%(change)s” is not something it can be read as.") % {"change": change})
            sentences.append(
                _("Accept it (%(command)s, or in the admin preview), change it, or give the harmonised code.")
                % {"command": "import_thresholds --accept-proposals"}
            )
            self.problems.append(Problem(rows[0], use.column, reading.text, " ".join(sentences), proposal=reading.key))

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows_total,
            "create": self.count("create"),
            "update": self.count("update"),
            "unchanged": self.count("unchanged"),
            "instruments_create": sum(1 for item in self.instruments.values() if item.action == "create"),
            "instruments_update": sum(1 for item in self.instruments.values() if item.action == "update"),
            "problems": len(self.problems),
        }


class Lookups:
    """Everything rows are matched against, loaded once per import (a handful of queries): countries
    and extraction methods here, pollutants, units and labels in the matcher."""

    def __init__(self):
        self.countries: dict[str, int] = {}
        for country in Country.objects.only("id", "iso3", "iso2", "name", "official_name"):
            self.countries[country.iso3.upper()] = country.id
            self.countries[country.iso2.upper()] = country.id
            self.countries[match_key(country.name)] = country.id
            if country.official_name:
                self.countries[match_key(country.official_name)] = country.id
        self.extractions: dict[str, int] = {}
        for item in ExtractionMethod.objects.all():
            self.extractions[item.code] = item.id
            self.extractions[match_key(item.code)] = item.id
            self.extractions[match_key(item.name)] = item.id
        self.extraction_codes = list(ExtractionMethod.objects.values_list("code", flat=True))
        self.matcher = Matcher()


def plan_import(*, file_name: str, content: bytes, progress=None, decisions: Decisions | None = None) -> ImportPlan:
    """Check and match every row of a spreadsheet and decide what would change. Writes nothing.

    `progress`, if given, is called with the number of rows checked since its last call.
    """
    plan = ImportPlan(
        file_name=file_name, sha256=hashlib.sha256(content).hexdigest(), decisions=decisions or Decisions()
    )
    try:
        sheet = read_sheet(file_name=file_name, content=content)
    except UnsafeFile as exc:
        plan.problems.append(Problem(0, "", "", str(exc)))
        return plan
    except Exception as exc:  # a damaged file the reader cannot open
        plan.problems.append(
            Problem(
                0, "", "", _("%(file)s: the file could not be read (%(error)s).") % {"file": file_name, "error": exc}
            )
        )
        return plan

    return _plan_rows(plan, sheet.header, sheet.rows, progress=progress)


def plan_draft(*, file_name: str, content: bytes, max_rows: int) -> ImportPlan:
    """Check and match the rows of a draft (thresholds/benchmark.py): pollutants, values, units, land
    uses and tiers read as an import reads them, without an instrument, whose columns are neither
    required nor read (the country, if given, is). The matcher's proposals are taken as read, noted on
    the row (fields["review_note"]), since nothing is stored. Writes nothing."""
    plan = ImportPlan(
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        decisions=Decisions(accept_all=True),
        draft=True,
        max_rows=max_rows,
    )
    try:
        sheet = read_sheet(file_name=file_name, content=content)
    except UnsafeFile as exc:
        plan.problems.append(Problem(0, "", "", str(exc)))
        return plan
    return _plan_rows(plan, sheet.header, sheet.rows)


def plan_record(record: dict[str, object], *, decisions: Decisions | None = None) -> ImportPlan:
    """Check and match one value given as a mapping of the template's columns (the API's input).

    The same checks as a spreadsheet row, so a value is valid or not whichever way it arrives.
    """
    return plan_records([record], decisions=decisions)


def plan_records(
    records: list[dict[str, object]], *, file_name: str = "API request", decisions: Decisions | None = None
) -> ImportPlan:
    """Check and match several values given as mappings of the template's columns, as the rows of
    one file: row N + 2 is records[N] (row 1 is the header), and duplicates among them are found."""
    header = [str(name) for name in dict.fromkeys(name for record in records for name in record)]
    rows = (["" if record.get(name) is None else str(record.get(name)) for name in header] for record in records)
    plan = ImportPlan(file_name=file_name, sha256="", decisions=decisions or Decisions())
    return _plan_rows(plan, header, rows)


def _plan_rows(plan: ImportPlan, header: list[str], rows, *, progress=None) -> ImportPlan:
    columns = [match_key(name).replace(" ", "_") for name in header]
    if not _check_header(plan, columns, header):
        return plan

    unnamed = [index for index, name in enumerate(columns) if not name]
    lookups = Lookups()
    plan.matcher = lookups.matcher
    max_rows = plan.max_rows or settings.THRESHOLD_IMPORT_MAX_ROWS
    seen: dict[tuple, int] = {}
    for number, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        plan.rows_total += 1
        if progress and plan.rows_total % 1000 == 0:
            progress(1000)
        if plan.rows_total > max_rows:
            if plan.draft:
                message = ngettext(
                    "more than %(limit)s row: split the draft and benchmark the parts one by one.",
                    "more than %(limit)s rows: split the draft and benchmark the parts one by one.",
                    max_rows,
                )
            else:
                message = ngettext(
                    "more than %(limit)s row: split the file and import the parts one by one.",
                    "more than %(limit)s rows: split the file and import the parts one by one.",
                    max_rows,
                )
            plan.problems.append(Problem(number, "", "", message % {"limit": max_rows}))
            break
        record = {
            name: unneutralise(cells[index].strip()) if index < len(cells) else ""
            for index, name in enumerate(columns)
            if name
        }
        headless = [index + 1 for index in unnamed if index < len(cells) and cells[index].strip()]
        if headless:
            plan.problems.append(
                Problem(
                    number,
                    _("column %(number)s") % {"number": headless[0]},
                    cells[headless[0] - 1][:80],
                    _("a value in column %(number)s, which has no header: name the column or clear it.")
                    % {"number": headless[0]},
                )
            )
            continue
        planned = _plan_row(plan, lookups, number, record)
        if planned is None:
            continue
        identity = (
            planned.instrument,
            planned.fields["pollutant_id"] or planned.fields["new_pollutant"],
            planned.fields["land_use_label"],
            planned.fields["tier_label"],
            planned.fields["conditions_key"],
        )
        if identity in seen and not plan.draft:  # a draft may set alternatives side by side
            plan.problems.append(
                Problem(
                    number,
                    "",
                    "",
                    _(
                        "duplicate of row %(row)s: same instrument, pollutant, land use, tier and conditions. "
                        "Remove one of them, or tell them apart by their conditions."
                    )
                    % {"row": seen[identity]},
                )
            )
            continue
        seen[identity] = number
        plan.rows.append(planned)

    plan.add_open_proposals()
    if plan.rows_total == 0 and not plan.problems:
        plan.problems.append(
            Problem(0, "", "", _("%(file)s: the file has a header but no rows.") % {"file": plan.file_name})
        )
    _compare_with_database(plan)
    return plan


def _check_header(plan: ImportPlan, columns: list[str], header: list[str]) -> bool:
    if not any(header):
        plan.problems.append(Problem(1, "", "", _("the first row must be a header row naming the columns.")))
        return False
    # Blank header cells (Excel often keeps a few to the right) are allowed while their column is empty.
    unknown = [
        original
        for original, name in zip(header, columns, strict=True)
        if name and name not in TEMPLATE_COLUMNS and name not in DERIVED_COLUMNS
    ]
    if unknown:
        plan.problems.append(
            Problem(
                1,
                ", ".join(unknown),
                "",
                _("unknown column(s) %(columns)s. Allowed columns: %(allowed)s.")
                % {"columns": ", ".join(repr(u) for u in unknown), "allowed": ", ".join(TEMPLATE_COLUMNS)},
            )
        )
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        plan.problems.append(
            Problem(
                1, ", ".join(repeated), "", _("column(s) given twice: %(columns)s") % {"columns": ", ".join(repeated)}
            )
        )
    required = [name for name in REQUIRED_COLUMNS if not (plan.draft and name in DRAFT_LEAVES_OUT)]
    missing = [name for name in required if name not in columns]
    missing += [" or ".join(pair) for pair in REQUIRED_ONE_OF if not set(pair) & set(columns)]
    if missing:
        plan.problems.append(
            Problem(
                1,
                ", ".join(missing),
                "",
                _("required column(s) missing: %(columns)s") % {"columns": ", ".join(missing)},
            )
        )
    return not plan.problems


def _plan_row(plan: ImportPlan, lookups: Lookups, number: int, record: dict[str, str]) -> PlannedRow | None:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(number, column, record.get(column, ""), message))

    fields: dict[str, object] = {}
    review: list[str] = []
    matcher = lookups.matcher
    read_through: list[Reading] = []  # the proposals and approximate readings this row's values rest on

    # Country and instrument.
    country_text = record.get("country", "")
    country_id = lookups.countries.get(country_text.upper()) or lookups.countries.get(match_key(country_text))
    if not country_text:
        if not plan.draft:
            problem(
                "country",
                _("%(column)s is required (ISO3 code such as DEU, ISO2, or English name; EUU for the EU).")
                % {"column": "country"},
            )
    elif country_id is None:
        problem(
            "country",
            _("unknown country %(given)s: use an ISO 3166 code (e.g. DEU) or its English name.")
            % {"given": repr(country_text)},
        )
    title = record.get("instrument", "")
    if not title and not plan.draft:
        problem(
            "instrument",
            _("%(column)s is required: the title of the law, regulation or guideline.") % {"column": "instrument"},
        )
    jurisdiction = record.get("jurisdiction", "")
    instrument_year = _year(record, "instrument_year", problem)
    instrument_status = record.get("instrument_status", "").lower().replace(" ", "_")
    if instrument_status and instrument_status not in LegalInstrument.Status.values:
        problem(
            "instrument_status",
            _("%(column)s must be one of %(choices)s.")
            % {"column": "instrument_status", "choices": ", ".join(LegalInstrument.Status.values)},
        )
    instrument_url = _url(record, "instrument_url", problem)

    # Pollutant, unit, land use and tier: read by the matcher (thresholds/matching.py).
    pollutant_text, cas = record.get("pollutant", ""), record.get("cas", "")
    fields["pollutant_id"] = None
    fields["new_pollutant"] = ""
    if not pollutant_text and not cas:
        problem(
            "pollutant",
            _("give the pollutant's name in `%(pollutant)s` or its CAS number in `%(cas)s`.")
            % {"pollutant": "pollutant", "cas": "cas"},
        )
    else:
        reading = matcher.pollutant(pollutant_text, cas)
        if reading.matched:
            fields["pollutant_id"] = _use(
                plan, reading, number, "pollutant" if pollutant_text else "cas", review, read_through
            )
            fields["new_pollutant"] = reading.key if plan.is_new_pollutant(reading) else ""
        else:
            problem("cas" if reading.cas_problem or not pollutant_text else "pollutant", _pollutant_problem(reading))
    fields["pollutant_label"] = pollutant_text or matcher.pollutant_names.get(fields["pollutant_id"], "")

    # Value and qualifier.
    value_text, qualifier_text = record.get("value", ""), record.get("qualifier", "")
    attached = VALUE_WITH_QUALIFIER.match(value_text)
    if attached and not qualifier_text:
        qualifier_text, value_text = attached.group(1), attached.group(2).strip()
    qualifier = QUALIFIERS.get(qualifier_text.lower())
    if qualifier is None:
        problem("qualifier", _one_of("qualifier", qualifier_text, "=, <, <=, >, >=, range_min, range_max"))
    fields["qualifier"] = qualifier or "="
    fields["value_text"] = _value_text(value_text, problem)

    # Unit, with the basis (dry or fresh soil) its words give.
    unit_text = record.get("unit", "")
    unit = None
    if not unit_text:
        problem(
            "unit", _("%(column)s is required, as the source writes it (e.g. mg/kg dry matter).") % {"column": "unit"}
        )
    else:
        reading = matcher.unit(unit_text)
        if reading.matched:
            unit = matcher.units.get(_use(plan, reading, number, "unit", review, read_through))
        else:
            problem("unit", _unit_problem(reading))
    fields["unit_label"] = unit_text
    fields["unit_id"] = unit.id if unit else None
    fields["unit_basis"] = unit_basis(unit_text)
    if fields["value_text"] and unit is not None:
        too_large = mg_kg_problem(Decimal(fields["value_text"]), unit)
        if too_large:
            problem(
                "value",
                _('%(column)s "%(value)s" %(unit)s %(problem)s')
                % {"column": "value", "value": fields["value_text"], "unit": unit_text, "problem": too_large},
            )

    # Harmonised land use and tier, from a code or from the source's label.
    for kind, code_column, label_column in (
        ("land_use", "land_use", "land_use_label"),
        ("tier", "tier", "tier_label"),
    ):
        code, label = record.get(code_column, ""), record.get(label_column, "")
        fields[label_column] = label
        class_id = None
        codes = matcher.codes(kind)
        if code:
            # A code is a curator's decision: it wins over the label's reading.
            class_id = matcher.class_by_word[kind].get(match_key(code))
            if class_id is None:
                problem(
                    code_column,
                    _("%(column)s %(code)s is not a harmonised code; use one of %(codes)s.")
                    % {"column": code_column, "code": repr(code), "codes": ", ".join(codes)},
                )
        elif label:
            reading = matcher.label(kind, label)
            if reading.matched:
                class_id = _use(plan, reading, number, label_column, review, read_through)
            elif (class_id := plan.chosen(reading, number, label_column)) is None:
                if kind == "land_use":
                    template = _(
                        'land-use label "%(label)s" cannot be classified (give `%(code_column)s`, one of %(codes)s, '
                        "or ask a curator to add the label or its words to the vocabulary): %(reason)s."
                    )
                else:
                    template = _(
                        'tier label "%(label)s" cannot be classified (give `%(code_column)s`, one of %(codes)s, '
                        "or ask a curator to add the label or its words to the vocabulary): %(reason)s."
                    )
                problem(
                    label_column,
                    template
                    % {"label": label, "code_column": code_column, "codes": ", ".join(codes), "reason": reading.reason},
                )
        else:
            problem(
                code_column,
                _("give `%(code_column)s` (one of %(codes)s) or the source's `%(label_column)s`.")
                % {"code_column": code_column, "codes": ", ".join(codes), "label_column": label_column},
            )
        fields[f"{kind}_id"] = class_id

    # Conditions: structured columns win; where they are all blank, recognise them in the text.
    condition_text = record.get("condition", "")
    fields["condition_text"] = condition_text
    for column in DECIMAL_COLUMNS:
        fields[column] = _decimal(record, column, problem)
    texture = record.get("texture", "")
    fields["texture"] = TEXTURES.get(texture.lower(), "") if texture else ""
    if texture and not fields["texture"]:
        problem("texture", _one_of("texture", texture, ", ".join(sorted(set(TEXTURES.values())))))
    extraction = record.get("extraction", "")
    fields["extraction_id"] = None
    if extraction:
        fields["extraction_id"] = lookups.extractions.get(extraction) or lookups.extractions.get(match_key(extraction))
        if fields["extraction_id"] is None:
            problem("extraction", _one_of("extraction", extraction, ", ".join(lookups.extraction_codes)))
    fields["crop"] = record.get("crop", "")
    fields["depth"] = record.get("depth", "")
    structured = [column for column in [*DECIMAL_COLUMNS, "texture", "extraction", "crop"] if record.get(column)]
    recognised: list[str] = []
    if condition_text and not structured:
        found = _recognise(condition_text)
        for name, item in found.values.items():
            if name == "extraction":
                fields["extraction_id"] = lookups.extractions.get(item)
            elif isinstance(item, Decimal) and (refused := condition_number_problem(name, item)):
                problem("condition", _("%(column)s: %(problem)s") % {"column": "condition", "problem": refused})
            else:
                fields[name] = item
        recognised = found.explanations
    fields["ph_min_exclusive"], fields["ph_max_exclusive"] = ph_band_ends(
        condition_text, fields["ph_min"], fields["ph_max"]
    )
    for name in ("ph", "clay", "toc", "cec"):
        low, high = fields[f"{name}_min"], fields[f"{name}_max"]
        if low is not None and high is not None and low > high:
            problem(
                f"{name}_min",
                _("%(low_column)s %(low)s is above %(high_column)s %(high)s.")
                % {"low_column": f"{name}_min", "low": low, "high_column": f"{name}_max", "high": high},
            )

    basis = record.get("basis", "").lower().replace(" ", "_")
    if basis and basis not in ThresholdValue.Basis.values:
        problem("basis", _one_of("basis", basis, ", ".join(ThresholdValue.Basis.values)))
    fields["basis"] = basis
    fields["value_year"] = _year(record, "value_year", problem)
    status = record.get("status", "").lower()
    if status and status not in ThresholdValue.Status.values:
        problem("status", _one_of("status", status, ", ".join(ThresholdValue.Status.values)))
    fields["status"] = status
    fields["source_url"] = _url(record, "source_url", problem)
    fields["source_page"] = record.get("source_page", "")
    fields["source_quote"] = record.get("source_quote", "")
    fields["notes"] = record.get("notes", "")
    fields["needs_review"] = bool(review)
    fields["review_note"] = " ".join(review)
    _check_lengths(fields, record, problem)

    if problems:
        plan.problems.extend(problems)
        return None

    key = (country_id, jurisdiction, title)
    fields["conditions_key"] = conditions_key_for(SimpleNamespace(**fields))
    if plan.draft:  # no instrument to plan
        return PlannedRow(
            row=number, instrument=key, fields=fields, recognised=recognised, readings=tuple(read_through)
        )
    instrument = plan.instruments.get(key)
    if instrument is None:
        instrument = plan.instruments[key] = PlannedInstrument(key, country_id, jurisdiction, title, first_row=number)
    given_to_instrument = {"instrument_year": instrument_year, "instrument_status": instrument_status}
    given_to_instrument["instrument_url"] = instrument_url
    for column, given in given_to_instrument.items():
        attribute = INSTRUMENT_FIELDS[column]
        if given in (None, ""):
            continue
        already = getattr(instrument, attribute)
        if already not in (None, "") and already != given:
            plan.problems.append(
                Problem(
                    number,
                    f"instrument_{attribute}",
                    str(given),
                    _("%(column)s %(given)s differs from %(already)s given in row %(row)s for the same instrument.")
                    % {
                        "column": f"instrument_{attribute}",
                        "given": given,
                        "already": already,
                        "row": instrument.first_row,
                    },
                )
            )
            return None
        setattr(instrument, attribute, given)

    return PlannedRow(row=number, instrument=key, fields=fields, recognised=recognised, readings=tuple(read_through))


def _use(plan: ImportPlan, reading: Reading, number: int, column: str, review: list, read_through: list) -> int | None:
    if reading.how == PROPOSAL or reading.approximate:
        read_through.append(reading)
    return plan.use(reading, number, column, review)


def _recognise(text: str):
    # The explanations are sentences in the active language: cached per language.
    return _recognise_in(text, get_language())


@lru_cache(maxsize=4096)
def _recognise_in(text: str, language: str | None):
    return recognise_conditions(text)


def _one_of(column: str, given: str, choices: str) -> str:
    return _("%(column)s %(given)s must be one of %(choices)s.") % {
        "column": column,
        "given": repr(given),
        "choices": choices,
    }


def _value_text(text: str, problem) -> str:
    if not text:
        problem("value", _("%(column)s is required.") % {"column": "value"})
        return ""
    if text.startswith("-"):
        problem(
            "value",
            _('%(column)s "%(text)s" is negative; threshold values are concentrations, zero or more.')
            % {"column": "value", "text": text},
        )
        return ""
    if re.fullmatch(r"[\d.,’' ]+", text) and re.search(r"[,’' ]", text):
        # "1,000" may be one thousand or one: only the person who wrote it knows.
        problem(
            "value",
            _(
                '%(column)s "%(text)s" contains a comma, space or apostrophe: write a point as the decimal '
                "separator and no thousands separators (e.g. 0.5 or 1000)."
            )
            % {"column": "value", "text": text},
        )
        return ""
    if not PLAIN_DECIMAL.match(text):
        problem(
            "value",
            _('%(column)s "%(text)s" is not a number (write digits with a point, e.g. 0.30).')
            % {"column": "value", "text": text},
        )
        return ""
    return text


def _decimal(record: dict, column: str, problem) -> Decimal | None:
    text = record.get(column, "")
    if not text:
        return None
    try:
        number = Decimal(text.replace(",", ".") if re.fullmatch(r"\d+,\d+", text) else text)
    except InvalidOperation:
        problem(column, _("%(column)s %(text)s is not a number.") % {"column": column, "text": repr(text)})
        return None
    if not number.is_finite():
        problem(column, _("%(column)s %(text)s is not a number.") % {"column": column, "text": repr(text)})
        return None
    refused = condition_number_problem(column, number, text)
    if refused:
        problem(column, refused)
        return None
    return number


def _year(record: dict, column: str, problem) -> int | None:
    text = record.get(column, "")
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text) or not 1800 <= int(text) <= 2100:
        problem(
            column,
            _("%(column)s %(given)s is not a year (four digits, 1800-2100).") % {"column": column, "given": repr(text)},
        )
        return None
    return int(text)


def _url(record: dict, column: str, problem) -> str:
    text = record.get(column, "")
    if text and not _is_web_address(text):
        problem(
            column,
            _("%(column)s %(given)s is not a web address (http:// or https://).")
            % {"column": column, "given": repr(text[:80])},
        )
        return ""
    return text


@lru_cache(maxsize=4096)
def _is_web_address(text: str) -> bool:
    # Cached: a file repeats the same few source addresses on thousands of rows.
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        return False
    return True


def _check_lengths(fields: dict, record: dict, problem) -> None:
    """Text no longer than its field holds (thresholds/record.py MAX_LENGTHS), as the row gives it to
    the value (`fields`, e.g. a value without its qualifier) or to the instrument (`record`)."""
    for column, limit in MAX_LENGTHS.items():
        text = fields.get(SOURCES[column], record.get(column, ""))
        if len(text or "") > limit:
            problem(
                column,
                ngettext(
                    "%(column)s is longer than %(limit)s character.",
                    "%(column)s is longer than %(limit)s characters.",
                    limit,
                )
                % {"column": column, "limit": limit},
            )


def _unit_problem(reading: Reading) -> str:
    if reading.unit_not_read:
        return _(
            'unit "%(text)s" is not known (%(reason)s). Known spellings include mg/kg, mg kg-1 dry '
            "matter, µg/kg, ppm, %%, Bq/kg, ng TEQ/kg; a curator can add an alias."
        ) % {"text": reading.text, "reason": reading.reason}
    return _(
        'unit "%(text)s" is not a mass fraction: %(reason)s. Soil thresholds are given per mass of soil '
        "(e.g. mg/kg); a curator can add an alias for a unit of another kind."
    ) % {"text": reading.text, "reason": reading.reason}


def _pollutant_problem(reading: Reading) -> str:
    if reading.cas_problem:
        return _("%(reason)s.") % {"reason": reading.reason}
    words = {"text": reading.text or f"CAS {reading.cas}", "reason": reading.reason, "suggestion": reading.suggestion}
    if reading.suggestion:
        return (
            _(
                'unknown pollutant "%(text)s" (did you mean "%(suggestion)s"?): %(reason)s; '
                "give its CAS number, or a curator can add it or a synonym."
            )
            % words
        )
    return (
        _('unknown pollutant "%(text)s": %(reason)s; give its CAS number, or a curator can add it or a synonym.')
        % words
    )


def _compare_with_database(plan: ImportPlan) -> None:
    """Mark each row create, update or unchanged, and each instrument create, update or unchanged."""
    if not plan.ok or not plan.instruments:
        return
    by_country: dict[int, set] = defaultdict(set)
    for country_id, _jurisdiction, title in plan.instruments:
        by_country[country_id].add(title)
    existing_instruments = {}
    for country_id, titles in by_country.items():
        for instrument in LegalInstrument.objects.filter(country_id=country_id, title__in=titles):
            existing_instruments[(instrument.country_id, instrument.jurisdiction, instrument.title)] = instrument
    for key, planned in plan.instruments.items():
        existing = existing_instruments.get(key)
        if existing is None:
            planned.action = "create"
            continue
        planned.existing_id = existing.id
        planned.existing_version, planned.existing_updated_at = existing.version, existing.updated_at
        changed = any(getattr(existing, name) != given for name, given in instrument_changes(planned).items())
        planned.action = "update" if changed else "unchanged"

    instrument_ids = {planned.existing_id for planned in plan.instruments.values() if planned.existing_id}
    key_by_instrument = {planned.existing_id: key for key, planned in plan.instruments.items() if planned.existing_id}
    existing_values = {}
    for item in ThresholdValue.objects.filter(instrument_id__in=instrument_ids).values(
        "id", "instrument_id", "pollutant_id", "conditions_key", "status", "version", "updated_at", *VALUE_FIELDS
    ):
        identity = (
            key_by_instrument[item["instrument_id"]],
            item["pollutant_id"],
            item["land_use_label"],
            item["tier_label"],
            item["conditions_key"],
        )
        existing_values[identity] = item
    for row in plan.rows:
        identity = (
            row.instrument,
            row.fields["pollutant_id"],
            row.fields["land_use_label"],
            row.fields["tier_label"],
            row.fields["conditions_key"],
        )
        existing = existing_values.get(identity)
        if existing is None:
            row.action = "create"
            continue
        row.existing_id, row.stored_status = existing["id"], existing["status"]
        row.existing_version, row.existing_updated_at = existing["version"], existing["updated_at"]
        same = all(_same(existing[name], row.fields[name]) for name in VALUE_FIELDS)
        same_status = not row.fields["status"] or row.fields["status"] == existing["status"]
        row.action = "unchanged" if same and same_status else "update"


def _same(stored, given) -> bool:
    if isinstance(stored, Decimal) or isinstance(given, Decimal):
        if stored is None or given is None:
            return stored is given
        return Decimal(stored).normalize() == Decimal(given).normalize()
    return (stored if stored is not None else "") == (given if given is not None else "")
