"""A small line chart (SVG geometry) of an indicator's trend, drawn on the server."""

from __future__ import annotations

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 360, 140, 36, 24, 10


def trend_chart(kpi) -> dict:
    values = [value for _day, value in kpi.trend]
    top = max([*values, kpi.target, 1])
    step = (WIDTH - LEFT - 10) / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top), 1)

    points = [(round(LEFT + index * step, 1), y(value)) for index, value in enumerate(values)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "points": " ".join(f"{x},{y_}" for x, y_ in points),
        "dots": [
            {"x": x, "y": y_, "label": f"{day}: {value}{kpi.unit}"}
            for (x, y_), (day, value) in zip(points, kpi.trend, strict=True)
        ],
        "target_y": y(kpi.target),
        "left": LEFT,
        "right": WIDTH - 10,
        "axis_y": HEIGHT - BOTTOM,
        "first": kpi.trend[0][0] if kpi.trend else None,
        "last": kpi.trend[-1][0] if kpi.trend else None,
        "top": top,
    }
