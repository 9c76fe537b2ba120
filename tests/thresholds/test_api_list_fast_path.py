"""The threshold list's hot path (plain rows) against the serializer, and its page cache."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from reference.models import Country, ExtractionMethod
from sops.models import Sop
from surveys.models import SurveyResponse
from thresholds.models import ThresholdValue

URL = "/api/v1/thresholds/"


@pytest.fixture
def varied_values(settings, edition):
    """Seed values given every kind of detail a row can carry, beside plain ones."""
    settings.DEBUG = True  # the demo SOPs load on development machines only
    call_command("load_demo_sops", stdout=io.StringIO())
    measured = Sop.objects.exclude(extraction=None).first().extraction
    response = SurveyResponse.objects.create(
        edition=edition, country=Country.objects.get(iso3="DEU"), status="accepted", accepted_at=timezone.now()
    )
    values = list(ThresholdValue.objects.filter(status="published").order_by("id")[:6])
    ThresholdValue.objects.filter(pk=values[0].pk).update(from_survey=response)
    ThresholdValue.objects.filter(pk=values[1].pk).update(extraction=measured)
    ThresholdValue.objects.filter(pk=values[2].pk).update(
        ph_min=Decimal("5.50"), ph_max=Decimal("6.5"), clay_min=Decimal("12"), toc_max=Decimal("4.25"),
        cec_min=Decimal("10"), texture="sand", crop="wheat", depth="0-30 cm", condition_text="pH 5.5-6.5",
    )  # fmt: skip
    ThresholdValue.objects.filter(pk=values[3].pk).update(value_mg_kg=None, unit_label="Bq/kg")
    ThresholdValue.objects.filter(pk=values[4].pk).update(
        extraction=ExtractionMethod.objects.exclude(pk=measured.pk).first()
    )
    return [value.pk for value in values]


def listed(client, query: str = "") -> dict[int, dict]:
    rows, url = {}, f"{URL}?page_size=1000{query}"
    while url:
        body = client.get(url).json()
        rows.update({row["id"]: row for row in body["results"]})
        url = body["next"]
    return rows


def test_each_listed_value_is_its_own_detail_representation(client, varied_values):
    """The list builds its rows from plain columns, the detail through ThresholdValueSerializer:
    both must give the same JSON, for every kind of value (a field added to one only fails here)."""
    rows = listed(client)
    assert len(rows) == ThresholdValue.objects.filter(status="published").count()
    sample = [*varied_values, *list(rows)[::40]]
    for pk in sample:
        assert rows[pk] == client.get(f"{URL}{pk}/").json(), pk
    assert rows[varied_values[0]]["provenance"]["edition"] > 2000
    assert rows[varied_values[1]]["how_to_measure"].endswith(
        f"/api/v1/sops/{Sop.objects.exclude(extraction=None).first().code}/"
    )
    assert rows[varied_values[2]]["conditions"]["ph_min"] == 5.5 and rows[varied_values[2]]["conditions"]["texture"]
    assert rows[varied_values[3]]["value_mg_kg"] is None


def test_curators_lists_match_their_details_too(client, curator, varied_values):
    ThresholdValue.objects.filter(pk=varied_values[5]).update(status="draft")
    client.force_login(curator)
    rows = listed(client)
    assert rows[varied_values[5]]["status"] == "draft"
    for pk in [*varied_values, *list(rows)[::60]]:
        assert rows[pk] == client.get(f"{URL}{pk}/").json(), pk


def test_anonymous_pages_are_kept_until_the_data_changes(client, curator, django_assert_num_queries):
    query = {"country": "DEU", "pollutant": "cadmium"}
    first = client.get(URL, query)
    with django_assert_num_queries(1):  # when did the data last change: the page itself is kept
        again = client.get(URL, query)
    assert again.json() == first.json() and again["Last-Modified"] == first["Last-Modified"]

    value = ThresholdValue.objects.get(pk=first.json()["results"][0]["id"])
    value.notes = "corrected"
    value.value_text = "0.35"
    value.save()
    changed = client.get(URL, query).json()
    assert changed["results"][0]["value"] == "0.35"


def test_signed_in_readers_and_a_zero_setting_are_never_served_a_kept_page(client, curator, settings):
    ThresholdValue.objects.filter(instrument__country__iso3="DEU").update(status="draft")
    draft_ids = set(ThresholdValue.objects.filter(status="draft").values_list("id", flat=True))
    client.force_login(curator)
    assert draft_ids <= set(listed(client, "&country=DEU"))
    client.logout()
    assert not draft_ids & set(listed(client, "&country=DEU"))

    settings.API_LIST_CACHE_SECONDS = 0
    other = ThresholdValue.objects.filter(status="published").first().instrument.country.iso3
    before = client.get(URL, {"country": other}).json()
    # A write that leaves the time of the last change alone (a bulk update) shows at once, cache off.
    ThresholdValue.objects.filter(instrument__country__iso3=other).update(status="withdrawn")
    assert before["results"] and client.get(URL, {"country": other}).json()["results"] == []
