"""A small line chart (SVG geometry) of an indicator's trend, drawn on the server.

Coordinates are numbers for the SVG (the template writes them with `unlocalize`, never with the
visitor's decimal comma); the dates and values people read are text in the visitor's locale. Right to
left (Arabic), time runs from right to left, as its readers expect."""

from __future__ import annotations

from django.utils.formats import date_format, number_format

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 360, 140, 36, 24, 10


def trend_chart(kpi, *, rtl: bool = False) -> dict:
    values = [value for _day, value in kpi.trend]
    top = max([*values, kpi.target, 1])
    step = (WIDTH - LEFT - 10) / max(len(values) - 1, 1)
    # The plot between `start` (the first date) and `end` (the last): mirrored right to left.
    start, end = (WIDTH - LEFT, 10) if rtl else (LEFT, WIDTH - 10)
    direction = -1 if rtl else 1

    def y(value: float) -> float:
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top), 1)

    points = [(round(start + direction * index * step, 1), y(value)) for index, value in enumerate(values)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "points": " ".join(f"{x:g},{y_:g}" for x, y_ in points),
        "dots": [
            {"x": x, "y": y_, "label": f"{date_format(day)}: {number_format(value, use_l10n=True)}{kpi.unit}"}
            for (x, y_), (day, value) in zip(points, kpi.trend, strict=True)
        ],
        "target_y": y(kpi.target),
        "left": min(start, end),
        "right": max(start, end),
        "start": start,
        "end": end,
        "axis_y": HEIGHT - BOTTOM,
        "first": date_format(kpi.trend[0][0]) if kpi.trend else None,
        "last": date_format(kpi.trend[-1][0]) if kpi.trend else None,
        "top": top,
    }
