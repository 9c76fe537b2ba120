"""The action plan's indicators on hand-made data with known answers, and SOP versions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from indicators.selectors import kpis, trend_dates
from reference.models import Country
from sops.models import Engagement, Laboratory, SopVersion, TrainingEvent
from sops.services import sop_version_publish, training_record_attendance
from surveys.models import SurveyResponse
from tests.factories import (
    LaboratoryFactory,
    SopFactory,
    SopVersionFactory,
    SurveyEditionFactory,
    SurveyResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 24)


def _lab(name, iso3, **kwargs):
    return LaboratoryFactory(name=name, iso3=iso3, **kwargs)


def _sop(code="glosolan-sop-14"):
    return SopFactory(code=code, analyte_group="bioavailable_metals")


def _by_code(today=TODAY):
    return {kpi.code: kpi for kpi in kpis(today=today)}


def test_with_no_laboratories_and_no_responses_every_indicator_is_zero_not_an_error():
    found = _by_code()
    assert found["sop_awareness"].value == 0 and found["sop_awareness"].denominator == 0
    assert found["regions_developing"].value == 0 and found["regions_developing"].detail == [
        "missing: Africa, Americas, Asia, Europe, Oceania"
    ]
    assert found["countries_in_discussions"].value == 0 and found["countries_working_towards_adoption"].value == 0
    assert not any(kpi.met for kpi in found.values())


def test_awareness_counts_laboratories_working_with_the_gsp_once_whatever_the_source():
    sop = _sop()
    kenya, germany, brazil, chile, peru = (
        _lab("KALRO", "KEN"),
        _lab("LBEG", "DEU"),
        _lab("Embrapa Solos", "BRA"),
        _lab("INIA", "CHL"),
        _lab("Private lab", "PER", works_with_gsp=False),
    )
    training = TrainingEvent.objects.create(title="Webinar", kind="webinar", date=datetime.date(2026, 3, 10))
    training.sops.add(sop)
    assert training_record_attendance(training=training, laboratories=[kenya, germany]) == 2
    assert training_record_attendance(training=training, laboratories=[kenya]) == 0  # twice counts once
    Engagement.objects.create(
        laboratory=kenya, sop=sop, level="implemented", date=datetime.date(2026, 5, 1), source="curator"
    )
    Engagement.objects.create(
        laboratory=brazil, sop=sop, level="developed", date=datetime.date(2026, 9, 1), source="survey"
    )
    Engagement.objects.create(laboratory=peru, sop=sop, level="aware", date=datetime.date(2026, 1, 1), source="survey")
    found = _by_code()["sop_awareness"]
    # Kenya, Germany (training) and Brazil (developed implies aware) of 4 GSP laboratories; Peru does not count.
    assert (found.numerator, found.denominator, found.value, found.met) == (3, 4, 75.0, False)
    trend = dict(found.trend)
    assert trend[datetime.date(2025, 12, 31)] == 0 and trend[datetime.date(2026, 3, 31)] == 50.0
    assert trend[datetime.date(2026, 9, 30)] == 75.0 and trend[TODAY] == 75.0
    Engagement.objects.create(laboratory=chile, sop=sop, level="aware", date=TODAY, source="curator")
    assert _by_code()["sop_awareness"].met  # 4 of 4


def test_regions_with_a_laboratory_developing_an_sop_and_the_region_missing_one():
    sop = _sop()
    for name, iso3 in [("KALRO", "KEN"), ("Embrapa", "BRA"), ("ISSAS", "CHN"), ("WUR", "NLD")]:
        Engagement.objects.create(
            laboratory=_lab(name, iso3), sop=sop, level="developed", date=datetime.date(2025, 6, 1), source="curator"
        )
    Engagement.objects.create(
        laboratory=_lab("Scion", "NZL"), sop=sop, level="aware", date=datetime.date(2025, 6, 1), source="curator"
    )
    found = _by_code()["regions_developing"]
    assert (found.value, found.target, found.met) == (4, 5, False)
    assert found.detail == ["missing: Oceania"]


def test_survey_indicators_use_each_countrys_latest_submitted_response():
    edition = SurveyEditionFactory(year=2026, opens_on=datetime.date(2026, 1, 1), closes_on=datetime.date(2026, 12, 31))
    old = SurveyEditionFactory(year=2025, opens_on=datetime.date(2025, 1, 1), closes_on=datetime.date(2025, 12, 31))
    moment = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)

    def respond(iso3, edition, status, discussions, adoption, at=moment):
        SurveyResponse.objects.create(
            edition=edition, country=Country.objects.get(iso3=iso3), status=status, submitted_at=at,
            in_international_discussions=discussions, working_towards_adoption=adoption,
        )  # fmt: skip

    respond("KEN", edition, "submitted", "yes", "yes")
    respond("DEU", edition, "accepted", "yes", "no")
    respond("FRA", edition, "draft", "yes", "yes", at=None)  # a draft says nothing yet
    respond("BRA", old, "accepted", "yes", "yes", at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC))
    respond("BRA", edition, "submitted", "no", "no")  # the latest answer wins
    found = _by_code()
    members = Country.objects.filter(un_member=True).count()
    assert found["countries_in_discussions"].numerator == 2
    assert found["countries_in_discussions"].value == round(200 / members, 1)
    assert found["countries_in_discussions"].detail == ["Germany", "Kenya"]
    assert found["countries_working_towards_adoption"].detail == ["Kenya"]
    trend = dict(found["countries_working_towards_adoption"].trend)
    assert trend[datetime.date(2025, 9, 30)] == 1 and trend[datetime.date(2026, 3, 31)] == 1  # Brazil, 2025
    assert trend[datetime.date(2026, 6, 30)] == 1 and trend[TODAY] == 1  # Kenya, Brazil said no


def test_trend_dates_are_quarter_ends_and_today():
    assert trend_dates(TODAY)[:2] == [datetime.date(2024, 12, 31), datetime.date(2025, 3, 31)]
    assert trend_dates(TODAY)[-2:] == [datetime.date(2026, 9, 30), TODAY]


def test_publishing_a_version_supersedes_the_previous_one_and_only_curators_publish(curator):
    sop = _sop()
    first = SopVersionFactory(sop=sop, version="1.0", date=datetime.date(2024, 1, 1))
    second = SopVersionFactory(sop=sop, version="2.0", date=datetime.date(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        sop_version_publish(version=first, user=UserFactory(username="visitor"))
    sop_version_publish(version=first, user=curator)
    sop_version_publish(version=second, user=curator)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "published") and second.published_at
    assert SopVersion.objects.filter(sop=sop, status="published").count() == 1


def test_an_accepted_survey_response_feeds_the_awareness_indicator(curator):
    from surveys.models import ResponseLaboratory
    from surveys.services import response_accept

    edition = SurveyEditionFactory()
    response = SurveyResponseFactory(
        edition=edition, iso3="KEN", status="submitted", situation="none", working_towards_adoption="yes"
    )
    ResponseLaboratory.objects.create(
        response=response, name="KALRO", knows_sops="yes", uses_sops="no", in_glosolan="yes"
    )
    ResponseLaboratory.objects.create(response=response, name="Private lab", knows_sops="no")
    response_accept(response=response, user=curator, expected_version=response.version)
    kalro = Laboratory.objects.get(name="KALRO", country__iso3="KEN")
    assert kalro.glosolan_member and kalro.engagements.get().source == "survey"
    found = {kpi.code: kpi for kpi in kpis(today=datetime.date.today())}["sop_awareness"]
    assert (found.numerator, found.denominator) == (1, 2)
