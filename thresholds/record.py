"""The threshold record: the import template's columns, which the import, the API, the survey and the
exports share, and how a checked row becomes a value. Each column is defined here once: its name, its
help text, the field it is read from and stored in (whose max_length limits it), its type, and whether
it is required. Adding a column is one entry in COLUMNS (plus the model field and its migration)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from thresholds.models import CONDITION_FIELDS, FREE_TEXT_LIMIT, LegalInstrument, ThresholdValue


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    # The query path from a ThresholdValue the export reads it from (and the field that stores it).
    source: str
    # text, number (the value as written), decimal, year, url, choice or code (a harmonised code or name)
    kind: str = "text"
    required: bool = False
    # A spreadsheet cell or a JSON body may give it as a number (kept as written when sent as text).
    numeric: bool = False

    @property
    def field(self) -> models.Field:
        """The model field the column is stored in (for a code: the related model's field)."""
        model, found = ThresholdValue, None
        for name in self.source.split("__"):
            found = model._meta.get_field(name)
            model = found.related_model or model
        return found

    @property
    def max_length(self) -> int | None:
        """How long its text may be: the field's max_length, FREE_TEXT_LIMIT for free text, None for
        choices and codes (checked against their lists instead) and numbers."""
        if self.kind not in ("text", "url", "number"):
            return None
        if isinstance(self.field, models.TextField):
            return FREE_TEXT_LIMIT
        return getattr(self.field, "max_length", None)


COLUMNS = [
    Column(
        "country",
        "Required. ISO 3166 alpha-3 (DEU) or alpha-2 code, or English name; EUU for the European Union.",
        "instrument__country__iso3",
        kind="code",
        required=True,
    ),
    Column(
        "jurisdiction",
        "Sub-national jurisdiction (state, province, municipality); blank for national instruments.",
        "instrument__jurisdiction",
    ),
    Column(
        "instrument",
        "Required. Title of the law, regulation, standard or guideline, as in the source.",
        "instrument__title",
        required=True,
    ),
    Column("instrument_year", "Year of the instrument.", "instrument__year", kind="year", numeric=True),
    Column(
        "instrument_status",
        "One of: " + ", ".join(LegalInstrument.Status.values) + ".",
        "instrument__status",
        kind="choice",
    ),
    Column("instrument_url", "Web address of the legal text.", "instrument__url", kind="url"),
    Column("pollutant", "Pollutant name or synonym as in the source (pollutant or cas required).", "pollutant_label"),
    Column("cas", "CAS Registry Number, e.g. 7440-43-9.", "pollutant__cas_rn", kind="code"),
    Column("land_use", "Harmonised land-use code (give it or land_use_label).", "land_use__code", kind="code"),
    Column(
        "land_use_label",
        "The source's own land-use wording, in any language; read through the curated label table and the "
        "vocabulary of soil-law terms (a reading from its words is proposed for a curator to accept).",
        "land_use_label",
    ),
    Column("tier", "Harmonised tier code (give it or tier_label).", "tier__code", kind="code"),
    Column(
        "tier_label",
        "The source's own tier name in any language, e.g. Prüfwert, intervention value, risk screening value, "
        "valor de investigação; read as the land-use label is.",
        "tier_label",
    ),
    Column(
        "value",
        "Required. The number as written, with a point as decimal separator, e.g. 0.30.",
        "value_text",
        kind="number",
        required=True,
        numeric=True,
    ),
    Column(
        "qualifier",
        "=, <, <=, >, >=, range_min or range_max; blank means =. A value such as <0.5 also works.",
        "qualifier",
        kind="choice",
    ),
    Column(
        "unit",
        "Required. As written, in any language: mg/kg, mg kg-1 DM, µg/kg TS, ppm, %, 毫克/千克 ...; the dry or "
        "fresh basis it states is kept.",
        "unit_label",
        required=True,
    ),
    Column("ph_min", "Lowest soil pH the value applies to (0-14).", "ph_min", kind="decimal", numeric=True),
    Column("ph_max", "Highest soil pH the value applies to (0-14).", "ph_max", kind="decimal", numeric=True),
    Column("texture", "sand, loam, silt, loam_silt, clay or organic.", "texture", kind="choice"),
    Column("clay_min", "Clay content % (lower bound).", "clay_min", kind="decimal", numeric=True),
    Column("clay_max", "Clay content % (upper bound).", "clay_max", kind="decimal", numeric=True),
    Column("toc_min", "Organic matter or TOC % (lower bound).", "toc_min", kind="decimal", numeric=True),
    Column("toc_max", "Organic matter or TOC % (upper bound).", "toc_max", kind="decimal", numeric=True),
    Column("cec_min", "Cation exchange capacity, cmol/kg (lower bound).", "cec_min", kind="decimal", numeric=True),
    Column("cec_max", "Cation exchange capacity, cmol/kg (upper bound).", "cec_max", kind="decimal", numeric=True),
    Column("crop", "Crop or field type, e.g. paddy.", "crop"),
    Column("depth", "Sampling depth, e.g. 0-30 cm.", "depth"),
    Column("extraction", "Extraction method code.", "extraction__code", kind="code"),
    Column(
        "condition",
        "The source's own words for the conditions. Where the structured columns are blank, pH bands, "
        "texture words, TOC classes and extraction methods are recognised in it.",
        "condition_text",
    ),
    Column("basis", "One of: " + ", ".join(ThresholdValue.Basis.values) + ".", "basis", kind="choice"),
    Column(
        "value_year",
        "Year the value was set or revised, where it differs from the instrument's.",
        "value_year",
        kind="year",
        numeric=True,
    ),
    Column(
        "status",
        "draft (default for new values), published or withdrawn; blank keeps an existing value's status.",
        "status",
        kind="choice",
    ),
    Column("source_url", "Where the value was read.", "source_url", kind="url"),
    Column("source_page", "Table or page in the source.", "source_page", numeric=True),
    Column("source_quote", "A short excerpt of the source showing the value.", "source_quote"),
    Column("notes", "Anything else a curator should know.", "notes"),
]
BY_NAME = {column.name: column for column in COLUMNS}

# The import template's columns, in order. An export uses them too, so it re-imports unchanged.
TEMPLATE_COLUMNS = [column.name for column in COLUMNS]
REQUIRED_COLUMNS = [column.name for column in COLUMNS if column.required]
# Of each pair, one is required: a pollutant by name or CAS number, a land use and a tier by code or label.
REQUIRED_ONE_OF = [("pollutant", "cas"), ("land_use", "land_use_label"), ("tier", "tier_label")]
DECIMAL_COLUMNS = [column.name for column in COLUMNS if column.kind == "decimal"]
NUMERIC_COLUMNS = [column.name for column in COLUMNS if column.numeric]
# Columns exports add for readers (template column -> source); the import accepts and recomputes them.
DERIVED_COLUMNS = {"value_mg_kg": "value_mg_kg", "unit_basis": "unit_basis"}
# Template column -> the query path an export reads it from.
SOURCES = {column.name: column.source for column in COLUMNS}
# How long each text column may be, read from the model fields.
MAX_LENGTHS = {column.name: column.max_length for column in COLUMNS if column.max_length}

# ---- a checked row onto a value --------------------------------------------------------------------

# What an import writes on a value (from importing.PlannedRow.fields); the comparison that decides
# "updated" or "unchanged" uses these.
VALUE_FIELDS = [
    "pollutant_label",
    "value_text",
    "qualifier",
    "unit_label",
    "unit_id",
    "unit_basis",
    "land_use_id",
    "land_use_label",
    "tier_id",
    "tier_label",
    "basis",
    "value_year",
    *CONDITION_FIELDS,
    "ph_min_exclusive",
    "ph_max_exclusive",
    "source_url",
    "source_page",
    "source_quote",
    "notes",
]
# Set when a value is created; afterwards curators own them, and a re-import leaves them alone
# (a blank `status` keeps the existing status; a given one replaces it).
CREATE_ONLY_FIELDS = ["needs_review", "review_note"]
# Computed by ThresholdValue.refresh_derived_fields from the fields above.
DERIVED_FIELDS = ["value", "value_mg_kg", "conditions_key"]
# The instrument's columns a row may set on an existing instrument (column -> field); country,
# jurisdiction and title identify it.
INSTRUMENT_FIELDS = {"instrument_year": "year", "instrument_status": "status", "instrument_url": "url"}


def row_values(fields: dict, *, creating: bool, status: str = "") -> dict[str, object]:
    """{attname: value} a checked row (importing.PlannedRow.fields) gives a value: a new one
    (`creating`) or one whose stored status is `status`. The one copy every writer uses: the import
    (by model and by COPY), the API's create and update, and the survey's acceptance through them."""
    values = {"pollutant_id": fields["pollutant_id"], "conditions_key": fields["conditions_key"]}
    values.update((name, fields[name]) for name in VALUE_FIELDS)
    if creating:
        values.update((name, fields[name]) for name in CREATE_ONLY_FIELDS)
    values["status"] = fields["status"] or (ThresholdValue.Status.DRAFT if creating else status)
    return values


def row_onto_value(value: ThresholdValue, fields: dict, *, creating: bool, unit=None) -> ThresholdValue:
    """Copy a checked row onto `value` (see row_values) and recompute what follows from it. `unit`,
    the row's Unit when the caller has it, saves a query."""
    for name, item in row_values(fields, creating=creating, status=value.status).items():
        setattr(value, name, item)
    if unit is not None:
        value.unit = unit
    value.refresh_derived_fields()
    return value


def instrument_changes(planned) -> dict[str, object]:
    """{field: value} an import row gives an existing instrument (importing.PlannedInstrument); blank
    columns leave the stored values alone."""
    given = {field: getattr(planned, field) for field in INSTRUMENT_FIELDS.values()}
    return {field: item for field, item in given.items() if item not in (None, "")}
