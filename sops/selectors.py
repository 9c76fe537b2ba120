"""The action plan's indicators, computed live from the data, for any date (so they have a trend)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from reference.models import Country
from sops.models import Engagement, Laboratory, Sop, SopVersion
from surveys.models import Answer, SurveyResponse
from surveys.selectors import latest_answers

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


# The versions the public may read and download; drafts and versions under review are for curators.
PUBLIC_STATUSES = (SopVersion.Status.PUBLISHED, SopVersion.Status.SUPERSEDED)


def user_sees_sop_drafts(user) -> bool:
    return bool(user and user.has_perm("sops.view_sopversion"))


def sop_versions_released() -> QuerySet[SopVersion]:
    """The versions the public may read and download."""
    return SopVersion.objects.filter(status__in=PUBLIC_STATUSES)


def sop_versions_visible_to(user) -> QuerySet[SopVersion]:
    return SopVersion.objects.all() if user_sees_sop_drafts(user) else sop_versions_released()


def sops_released() -> QuerySet[Sop]:
    """The SOPs with a published (or superseded) version: an SOP with drafts only is not public yet."""
    released = SopVersion.objects.filter(sop=OuterRef("pk"), status__in=PUBLIC_STATUSES)
    return Sop.objects.filter(Exists(released))


def sops_visible_to(user) -> QuerySet[Sop]:
    """Curators see every SOP; everyone else the released ones."""
    return Sop.objects.all() if user_sees_sop_drafts(user) else sops_released()


def version_statuses_visible_to(user) -> list[tuple[str, str]]:
    """The version statuses `user` may filter by: naming a draft status would tell which SOPs have drafts."""
    everything = user_sees_sop_drafts(user)
    return [(code, label) for code, label in SopVersion.Status.choices if everything or code in PUBLIC_STATUSES]


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


def countries_working_towards_adoption(latest: dict[int, SurveyResponse]) -> list[Country]:
    ids = [country_id for country_id, item in latest.items() if item.working_towards_adoption == Answer.YES]
    return list(Country.objects.filter(pk__in=ids).order_by("name"))


def trend_dates(today: datetime.date, quarters: int = 8) -> list[datetime.date]:
    """Quarter ends over the last two years, and today."""
    dates = []
    year, quarter = today.year, (today.month - 1) // 3
    for _ in range(quarters):
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
    adopting = countries_working_towards_adoption(answers[today])
    members = Country.objects.filter(un_member=True).count()
    return [
        Kpi(
            "sop_awareness",
            "Laboratories working with the GSP aware of how to use the harmonised SOPs",
            _share(aware, labs),
            80,
            "%",
            aware,
            labs,
            "Laboratories marked as working with the GSP that have, by the date, any engagement with an SOP at "
            "'aware' or above (aware, implemented, proficiency test, developed), from surveys, trainings "
            "or curators, divided by all those laboratories.",
            [(day, _share(*sop_awareness(day))) for day in dates],
        ),
        Kpi(
            "regions_developing",
            "Regions with at least one laboratory involved in developing harmonised SOPs",
            len(regions),
            len(REGIONS),
            "",
            len(regions),
            len(REGIONS),
            "UN M49 regions (Africa, Americas, Asia, Europe, Oceania) with a laboratory recorded as involved "
            "in developing an SOP by the date.",
            [(day, len(regions_developing(day))) for day in dates],
            detail=[f"missing: {', '.join(sorted(set(REGIONS) - set(regions))) or 'none'}"],
        ),
        Kpi(
            "countries_in_discussions",
            "Countries involved in the discussions on threshold values",
            _share(len(discussing), members),
            50,
            "%",
            len(discussing),
            members,
            "Countries whose latest submitted survey response says they take part in the international "
            "discussions on soil-pollutant thresholds, divided by the UN member states.",
            [(day, _share(len(countries_in_discussions(answers[day])), members)) for day in dates],
            detail=[country.name for country in discussing],
        ),
        Kpi(
            "countries_working_towards_adoption",
            "Countries working towards adopting threshold values in national regulation",
            len(adopting),
            1,
            "",
            len(adopting),
            None,
            "Countries whose latest submitted survey response says they are working towards adopting (more) "
            "threshold values.",
            [(day, len(countries_working_towards_adoption(answers[day]))) for day in dates],
            detail=[country.name for country in adopting],
        ),
    ]


def measuring_sops() -> tuple[dict[int, str], set[int]]:
    """What the SOPs with a published version measure: (extraction method id -> an SOP's code,
    ids of the pollutants some SOP covers). Read once per page or value; the API's lists keep it
    under the data's last change (thresholds.selectors.list_lookups)."""
    from sops.models import Sop

    published = Sop.objects.filter(versions__status="published")
    by_extraction: dict[int, str] = {}
    for extraction_id, code in (
        published.filter(extraction__isnull=False).order_by("code").values_list("extraction_id", "code")
    ):
        by_extraction.setdefault(extraction_id, code)
    pollutants = set(published.values_list("pollutants", flat=True)) - {None}
    return by_extraction, pollutants


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
