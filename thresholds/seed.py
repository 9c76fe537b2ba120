"""The seed data: real threshold values from public sources, in the import template's format.

`build_seed_rows` converts fixtures/sources/thresholds_seed.csv (the research file, one row per value
with its source; fixtures/sources/README.md gives the sources and caveats) into import rows;
`manage.py build_seed` writes them to fixtures/seed/thresholds.csv, which `manage.py load_seed`
imports through the ordinary spreadsheet import.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from reference.cas import looks_like_cas
from thresholds.conditions import EXTRACTION_WORDS

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seed"
RESEARCH_CSV = Path(settings.BASE_DIR) / "fixtures" / "sources" / "thresholds_seed.csv"
SEED_COLUMNS = [
    "country",
    "jurisdiction",
    "instrument",
    "pollutant",
    "cas",
    "land_use_label",
    "tier_label",
    "value",
    "qualifier",
    "unit",
    "extraction",
    "condition",
    "basis",
    "value_year",
    "status",
    "source_url",
    "source_quote",
]
JURISDICTIONS = {"São Paulo (state)": "São Paulo", "United Kingdom (England & Wales)": "England and Wales"}
QUALIFIER_FROM_TIER = {"(lower bound of range)": "range_min", "(upper bound of range)": "range_max"}


@dataclass(frozen=True)
class Statement:
    """Words in one column of the research file that state a value's extraction method or basis."""

    column: str
    words: re.Pattern
    code: str


# The extraction method is filled only where the instrument's title or the quoted table names it,
# in the words the import recognises in condition texts (thresholds/conditions.py). The condition
# column is left to the import itself: it reads the same words there, and a filled extraction column
# would stop it reading the pH band or texture beside them. "total" is deliberately no statement:
# in the research file it is part of pollutant names ("Chromium (total)" against chromium VI,
# "DDT (total)" for a sum), never the method that measured the value.
EXTRACTION_STATEMENTS = [
    Statement(column, words, code) for column in ("instrument", "source_quote") for words, code in EXTRACTION_WORDS
]
# The basis is filled only where the row's own tier names it. Australia's NEPM tiers say it
# ("health investigation level (HIL)", "ecological investigation level (EIL)"; fixtures/sources/README.md:
# "Australia: NEPM 2013 health investigation levels"). Canada's CCME title names both environmental
# and human health while its summary rows say neither, so they stay blank; Italy's condition
# "to be used only in absence of geochemical background values" says what the value is not.
BASIS_STATEMENTS = [
    Statement("threshold_type", re.compile(r"\bhealth investigation level\b", re.I), "human_health"),
    Statement("threshold_type", re.compile(r"\becological investigation level\b", re.I), "ecological"),
]


def stated_code(item: dict[str, str], statements: list[Statement]) -> str:
    """The one code the research row's words state; blank where they state none, or several."""
    codes = {statement.code for statement in statements if statement.words.search(item[statement.column])}
    return codes.pop() if len(codes) == 1 else ""


def seed_jurisdiction(text: str) -> str:
    """National and supranational rows have no sub-national jurisdiction."""
    if text.startswith("national (") or text.startswith("European Union"):
        return ""
    return JURISDICTIONS.get(text, text)


def build_seed_rows(research_csv: Path = RESEARCH_CSV) -> list[dict[str, str]]:
    """One import row per research row, nothing added and nothing dropped."""
    with research_csv.open(encoding="utf-8", newline="") as handle:
        research = list(csv.DictReader(handle))
    rows = []
    for item in research:
        qualifier = next((code for words, code in QUALIFIER_FROM_TIER.items() if words in item["threshold_type"]), "")
        rows.append(
            {
                "country": item["country_iso3"],
                "jurisdiction": seed_jurisdiction(item["jurisdiction"]),
                "instrument": item["instrument"],
                "pollutant": item["pollutant_name"],
                # Sums carry two CAS numbers ("309-00-2 + 60-57-1"): matched by name instead.
                "cas": item["cas_number"] if looks_like_cas(item["cas_number"]) else "",
                "land_use_label": item["land_use"],
                "tier_label": item["threshold_type"],
                "value": item["value"],
                "qualifier": qualifier,
                "unit": item["unit"],
                "extraction": stated_code(item, EXTRACTION_STATEMENTS),
                "condition": item["condition"],
                "basis": stated_code(item, BASIS_STATEMENTS),
                "value_year": item["year"],
                "status": "published",
                "source_url": item["source_url"],
                "source_quote": item["source_quote"],
            }
        )
    return rows


def seed_csv_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SEED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
