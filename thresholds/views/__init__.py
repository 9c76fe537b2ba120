"""The public pages: home with the world map, countries, pollutant comparisons, instruments, search.

Every filter is a query parameter with the same name as in the API, so a page's address is its
permalink and its downloads are the API's CSV and XLSX of exactly the same filters.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _

from core.conditional import last_changed
from core.filters import StrictBooleanField
from core.throttling import throttled_for_anonymous
from reference.localisation import collation_key
from reference.models import Country, ExtractionMethod, LandUseClass, Pollutant, Tier
from reference.selectors import countries_matching_text
from thresholds.agreement import span_in_words, world_agreement
from thresholds.charts import comparison_chart, distribution_chart
from thresholds.checking import with_soil_corrections
from thresholds.comparison import comparison_summary
from thresholds.filters import (
    ANY_LAND_USE,
    INCLUDE_SUPERSEDED,
    CodeListFilter,
    ThresholdFilter,
    includes_superseded,
    superseded_switch,
)
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.samples import column_labels, read_site
from thresholds.selectors import (
    DATA_CHANGES,
    MAX_SEARCH_CHARACTERS,
    MAX_SEARCH_WORDS,
    SearchTooLong,
    countries_with_coverage,
    country_instruments,
    country_values,
    counts_by,
    instruments_matching_text,
    instruments_with_lineage,
    kept_until_changed,
    pollutants_matching_text,
    search_words,
    thresholds_matching_text,
    thresholds_visible_to,
    user_sees_drafts,
    verification_counts,
)
from thresholds.wording import values_in_words

# A hundred rows a page: a country with thousands of values stays quick to render and to read.
ROWS_PER_PAGE = 100
# What a page takes besides the API's filters (thresholds.filters.ThresholdFilter, the same names):
# its order and page, the switch that brings superseded and repealed instruments' values in, and the
# narrowing of land use and texture to values set specifically for them.
PAGE_PARAMETERS = ("sort", "page", INCLUDE_SUPERSEDED, "specific_land_use")
# Set by the pages themselves (from the form's checkboxes), not given as parameters.
SET_BY_THE_PAGE = ("include_any_land_use",)
# Filters whose parameter may be repeated (?tier=trigger&tier=action) as well as comma-separated.
REPEATABLE = {name for name, item in ThresholdFilter.base_filters.items() if isinstance(item, CodeListFilter)}
SORTS = {
    "": ("pollutant__group", "land_use__sort_order", "pollutant__name", "tier__sort_order", "value_mg_kg"),
    "pollutant": ("pollutant__name", "land_use__sort_order", "tier__sort_order"),
    "value": ("value_mg_kg", "pollutant__name"),
    "-value": ("-value_mg_kg", "pollutant__name"),
    "land_use": ("land_use__sort_order", "pollutant__name", "tier__sort_order"),
    "tier": ("tier__sort_order", "pollutant__name", "land_use__sort_order"),
    "country": ("instrument__country__name", "land_use__sort_order", "tier__sort_order"),
}


def country_list(request):
    countries = countries_with_coverage(request.user, current=not includes_superseded(request.GET))
    regions: dict[str, list[Country]] = {}
    for country in sorted(countries, key=lambda country: collation_key(country.local_name)):
        regions.setdefault(country.m49_region or "", []).append(country)
    summary = [
        (region, members, sum(1 for country in members if country.coverage["values"]))
        for region, members in regions.items()
    ]
    return render(request, "thresholds/country_list.html", {"regions": summary, **superseded_switch(request.GET)})


def country_detail(request, iso3: str):
    country = get_object_or_404(Country, iso3=iso3.upper())
    values = country_values(country, request.user)
    try:
        filterset, values = _filtered(request, values, fixed=("country",))
    except UnknownParameters as refused:
        return _refused(request, refused)
    page = Paginator(values, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    instruments, supranational_instruments = country_instruments(country, request.user)
    # The page shows the values of the bodies the country belongs to as well: its downloads ask for them.
    bodies = sorted({instrument.country.iso3 for instrument in supranational_instruments})
    downloads = _downloads(
        {"country": ",".join([country.iso3, *bodies]), **_active_filters(filterset)}, count=page.paginator.count
    )
    return _render_filtered(
        request,
        "thresholds/country_detail.html",
        filterset,
        {
            "country": country,
            "instruments": instruments,
            "supranational_instruments": supranational_instruments,
            "verification": verification_counts(values),
            "filterset": filterset,
            **_filter_choices(filterset, fixed=("country",)),
            "page": page,
            "values": with_soil_corrections(values_in_words(page.object_list)),
            "downloads": downloads,
            "sort": request.GET.get("sort", ""),
            "query": _query_without(request, "sort", "page"),
            "page_query": _query_without(request, "page"),
        },
    )


def pollutant_list(request):
    values, selection = thresholds_visible_to(request.user), INCLUDE_SUPERSEDED
    if not includes_superseded(request.GET):
        values, selection = values.current(), "current"
    counts = counts_by(values, "pollutant_id", user=request.user, selection=selection, stamp=last_changed(DATA_CHANGES))
    pollutants = [pollutant for pollutant in Pollutant.objects.order_by("group", "name") if counts.get(pollutant.id)]
    # In the reader's alphabet within each group (the template groups them by `group`).
    pollutants.sort(key=lambda pollutant: (pollutant.group, collation_key(pollutant.local_name)))
    for pollutant in pollutants:
        pollutant.value_count = counts[pollutant.id]
    return render(
        request, "thresholds/pollutant_list.html", {"pollutants": pollutants, **superseded_switch(request.GET)}
    )


@throttled_for_anonymous
def pollutant_detail(request, slug: str):
    pollutant = get_object_or_404(Pollutant, slug=slug)
    values = thresholds_visible_to(request.user).filter(pollutant=pollutant).select_related("unit")
    try:
        filterset, values = _filtered(request, values, fixed=("pollutant",), default_sort="country")
    except UnknownParameters as refused:
        return _refused(request, refused)
    page = Paginator(values, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    # The chart and the summary read every value of the comparison (thousands for a common metal on
    # a large database): drawn once per data change, language, reader scope and filters.
    selection = urlencode(sorted(_active_filters(filterset).items()))
    scope = "all" if user_sees_drafts(request.user) else "public"
    stamp = last_changed(DATA_CHANGES)
    comparison = kept_until_changed(
        f"thresholds:comparison:{pollutant.pk}:{scope}:{get_language()}:{selection}",
        lambda: _comparison(values),
        stamp=stamp,
    )
    # How far apart the world's values are: over the values in force whatever the other filters,
    # of the land use chosen when there is one.
    asked = [code.strip() for item in filterset.data.get("land_use") or [] for code in item.split(",")]
    chosen = [code for code in asked if code and code != ANY_LAND_USE]
    land_use = chosen[0] if len(chosen) == 1 and not filterset.errors else ""
    readable = thresholds_visible_to(request.user).filter(pollutant=pollutant)
    agreement = kept_until_changed(
        f"thresholds:agreement:{pollutant.pk}:{scope}:{get_language()}:{land_use}",
        lambda: _agreement(readable, land_use=land_use),
        stamp=stamp,
    )
    return _render_filtered(
        request,
        "thresholds/pollutant_detail.html",
        filterset,
        {
            "pollutant": pollutant,
            "filterset": filterset,
            **_filter_choices(filterset, fixed=("pollutant",)),
            "superseded_included": includes_superseded(request.GET),
            "page": page,
            "values": with_soil_corrections(values_in_words(page.object_list)),
            **comparison,
            **agreement,
            "downloads": _downloads(
                {"pollutant": pollutant.id, **_active_filters(filterset)}, count=page.paginator.count
            ),
            "sort": request.GET.get("sort", "country"),
            "query": _query_without(request, "sort", "page"),
            "page_query": _query_without(request, "page"),
        },
    )


def _comparison(values) -> dict:
    rows = values_in_words(values)
    return {"chart": comparison_chart(rows, rtl=get_language_bidi()), "summary": comparison_summary(rows)}


def _agreement(values, *, land_use: str) -> dict:
    """The pollutant page's "how far apart the world's values are": each tier with its distribution
    chart and its span in words."""
    found = world_agreement(values, land_use=land_use, lineage=True)
    rtl = get_language_bidi()
    return {
        "agreement": [
            {"figures": item, "chart": distribution_chart(item, rtl=rtl), "span": span_in_words(item)}
            for item in found.tiers
        ],
        "agreement_left_out": found.left_out,
        "agreement_land_use": LandUseClass.objects.filter(code=land_use).first() if land_use else None,
    }


def instrument_detail(request, pk: int):
    instrument = get_object_or_404(instruments_with_lineage(request.user), pk=pk)
    values = thresholds_visible_to(request.user).filter(instrument=instrument).select_related("unit")
    page = Paginator(values.order_by(*SORTS[""]), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    soil, soil_problems = _soil_asked(request)
    rows = with_soil_corrections(
        values_in_words(page.object_list), clay=soil.get("clay"), organic_matter=soil.get("toc")
    )
    corrections = list(instrument.soil_corrections.select_related("pollutant").order_by("pollutant__name"))
    return render(
        request,
        "thresholds/instrument_detail.html",
        {
            "instrument": instrument,
            "page": page,
            "page_query": _query_without(request, "page"),
            "values": rows,
            "downloads": _downloads({"instrument": instrument.pk}, count=page.paginator.count),
            "corrections": corrections,
            "soil": {name: request.GET.get(name, "") for name in ("clay", "organic_matter")},
            "soil_problems": soil_problems,
        },
        status=400 if soil_problems else 200,
    )


def _soil_asked(request) -> tuple[dict, list[str]]:
    """The clay and organic matter a reader gives to see an instrument's values corrected for their
    soil, read by the check's rules (thresholds.samples.read_site), with what could not be read."""
    problems: list[str] = []
    labels = column_labels()

    def problem(column: str, message: str) -> None:
        problems.append(f"{labels.get(column, column)}: {message}")

    cells = {name: request.GET.get(name, "") for name in ("clay", "organic_matter")}
    site = read_site(cells, problem=problem, matcher=None)
    return {"clay": site.clay, "toc": site.toc}, problems


@throttled_for_anonymous
def search(request):
    text = request.GET.get("q", "").strip()
    try:
        search_words(text)
    except SearchTooLong:
        return _search_refused(request, text)
    values = thresholds_visible_to(request.user)
    if text:
        values = thresholds_matching_text(values, text)
    try:
        filterset, values = _filtered(request, values, extra=("q",))
    except UnknownParameters as refused:
        return _refused(request, refused)
    # Counting every matching value per facet takes a quarter of a second each on a million values:
    # the counts are kept until the data changes, per reader scope and search (the parameters the
    # page reads, so that junk parameters do not make new entries).
    searched, stamp = urlencode(sorted({"q": text, **_active_filters(filterset)}.items())), last_changed(DATA_CHANGES)

    def facet(name: str, field: str, labels: dict) -> list[dict]:
        counts = counts_by(values, field, user=request.user, selection=searched, stamp=stamp)
        return _facet(request, counts, name, labels)

    facets = [
        (_("Region"), facet("region", "instrument__country__m49_region", dict(Country.M49Region.choices))),
        (_("Pollutant group"), facet("group", "pollutant__group", dict(Pollutant.Group.choices))),
        (_("Land use"), facet("land_use", "land_use__code", _names(LandUseClass))),
        (_("Tier"), facet("tier", "tier__code", _names(Tier))),
    ]
    countries = pollutants = instruments = []
    if text:
        countries = countries_matching_text(text)[:20]
        pollutants = pollutants_matching_text(text)[:20]
        instruments = instruments_matching_text(text, request.user)[:20]
    page = Paginator(values.order_by(*SORTS["country"]), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return _render_filtered(
        request,
        "thresholds/search.html",
        filterset,
        {
            "q": text,
            "filterset": filterset,
            **_filter_choices(filterset),
            "facets": facets,
            "countries": countries,
            "pollutants": pollutants,
            "instruments": instruments,
            "page": page,
            "values": with_soil_corrections(values_in_words(page.object_list)),
            "downloads": _downloads(
                {"q": text, **_active_filters(filterset)} if text else _active_filters(filterset),
                count=page.paginator.count,
            ),
            "page_query": _query_without(request, "page"),
            "facet_base": request.GET,
        },
    )


def _search_refused(request, text: str):
    """A search longer than any real one: refused before any query, the box keeping what fits."""
    message = _(
        "Search for at most %(words)s different words (%(characters)s characters); shorten the search and try again."
    ) % {"words": MAX_SEARCH_WORDS, "characters": MAX_SEARCH_CHARACTERS}
    return render(
        request,
        "thresholds/search.html",
        {"q": text[:MAX_SEARCH_CHARACTERS], "search_error": message, "facet_base": {}},
        status=400,
    )


# ---- helpers -----------------------------------------------------------------------------------


class UnknownParameters(ValueError):
    """A page's query names a parameter the page does not take; the message lists those it does."""


def _filtered(request, values, *, fixed: tuple[str, ...] = (), default_sort: str = "", extra: tuple[str, ...] = ()):
    """The API's filters on a page: the same names, checks and messages. `fixed` are set by the page
    itself (a country page's country); `extra` are the page's own parameters (the search's q).

    Values of superseded and repealed instruments stay out unless the visitor switches them on
    (INCLUDE_SUPERSEDED) or asks for an instrument status; the download links say so (current=true).
    A parameter the page does not take is UnknownParameters (the view answers 400)."""
    names = [name for name in ThresholdFilter.base_filters if name not in (*fixed, *SET_BY_THE_PAGE)]
    unknown = sorted(set(request.GET) - {*names, *PAGE_PARAMETERS, *extra})
    if unknown:
        raise UnknownParameters(
            _("Unknown parameter(s) %(unknown)s: this page takes %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(sorted({*names, *PAGE_PARAMETERS, *extra}))}
        )
    data = {
        name: request.GET.getlist(name) if name in REPEATABLE else request.GET.get(name)
        for name in names
        if request.GET.get(name)
    }
    if not includes_superseded(request.GET) and not data.get("instrument_status") and "current" not in data:
        data["current"] = "true"
    # A value set for any land use applies to the one chosen too: shown unless the visitor asks for
    # values set specifically for it.
    if data.get("land_use") and ANY_LAND_USE not in data["land_use"] and not request.GET.get("specific_land_use"):
        data["include_any_land_use"] = "true"
    filterset = ThresholdFilter(data, queryset=values)
    for name in list(filterset.filters):
        if name not in (*names, *SET_BY_THE_PAGE):
            del filterset.filters[name]
    if not filterset.is_valid():
        return filterset, values.none()
    sort = SORTS.get(request.GET.get("sort", default_sort), SORTS[default_sort])
    return filterset, filterset.qs.order_by(*sort)


def _render_filtered(request, template: str, filterset, context: dict):
    """A page of filtered values: 400 when a filter could not be used (the form says which and why)."""
    return render(request, template, context, status=400 if filterset.errors else 200)


def _refused(request, refused: UnknownParameters):
    """A page asked with a parameter it does not take: 400, naming the parameters it takes."""
    return render(
        request, "thresholds/unknown_parameters.html", {"message": str(refused), "path": request.path}, status=400
    )


def _active_filters(filterset) -> dict:
    if not filterset.is_valid():
        return {}
    active = {}
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", []):
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        active[name] = ",".join(value) if isinstance(value, list) else value
    return active


def _downloads(params: dict, *, count: int) -> dict[str, str]:
    """The API's CSV and XLSX of the same filters; no XLSX link for more values than it may hold."""
    base = reverse("threshold-list")
    links = {export: f"{base}?{urlencode({**params, 'format': export})}" for export in ("csv", "xlsx")}
    if count > settings.EXPORT_XLSX_MAX_ROWS:
        del links["xlsx"]
    return links


def _facet(request, counts: dict[str, int], name: str, labels: dict) -> list[dict]:
    """A facet's entries with their counts; each links to the same search with that filter set (or
    removed, when it is already set)."""
    current = request.GET.get(name)
    entries = []
    for code, count in sorted(counts.items(), key=lambda item: -item[1]):
        if not code:
            continue
        query = request.GET.copy()
        query.pop("page", None)
        if code == current:
            query.pop(name)
        else:
            query[name] = code
        entries.append(
            {"label": labels.get(code, code), "count": count, "active": code == current, "query": query.urlencode()}
        )
    return entries


def _names(model) -> dict[str, str]:
    return {entry.code: entry.local_name for entry in model.objects.all()}


# What the filter form calls each filter, for its messages (the parameter names are the API's).
def _filter_labels() -> dict[str, str]:
    return {
        "country": _("Countries"),
        "region": _("Region"),
        "pollutant": _("Pollutant"),
        "group": _("Pollutant group"),
        "pop": _("Stockholm Convention POP"),
        "hhp": _("Highly Hazardous Pesticide"),
        "land_use": _("Land use"),
        "tier": _("Tier"),
        "basis": _("Protects"),
        "instrument": _("Instrument"),
        "instrument_status": _("Instrument status"),
        "current": _("Instrument status"),
        "value_mg_kg_min": _("Value from (mg/kg)"),
        "value_mg_kg_max": _("Value up to (mg/kg)"),
        "year_min": _("Instrument year from"),
        "year_max": _("Instrument year up to"),
        "ph": _("Soil pH"),
        "texture": _("Soil texture"),
        "specific_texture": _("Soil texture"),
        "extraction": _("Extraction method"),
        "updated_since": _("Changed since"),
        "q": _("Search"),
        "include_any_land_use": _("Land use"),
    }


# Filters in the form's "More filters" part: it opens when one of them is set.
MORE_FILTERS = ("region", "extraction", "basis", "year_min", "year_max", "pop", "hhp", "updated_since")


def _filter_choices(filterset, *, fixed: tuple[str, ...] = ()) -> dict:
    """What the filter form offers, what is selected, and the filters that could not be used."""
    data = filterset.data
    selected = {
        name: ",".join(item) if isinstance(item, list) else item
        for name, item in data.items()
        if name not in ("land_use", "tier", "extraction")
    }
    labels = _filter_labels()
    return {
        "fixed": fixed,
        "land_uses": LandUseClass.objects.all(),
        "tiers": Tier.objects.all(),
        "extractions": ExtractionMethod.objects.all(),
        "groups": Pollutant.Group.choices,
        "textures": ThresholdValue.Texture.choices,
        "instrument_statuses": LegalInstrument.Status.choices,
        "bases": ThresholdValue.Basis.choices,
        "regions": Country.M49Region.choices,
        "filter_errors": [(labels.get(name, name), messages) for name, messages in filterset.errors.items()],
        "selected": {
            **selected,
            "land_use": data.get("land_use") or [],
            "tier": data.get("tier") or [],
            "extraction": data.get("extraction") or [],
            "specific_land_use": bool(data.get("land_use")) and not data.get("include_any_land_use"),
            "specific_texture": StrictBooleanField.WORDS.get(str(data.get("specific_texture", "")).lower(), False),
            "include_superseded": data.get("current") != "true" and not data.get("instrument_status"),
            "more": any(data.get(name) for name in MORE_FILTERS),
        },
    }


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
