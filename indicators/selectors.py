"""The indicators: figures that read several apps (values, SOPs, survey answers). Nothing below this
floor reads them; the action plan's KPIs are computed live from the data for any date, so each has a
trend."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from core.conditional import last_changed
from reference.localisation import translated_name
from reference.models import Country, Pollutant
from sops.models import Engagement, Laboratory
from surveys.models import Answer, SurveyResponse
from surveys.selectors import (
    countries_named,
    countries_reporting_no_thresholds,
    countries_working_towards_adoption,
    latest_answers,
)
from thresholds.selectors import DATA_CHANGES, countries_with_coverage, thresholds_visible_to

REGIONS = [region for region, _label in Country.M49Region.choices]


@dataclass
class Kpi:
    code: str
    title: str
    value: float
    target: float
    unit: str  # "%" or "" (a count)
    numerator: int
    denominator: int | None
    how: str
    trend: list[tuple[datetime.date, float]] = field(default_factory=list)
    detail: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.value >= self.target


# ---- the home page: headline and world map -------------------------------------------------------


def map_coverage_class(coverage: dict, *, survey_says_none: bool = False) -> str:
    """How a country is coloured on the map (thresholds.selectors.country_coverage's `coverage`).

    With national values: which of the action plan's first priorities (heavy metals, pesticides) its
    own values cover. With values of its own that are all sub-national or municipal: "subnational".
    With none of its own but those of a supranational body it belongs to (the EU's): "supranational".
    Without any: whether its focal points reported in the survey that it has none."""
    values_by_group = coverage["values_by_group"]
    if coverage.get("national_values"):
        metals = bool(values_by_group.get(Pollutant.Group.METAL))
        pesticides = bool(values_by_group.get(Pollutant.Group.PESTICIDE))
        if metals and pesticides:
            return "both"
        if metals or pesticides:
            return "metals" if metals else "pesticides"
        return "other"
    if coverage["values"]:
        return "subnational"
    if coverage.get("supranational_values"):
        return "supranational"
    return "survey-none" if survey_says_none else "none"


def countries_on_the_map(user, *, current: bool = True) -> list[Country]:
    """Every country with its `coverage` (of instruments in force only when `current`, the default)
    and `map_class` (map_coverage_class)."""
    countries = countries_with_coverage(user, current=current)
    reporting_none = countries_reporting_no_thresholds()
    for country in countries:
        country.map_class = map_coverage_class(country.coverage, survey_says_none=country.id in reporting_none)
    return countries


def portal_headline(countries: list[Country], user, *, current: bool = True) -> dict:
    """The home page's figures, from the countries' cached coverage rather than counts over every
    value (an instrument belongs to one country, so the per-country counts add up: a supranational
    body's values count once, as its own, never again for its members); `current` as the countries'
    coverage was counted."""
    covered = [country.coverage for country in countries if country.coverage["values"]]
    visible = thresholds_visible_to(user).filter(pollutant=OuterRef("pk"))
    if current:
        visible = visible.current()
    return {
        "countries": len(covered),
        "values": sum(coverage["values"] for coverage in covered),
        "instruments": sum(coverage["instruments"] for coverage in covered),
        # One index probe per pollutant, not a scan of the values.
        "pollutants": Pollutant.objects.filter(Exists(visible)).count(),
        "last_update": last_changed(DATA_CHANGES),
    }


# ---- the action plan's KPIs ----------------------------------------------------------------------


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def sop_awareness(as_of: datetime.date) -> tuple[int, int]:
    """(laboratories working with the GSP aware of how to use the SOPs, all such laboratories)."""
    laboratories = Laboratory.objects.filter(works_with_gsp=True)
    aware = laboratories.filter(engagements__level__in=Engagement.AWARE_LEVELS, engagements__date__lte=as_of).distinct()
    return aware.count(), laboratories.count()


def regions_developing(as_of: datetime.date) -> list[str]:
    """The UN M49 regions with at least one laboratory involved in developing an SOP."""
    involved = Laboratory.objects.filter(
        engagements__level=Engagement.Level.DEVELOPED, engagements__date__lte=as_of
    ).values_list("country__m49_region", flat=True)
    return sorted({region for region in involved if region})


def countries_in_discussions(latest: dict[int, SurveyResponse]) -> list[Country]:
    """Countries whose latest response (see surveys.selectors.latest_answers) says they take part in
    the international discussions on thresholds."""
    ids = [country_id for country_id, item in latest.items() if item.in_international_discussions == Answer.YES]
    return list(Country.objects.filter(pk__in=ids).order_by("name"))


def trend_dates(today: datetime.date, quarters: int = 8) -> list[datetime.date]:
    """Quarter ends over the last two years, and today."""
    dates = []
    year, quarter = today.year, (today.month - 1) // 3
    for _quarter in range(quarters):
        if quarter == 0:
            year, quarter = year - 1, 4
        month = quarter * 3
        end = datetime.date(year, month, 1) + datetime.timedelta(days=31)
        dates.append(end.replace(day=1) - datetime.timedelta(days=1))
        quarter -= 1
    return sorted(dates) + [today]


def kpis(*, today: datetime.date | None = None) -> list[Kpi]:
    """The four indicators of the INSOP action plan, each with its trend."""
    today = today or timezone.localdate()
    dates = trend_dates(today)

    answers = {day: latest_answers(day) for day in dates}  # one read of the responses per date
    aware, labs = sop_awareness(today)
    regions = regions_developing(today)
    discussing = countries_in_discussions(answers[today])
    adopting = countries_named(countries_working_towards_adoption(answers[today]))
    members = Country.objects.filter(un_member=True).count()
    return [
        Kpi(
            "sop_awareness",
            _("Laboratories working with the GSP aware of how to use the harmonised SOPs"),
            _share(aware, labs),
            80,
            "%",
            aware,
            labs,
            _(
                "Laboratories marked as working with the GSP that have, by the date, any engagement with an SOP "
                "at 'aware' or above (aware, implemented, proficiency test, developed), from surveys, trainings "
                "or curators, divided by all those laboratories."
            ),
            [(day, _share(*sop_awareness(day))) for day in dates],
        ),
        Kpi(
            "regions_developing",
            _("Regions with at least one laboratory involved in developing harmonised SOPs"),
            len(regions),
            len(REGIONS),
            "",
            len(regions),
            len(REGIONS),
            _(
                "UN M49 regions (Africa, Americas, Asia, Europe, Oceania) with a laboratory recorded as involved "
                "in developing an SOP by the date."
            ),
            [(day, len(regions_developing(day))) for day in dates],
            detail=[
                _("missing: %(regions)s")
                % {"regions": ", ".join(translated_name(region) for region in sorted(set(REGIONS) - set(regions)))}
                if set(REGIONS) - set(regions)
                else _("missing: none")
            ],
        ),
        Kpi(
            "countries_in_discussions",
            _("Countries involved in the discussions on threshold values"),
            _share(len(discussing), members),
            50,
            "%",
            len(discussing),
            members,
            _(
                "Countries whose latest submitted survey response says they take part in the international "
                "discussions on soil-pollutant thresholds, divided by the UN member states."
            ),
            [(day, _share(len(countries_in_discussions(answers[day])), members)) for day in dates],
            detail=[country.local_name for country in discussing],
        ),
        Kpi(
            "countries_working_towards_adoption",
            _("Countries working towards adopting threshold values in national regulation"),
            len(adopting),
            1,
            "",
            len(adopting),
            None,
            _(
                "Countries whose latest submitted survey response says they are working towards adopting (more) "
                "threshold values."
            ),
            [(day, len(countries_working_towards_adoption(answers[day]))) for day in dates],
            detail=[country.local_name for country in adopting],
        ),
    ]


def database_coverage(countries) -> dict:
    """What the threshold database covers, from countries carrying their cached `coverage`:
    countries with heavy-metal values, with pesticide values, and values per region."""
    with_values = [country for country in countries if country.coverage["values"]]
    by_region: dict[str, dict[str, int]] = {}
    for country in with_values:
        entry = by_region.setdefault(country.m49_region or "", {"countries": 0, "values": 0})
        entry["countries"] += 1
        entry["values"] += country.coverage["values"]
    groups = [country.coverage["values_by_group"] for country in with_values]
    return {
        "countries": len(with_values),
        "metals": sum(1 for group in groups if group.get("metal")),
        "pesticides": sum(1 for group in groups if group.get("pesticide")),
        "by_region": sorted(by_region.items()),
    }
