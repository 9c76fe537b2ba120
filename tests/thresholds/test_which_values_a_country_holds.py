"""Which values a country holds is written once (ThresholdValueQuerySet and thresholds.selectors
values_held_by): the pages, the API, the survey's pre-fill and its review read it."""

import pytest

from reference.models import Country
from surveys.models import ResponseValue
from surveys.services import response_comparison, response_start
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.selectors import values_held_by

pytestmark = pytest.mark.django_db


def _ids(values):
    return set(values.values_list("pk", flat=True))


def test_public_leaves_out_drafts_and_the_values_of_withdrawn_instruments(curator):
    first, second = ThresholdValue.objects.public().of_country(Country.objects.get(iso3="DEU"))[:2]
    ThresholdValue.objects.filter(pk=first.pk).update(status="draft")
    LegalInstrument.objects.filter(pk=second.instrument_id).update(withdrawn=True)
    public = _ids(ThresholdValue.objects.public())
    assert first.pk not in public and second.pk not in public
    assert {first.pk, second.pk} <= _ids(ThresholdValue.objects.visible_to(curator))
    assert LegalInstrument.objects.public().filter(pk=second.instrument_id).count() == 0


def test_current_leaves_out_superseded_and_repealed_instruments():
    germany = Country.objects.get(iso3="DEU")
    instruments = list(LegalInstrument.objects.public().of_country(germany).order_by("pk"))
    assert len(instruments) >= 2
    LegalInstrument.objects.filter(pk=instruments[0].pk).update(status="superseded")
    LegalInstrument.objects.filter(pk=instruments[1].pk).update(status="draft")
    current = LegalInstrument.objects.current().of_country(germany)
    assert instruments[0] not in current and instruments[1] in current
    assert not ThresholdValue.objects.current().filter(instrument=instruments[0]).exists()


def test_pages_and_api_show_a_country_what_public_of_country_holds(client):
    germany = Country.objects.get(iso3="DEU")
    draft = ThresholdValue.objects.public().of_country(germany).first()
    ThresholdValue.objects.filter(pk=draft.pk).update(status="draft")
    expected = _ids(ThresholdValue.objects.public().of_country(germany))
    page = client.get("/countries/DEU/")
    listed = client.get("/api/v1/thresholds/", {"country": "DEU", "page_size": 500}).json()
    assert {row["id"] for row in listed["results"]} == expected and listed["next"] is None
    # The page shows the EU-wide values that apply in Germany as well, apart from what it holds.
    eu_wide = ThresholdValue.objects.public().current().filter(instrument__country__iso3="EUU")
    assert page.status_code == 200 and page.context["page"].paginator.count == len(expected) + eu_wide.count()


def test_the_survey_pre_fills_and_reviews_what_the_country_holds(edition, curator):
    germany = Country.objects.get(iso3="DEU")
    instruments = list(LegalInstrument.objects.public().of_country(germany).order_by("pk"))
    LegalInstrument.objects.filter(pk=instruments[0].pk).update(status="superseded")
    held = _ids(values_held_by(germany))
    assert held and held == _ids(ThresholdValue.objects.public().current().of_country(germany))

    response = response_start(edition=edition, country=germany, user=curator)
    reported = ResponseValue.objects.filter(instrument__response=response)
    assert set(reported.values_list("source_value_id", flat=True)) == held
    assert not response.instruments.filter(source_instrument=instruments[0]).exists()

    left_out = reported.first()
    dropped_value = left_out.source_value_id
    left_out.delete()
    dropped = {line.existing.pk for line in response_comparison(response) if line.action == "dropped"}
    assert dropped == {dropped_value}  # the superseded instrument's values are not "dropped"
