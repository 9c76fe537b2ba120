"""The cross-country comparison chart, drawn on the server as SVG: one row per country, one mark per
value on a logarithmic mg/kg axis, coloured by tier. Reads without JavaScript; each mark has a
tooltip (its SVG title) and the page has the same data as a table."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reference.localisation import collation_key

LABEL_WIDTH = 190
PLOT_WIDTH = 560
ROW_HEIGHT = 22
TOP = 28
BOTTOM = 34


@dataclass
class Mark:
    x: float
    y: float
    tier: str
    title: str


def comparison_chart(rows) -> dict | None:
    """Geometry for templates/thresholds/_comparison_chart.svg; None when nothing converts to mg/kg."""
    plotted = [row for row in rows if row.value_mg_kg and row.value_mg_kg > 0]
    if not plotted:
        return None
    low = math.floor(math.log10(min(float(row.value_mg_kg) for row in plotted)))
    high = math.ceil(math.log10(max(float(row.value_mg_kg) for row in plotted)))
    high = max(high, low + 1)
    countries = sorted({row.instrument.country.local_name for row in plotted}, key=collation_key)
    position = {name: index for index, name in enumerate(countries)}

    def x_of(number: float) -> float:
        return LABEL_WIDTH + (math.log10(number) - low) / (high - low) * PLOT_WIDTH

    marks = []
    for row in plotted:
        number = float(row.value_mg_kg)
        country = row.instrument.country.local_name
        details = [country, f"{row.value_text} {row.unit_label}", row.tier_label or row.tier.local_name]
        details += [
            row.land_use_label or row.land_use.local_name,
            *row.words,
            row.instrument.short_name or row.instrument.title,
        ]
        marks.append(
            Mark(
                x=round(x_of(number), 1),
                y=TOP + position[country] * ROW_HEIGHT + ROW_HEIGHT / 2,
                tier=row.tier.code,
                title=" · ".join(str(item) for item in details if item),
            )
        )
    ticks = [
        {"x": round(x_of(10**power), 1), "label": number_format(10**power) if power >= 0 else f"{10**power:g}"}
        for power in range(low, high + 1)
    ]
    height = TOP + len(countries) * ROW_HEIGHT + BOTTOM
    return {
        "width": LABEL_WIDTH + PLOT_WIDTH + 20,
        "height": height,
        "plot_left": LABEL_WIDTH,
        "plot_right": LABEL_WIDTH + PLOT_WIDTH,
        "axis_y": height - BOTTOM,
        "countries": [
            {"name": name, "y": TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2 + 4} for index, name in enumerate(countries)
        ],
        "marks": marks,
        "ticks": ticks,
        "axis_label": _("mg/kg dry soil, logarithmic scale"),
    }


def comparison_summary(rows) -> dict:
    """What a comparison says besides the marks: how many values and countries, median and range in
    mg/kg, and whether the values are comparable at all (extraction methods, conditions). Each row
    carries `words`, its conditions in plain words."""
    numbers = [row.value_mg_kg for row in rows if row.value_mg_kg is not None]
    extraction_methods = {row.extraction.local_name for row in rows if row.extraction_id}
    return {
        "count": len(numbers),
        "countries": len({row.instrument.country_id for row in rows}),
        "median": statistics.median(numbers) if numbers else None,
        "low": min(numbers, default=None),
        "high": max(numbers, default=None),
        "mixed_extraction": sorted(extraction_methods) if len(extraction_methods) > 1 else [],
        "mixed_conditions": len({tuple(row.words) for row in rows}) > 1,
    }
