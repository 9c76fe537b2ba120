"""Pages that read several apps: the home page (headline and world map), the action plan's indicators,
the survey's public aggregate."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language_bidi

from indicators.charts import trend_chart
from indicators.selectors import countries_on_the_map, database_coverage, kpis, portal_headline
from indicators.worldmap import HEIGHT, WIDTH, world_shapes
from surveys.selectors import current_edition, survey_progress
from thresholds.filters import includes_superseded, superseded_switch
from thresholds.selectors import countries_with_coverage, recent_values
from thresholds.wording import values_in_words


def home(request):
    current = not includes_superseded(request.GET)
    countries = countries_on_the_map(request.user, current=current)
    by_numeric = {country.numeric: country for country in countries if country.numeric}
    shapes = [(shape, by_numeric.get(shape.numeric)) for shape in world_shapes()]
    return render(
        request,
        "indicators/home.html",
        {
            "headline": portal_headline(countries, request.user, current=current),
            **superseded_switch(request.GET),
            "shapes": shapes,
            "map_width": WIDTH,
            "map_height": HEIGHT,
            # The map's table: countries with values of their own or of a body they belong to (the EU).
            "covered": [
                country
                for country in countries
                if country.coverage["values"] or country.coverage["supranational_values"]
            ],
            "recent": values_in_words(recent_values(request.user, current=current)),
        },
    )


def kpi_dashboard(request):
    indicators = kpis()
    for kpi in indicators:
        kpi.chart = trend_chart(kpi, rtl=get_language_bidi())
    return render(
        request,
        "indicators/kpis.html",
        {
            "kpis": indicators,
            "coverage": database_coverage(
                countries_with_coverage(request.user, current=not includes_superseded(request.GET))
            ),
            **superseded_switch(request.GET),
        },
    )


def kpi_csv(request, code: str):
    kpi = next((item for item in kpis() if item.code == code), None)
    if kpi is None:
        raise Http404
    reply = HttpResponse(content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="insop-kpi-{code}.csv"'
    writer = csv.writer(reply)
    writer.writerow(["indicator", "date", "value", "unit", "target"])
    for day, value in kpi.trend:
        writer.writerow([kpi.code, day.isoformat(), value, kpi.unit, kpi.target])
    return reply


def survey_results(request):
    """The public aggregate: no response's content, only the indicators."""
    edition = current_edition()
    return render(
        request, "indicators/survey_results.html", {"progress": survey_progress(edition) if edition else None}
    )
