"""The cross-country comparison chart, drawn on the server as SVG: one row per country, one mark per
value on a logarithmic mg/kg axis, each tier with its own colour and shape and its own median line
(never one median over all tiers: thresholds.comparison). Superseded and repealed instruments' values,
when shown, are hollow. Reads without JavaScript; each mark has a tooltip (its SVG title) and the
page has the same data as a table. Numbers in the SVG never follow the visitor's locale."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reference.localisation import collation_key
from thresholds.distribution import significant

LABEL_WIDTH = 190
PLOT_WIDTH = 560
ROW_HEIGHT = 22
TOP = 28
BOTTOM = 34


# Each tier's own mark, besides its colour (static/css/portal.css): readable in grey and by those who
# do not tell the colours apart. SVG paths around (0, 0); a tier not listed is a circle.
CIRCLE = "M-5,0a5,5 0 1,0 10,0a5,5 0 1,0 -10,0Z"
TIER_SHAPES = {
    "background": CIRCLE,
    "precautionary": "M-4.5,-4.5h9v9h-9Z",
    "trigger": "M0,-6L5.5,4.5H-5.5Z",
    "intervention": "M0,-6.5L6.5,0L0,6.5L-6.5,0Z",
    "other": "M-5,-1.6h3.4v-3.4h3.2v3.4h3.4v3.2h-3.4v3.4h-3.2v-3.4h-3.4Z",
}


def tier_shape(code: str) -> str:
    return TIER_SHAPES.get(code, CIRCLE)


@dataclass
class Mark:
    x: float
    y: float
    tier: str
    title: str
    superseded: bool = False


@dataclass
class Median:
    x: float
    tier: str
    title: str


def log_axis_frame(*, plot_left, plot_right, height: float, low: int, high: int, x_of, rtl: bool) -> dict:
    """What the row charts on a log mg/kg axis share (the comparison, the benchmark of a draft): the
    row labels just outside the plot, on its left (right to left: on its right), the axis label, and
    a tick at each power of ten from 10**low to 10**high."""
    return {
        "plot_left": plot_left,
        "plot_right": plot_right,
        "label_x": plot_right + 8 if rtl else plot_left - 8,
        "label_anchor": "start" if rtl else "end",
        "axis_label_x": plot_right if rtl else plot_left,
        "axis_label_anchor": "end" if rtl else "start",
        "axis_y": height - BOTTOM,
        "ticks": [
            {"x": round(x_of(10**power), 1), "label": number_format(Decimal(10) ** power, use_l10n=True)}
            for power in range(low, high + 1)
        ],
    }


def comparison_chart(rows, *, rtl: bool = False) -> dict | None:
    """Geometry for templates/thresholds/_chart.html; None when nothing converts to mg/kg.

    Right to left (`rtl`, Arabic), the chart is mirrored as its readers expect: the country names on
    the right, the values growing leftwards. The coordinates are numbers for the SVG, which the
    template writes without the visitor's locale (`unlocalize`); the tick labels and tooltips are
    text for people, in the visitor's locale."""
    plotted = [row for row in rows if row.value_mg_kg and row.value_mg_kg > 0]
    if not plotted:
        return None
    low = math.floor(math.log10(min(float(row.value_mg_kg) for row in plotted)))
    high = math.ceil(math.log10(max(float(row.value_mg_kg) for row in plotted)))
    high = max(high, low + 1)
    countries = sorted({row.instrument.country.local_name for row in plotted}, key=collation_key)
    position = {name: index for index, name in enumerate(countries)}

    width = LABEL_WIDTH + PLOT_WIDTH + 20
    plot_left = 20 if rtl else LABEL_WIDTH
    plot_right = plot_left + PLOT_WIDTH

    def x_of(number: float) -> float:
        share = (math.log10(number) - low) / (high - low)
        return plot_right - share * PLOT_WIDTH if rtl else plot_left + share * PLOT_WIDTH

    marks = []
    for row in plotted:
        number = float(row.value_mg_kg)
        country = row.instrument.country.local_name
        where = country
        if row.instrument.jurisdiction:
            where = _("%(country)s, %(jurisdiction)s (sub-national)") % {
                "country": country,
                "jurisdiction": row.instrument.jurisdiction,
            }
        superseded = not row.instrument.is_current
        details = [where, getattr(row, "as_written", f"{row.value_text} {row.unit_label}")]
        details += [
            f"{row.tier.local_name} ({row.tier_label})" if row.tier_label else row.tier.local_name,
            row.land_use_label or row.land_use.local_name,
            *row.words,
            row.instrument.short_name or row.instrument.title,
            row.instrument.get_status_display() if superseded else "",
        ]
        marks.append(
            Mark(
                x=round(x_of(number), 1),
                y=TOP + position[country] * ROW_HEIGHT + ROW_HEIGHT / 2,
                tier=row.tier.code,
                title=" · ".join(str(item) for item in details if item),
                superseded=superseded,
            )
        )
    by_tier: dict[str, list] = {}
    for row in plotted:
        by_tier.setdefault(row.tier.code, []).append(row)
    medians = []
    for code, members in by_tier.items():
        median = statistics.median(row.value_mg_kg for row in members)
        medians.append(
            Median(
                x=round(x_of(float(median)), 1),
                tier=code,
                title=_("Median of the %(tier)s values: %(median)s mg/kg")
                % {"tier": members[0].tier.local_name, "median": number_format(median.normalize(), use_l10n=True)},
            )
        )
    height = TOP + len(countries) * ROW_HEIGHT + BOTTOM
    return {
        "width": width,
        "height": height,
        "rtl": rtl,
        **log_axis_frame(
            plot_left=plot_left, plot_right=plot_right, height=height, low=low, high=high, x_of=x_of, rtl=rtl
        ),
        "countries": [
            {"name": name, "y": TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2 + 4} for index, name in enumerate(countries)
        ],
        "marks": marks,
        "medians": medians,
        "shapes": [{"tier": code, "path": tier_shape(code)} for code in sorted(by_tier)],
        "axis_label": _("mg/kg, logarithmic scale"),
    }


# The distribution of one tier's values (thresholds.agreement): a small histogram on a log axis.
DISTRIBUTION_WIDTH = 420
DISTRIBUTION_BAR_HEIGHT = 60
DISTRIBUTION_TOP = 10
DISTRIBUTION_SIDE = 16


def distribution_chart(item, *, rtl: bool = False) -> dict | None:
    """Geometry for templates/thresholds/_distribution_chart.html: one bar per half decade of the
    tier's values (`item`, a thresholds.agreement.TierAgreement), the 10th to 90th percentile shaded
    and the median marked. Mirrored right to left (`rtl`) as the comparison chart is."""
    if not item.bins:
        return None
    low = math.floor(math.log10(item.bins[0].low) + 1e-9)
    high = max(math.ceil(math.log10(item.bins[-1].high) - 1e-9), low + 1)
    plot_left, plot_right = DISTRIBUTION_SIDE, DISTRIBUTION_WIDTH - DISTRIBUTION_SIDE
    plot_width = plot_right - plot_left
    axis_y = DISTRIBUTION_TOP + DISTRIBUTION_BAR_HEIGHT

    def x_of(number: float) -> float:
        share = (math.log10(number) - low) / (high - low)
        return round(plot_right - share * plot_width if rtl else plot_left + share * plot_width, 1)

    tallest = max(entry.count for entry in item.bins)
    bars = []
    for entry in item.bins:
        start, end = sorted((x_of(entry.low), x_of(entry.high)))
        height = round(DISTRIBUTION_BAR_HEIGHT * entry.count / tallest, 1)
        bars.append(
            {
                "x": start + 1,
                "width": round(end - start - 2, 1),
                "y": round(axis_y - height, 1),
                "height": height,
                "title": ngettext(
                    "%(low)s to %(high)s mg/kg: %(count)s value",
                    "%(low)s to %(high)s mg/kg: %(count)s values",
                    entry.count,
                )
                % {
                    "low": number_format(significant(entry.low, 3), use_l10n=True),
                    "high": number_format(significant(entry.high, 3), use_l10n=True),
                    "count": entry.count,
                },
            }
        )
    band = sorted((x_of(item.p10), x_of(item.p90)))
    return {
        "width": DISTRIBUTION_WIDTH,
        "height": axis_y + 22,
        "top": DISTRIBUTION_TOP,
        "bar_height": DISTRIBUTION_BAR_HEIGHT,
        "axis_y": axis_y,
        "plot_left": plot_left,
        "plot_right": plot_right,
        "bars": bars,
        "band": {"x": band[0], "width": round(band[1] - band[0], 1)},
        "median": x_of(item.median),
        "ticks": [
            {"x": x_of(10**power), "label": number_format(Decimal(10) ** power, use_l10n=True)}
            for power in range(low, high + 1)
        ],
    }
