"""Threshold values out to CSV and XLSX, in the import template's columns (so an export re-imports
unchanged). Rows are read as plain tuples in chunks: memory stays flat however many are exported."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from thresholds.spreadsheets import TEMPLATE_COLUMNS

# Template column -> the query path it is read from.
SOURCES = {
    "country": "instrument__country__iso3",
    "jurisdiction": "instrument__jurisdiction",
    "instrument": "instrument__title",
    "instrument_year": "instrument__year",
    "instrument_status": "instrument__status",
    "instrument_url": "instrument__url",
    "pollutant": "pollutant_label",
    "cas": "pollutant__cas_rn",
    "land_use": "land_use__code",
    "land_use_label": "land_use_label",
    "tier": "tier__code",
    "tier_label": "tier_label",
    "value": "value_text",
    "qualifier": "qualifier",
    "unit": "unit_label",
    "ph_min": "ph_min",
    "ph_max": "ph_max",
    "texture": "texture",
    "clay_min": "clay_min",
    "clay_max": "clay_max",
    "toc_min": "toc_min",
    "toc_max": "toc_max",
    "cec_min": "cec_min",
    "cec_max": "cec_max",
    "crop": "crop",
    "depth": "depth",
    "extraction": "extraction__code",
    "condition": "condition_text",
    "basis": "basis",
    "value_year": "value_year",
    "status": "status",
    "source_url": "source_url",
    "source_page": "source_page",
    "source_quote": "source_quote",
    "notes": "notes",
}
assert list(SOURCES) == TEMPLATE_COLUMNS


def export_rows(queryset, *, chunk_size: int = 2000) -> Iterator[list[str]]:
    """Each value as a list of texts in TEMPLATE_COLUMNS order."""
    rows = queryset.order_by("id").values_list(*SOURCES.values()).iterator(chunk_size=chunk_size)
    for row in rows:
        yield [_text(item) for item in row]


def _text(item) -> str:
    if item is None:
        return ""
    if isinstance(item, Decimal):
        return format(item.normalize(), "f")
    return str(item)


def export_rows_with_mg_kg(queryset) -> tuple[Iterator[list[str]], list[str]]:
    """The template's columns plus the normalised value, for analysts. The import accepts the extra
    column and recomputes it, so this export re-imports unchanged too."""
    rows = queryset.order_by("id").values_list(*SOURCES.values(), "value_mg_kg").iterator(chunk_size=2000)
    return ([_text(item) for item in row] for row in rows), [*TEMPLATE_COLUMNS, "value_mg_kg"]


def dataset_citation(site_url: str) -> str:
    """How to cite an export of the database."""
    return (
        f"FAO Global Soil Partnership, International Network on Soil Pollution (INSOP). {settings.PORTAL_NAME}. "
        f"{site_url} (accessed {timezone.now():%Y-%m-%d})."
    )


def export_readme(*, site_url: str, query: str) -> list[list[str]]:
    """The "read me" sheet of an export: citation, licence, the filters, and how to read it."""
    return [
        ["citation", dataset_citation(site_url)],
        ["licence", f"{settings.PORTAL_DATA_LICENCE} ({settings.PORTAL_DATA_LICENCE_URL})"],
        ["filters", query or "none (everything you may read)"],
        ["exported at", timezone.now().isoformat(timespec="seconds")],
        ["value, unit", "as the source writes them; value_mg_kg is the same value in mg/kg (blank: no conversion)"],
        ["sources", "each row's source_url and source_quote say where the value was read"],
    ]
