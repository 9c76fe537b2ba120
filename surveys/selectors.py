"""Reads of survey data. Every page, download and API list starts from responses_visible_to, so a
focal point never sees another country's response, not even in a list."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.roles import is_curator
from reference.models import Country
from surveys.models import Answer, ResponseValue, SurveyEdition, SurveyResponse


def responses_visible_to(user) -> QuerySet[SurveyResponse]:
    responses = SurveyResponse.objects.select_related("edition", "country", "updated_by")
    if is_curator(user):
        return responses
    focal_point = getattr(user, "focal_point", None) if user.is_authenticated else None
    if focal_point is None:
        return responses.none()
    return responses.filter(country_id=focal_point.country_id)


def current_edition() -> SurveyEdition | None:
    """The newest edition; the survey pages work on it."""
    return SurveyEdition.objects.order_by("-year").first()


def survey_progress(edition: SurveyEdition) -> dict:
    """The action plan's indicators for an edition: responses started (saved at least once, not only
    opened) by status and region, the share of countries that responded; and, from each country's
    latest answer in any edition (as the KPIs and the map read them), who works towards adopting
    thresholds and who reports none."""
    responses = SurveyResponse.objects.filter(edition=edition).started().select_related("country")
    countries = Country.objects.filter(kind=Country.Kind.COUNTRY, un_member=True).count()
    answered = responses.exclude(status=SurveyResponse.Status.DRAFT)
    answered_count = answered.count()
    latest = latest_answers(timezone.localdate())
    by_region = (
        responses.values("country__m49_region")
        .annotate(
            total=Count("id"),
            answered=Count("id", filter=~Q(status=SurveyResponse.Status.DRAFT)),
            accepted=Count("id", filter=Q(status=SurveyResponse.Status.ACCEPTED)),
        )
        .order_by("country__m49_region")
    )
    by_status = dict(responses.values_list("status").annotate(count=Count("id")))
    return {
        "edition": edition,
        "un_members": countries,
        "answered": answered_count,
        "share": round(100 * answered_count / countries, 1) if countries else 0,
        "by_status": [(label, by_status.get(code, 0)) for code, label in SurveyResponse.Status.choices],
        "by_region": list(by_region),
        "working_towards_adoption": countries_named(countries_working_towards_adoption(latest)),
        "no_thresholds": countries_named(countries_reporting_no_thresholds(latest)),
    }


def latest_answers(as_of: datetime.date | None = None) -> dict[int, SurveyResponse]:
    """Each country's most recent response submitted by `as_of` (default: now), by country id.
    Drafts say nothing yet; a later edition's answer replaces an earlier one."""
    answered = SurveyResponse.objects.exclude(status=SurveyResponse.Status.DRAFT)
    if as_of is not None:
        answered = answered.filter(
            submitted_at__lte=datetime.datetime.combine(as_of, datetime.time.max, tzinfo=datetime.UTC)
        )
    return {response.country_id: response for response in answered.order_by("edition__year", "submitted_at")}


# What the survey says about a country is what its latest answer says (latest_answers): the map, the
# KPIs and /survey/results/ read these two, so they cannot disagree.


def countries_reporting_no_thresholds(latest: dict[int, SurveyResponse] | None = None) -> set[int]:
    """Ids of the countries whose latest answer (default: latest_answers()) says they have no threshold
    values (the map's "survey says none")."""
    latest = latest_answers() if latest is None else latest
    return {country_id for country_id, item in latest.items() if item.situation == SurveyResponse.Situation.NONE}


def countries_working_towards_adoption(latest: dict[int, SurveyResponse] | None = None) -> set[int]:
    """Ids of the countries whose latest answer (default: latest_answers()) says they are working
    towards adopting (more) threshold values."""
    latest = latest_answers() if latest is None else latest
    return {country_id for country_id, item in latest.items() if item.working_towards_adoption == Answer.YES}


def countries_named(ids: set[int]) -> list[Country]:
    return list(Country.objects.filter(pk__in=ids).order_by("name"))


def section_answered(response: SurveyResponse, code: str) -> bool:
    """Whether a section counts as answered for the progress indicator. B and C also count when the
    country reports no values (nothing to list), C when its values are under development."""
    if code == "a":
        return bool(response.situation)
    if code == "b":
        return response.instruments.exists() or response.situation in ("none", "unknown")
    if code == "c":
        return ResponseValue.objects.filter(instrument__response=response).exists() or response.situation in (
            "none",
            "unknown",
            "under_development",
        )
    if code == "d":
        return bool(response.working_towards_adoption)
    return response.laboratories.exists()
