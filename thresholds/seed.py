"""The seed data: real threshold values from public sources, in the import template's format.

`build_seed_rows` converts fixtures/sources/thresholds_seed.csv (the research file, one row per value
with its source; fixtures/sources/README.md gives the sources and caveats) into import rows;
`manage.py build_seed` writes them to fixtures/seed/thresholds.csv, which `manage.py load_seed`
imports through the ordinary spreadsheet import.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.conf import settings

from reference.cas import looks_like_cas

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
    "condition",
    "value_year",
    "status",
    "source_url",
    "source_quote",
]
JURISDICTIONS = {"São Paulo (state)": "São Paulo", "United Kingdom (England & Wales)": "England and Wales"}
QUALIFIER_FROM_TIER = {"(lower bound of range)": "range_min", "(upper bound of range)": "range_max"}


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
                "condition": item["condition"],
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
