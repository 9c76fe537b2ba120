"""Which countries work towards adopting thresholds, and which report none, is written once
(surveys.selectors): /survey/results/, /kpis/ (and its API) and the home map read the same answers."""

import datetime

import pytest
from django.utils import timezone

from reference.models import Country
from surveys.models import SurveyResponse
from tests.factories import SurveyEditionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers():
    """Four countries' answers over two editions. Each disagreed once between the old per-edition
    results page and the KPIs' latest answers."""
    this_year = timezone.localdate().year
    current = SurveyEditionFactory()
    earlier = SurveyEditionFactory(
        year=this_year - 1,
        opens_on=datetime.date(this_year - 1, 1, 1),
        closes_on=datetime.date(this_year - 1, 12, 31),
    )
    last_year = timezone.now() - datetime.timedelta(days=366)

    def respond(iso3, edition, status, *, adoption="", situation="", at=None):
        SurveyResponse.objects.create(
            edition=edition, country=Country.objects.get(iso3=iso3), status=status,
            submitted_at=at if at or status == "draft" else timezone.now(),
            working_towards_adoption=adoption, situation=situation,
        )  # fmt: skip

    respond("KEN", current, "submitted", adoption="yes", situation="none")
    respond("BRA", earlier, "accepted", adoption="yes", situation="none", at=last_year)
    respond("BRA", current, "draft")  # a draft says nothing yet: Brazil's 2nd-latest answer still stands
    respond("DEU", earlier, "accepted", adoption="no", at=last_year)
    respond("DEU", current, "submitted", adoption="yes", situation="in_force")
    respond("FRA", earlier, "accepted", adoption="yes", situation="none", at=last_year)
    respond("FRA", current, "accepted", adoption="no", situation="in_force")  # the latest answer wins
    return {"adopting": ["Brazil", "Germany", "Kenya"], "none": ["Brazil", "Kenya"]}


def test_survey_results_and_kpis_name_the_same_countries_working_towards_adoption(client, answers):
    results = client.get("/survey/results/").context["progress"]
    code = "countries_working_towards_adoption"
    kpi = next(item for item in client.get("/kpis/").context["kpis"] if item.code == code)
    api = next(item for item in client.get("/api/v1/stats/kpis/").json() if item["code"] == kpi.code)
    named = [country.name for country in results["working_towards_adoption"]]
    assert named == kpi.detail == api["detail"] == answers["adopting"]
    assert kpi.value == api["value"] == len(named)


def test_survey_results_and_the_map_name_the_same_countries_reporting_no_thresholds(client, answers):
    results = client.get("/survey/results/").context["progress"]
    named = [country.name for country in results["no_thresholds"]]
    assert named == answers["none"]
    # The map marks "the survey says none" where the database has no values: Kenya, not Brazil (seed values).
    countries = [item for _shape, item in client.get("/").context["shapes"] if item]
    on_the_map = sorted({item.name for item in countries if item.map_class == "survey-none"})
    assert on_the_map == sorted({item.name for item in countries if item.name in named and not item.coverage["values"]})
    assert on_the_map == ["Kenya"]
