"""The home map tells a country with national thresholds from one with only sub-national or
municipal ones, and a member state whose only values are the EU's from one with none; the
headline counts each value once."""

import pytest

from indicators.selectors import map_coverage_class
from thresholds.models import ThresholdValue

pytestmark = pytest.mark.django_db


def on_the_map(response) -> dict:
    return {country.iso3: country for _shape, country in response.context["shapes"] if country}


def test_each_kind_of_coverage_has_its_own_class_and_legend_entry(client):
    response = client.get("/")
    body = response.content.decode()
    countries = on_the_map(response)
    # Brazil's seed values are all São Paulo's and Minas Gerais's; Denmark's Aarhus Municipality's
    # (and the EU's, but it has values of its own).
    assert countries["BRA"].map_class == countries["DNK"].map_class == "subnational"
    assert countries["DEU"].map_class == "metals"  # national values, and the EU's besides
    assert countries["FRA"].map_class == "supranational"  # the EU's values only
    assert countries["USA"].map_class == "none" and "USA" not in {
        country.iso3 for country in response.context["covered"]
    }
    assert '<span class="swatch subnational"></span>No national values: sub-national or municipal ones only' in body
    assert '<span class="swatch supranational"></span>EU-wide values only' in body
    # The map as a table says the same in words, with the EU-wide values apart from the country's own.
    table = body[body.index('class="map-table"') :]
    france = table[table.index('href="/countries/FRA/"') :].split("</tr>")[0]
    eu_wide = ThresholdValue.objects.public().current().filter(instrument__country__iso3="EUU").count()
    assert f"<td>0</td><td>0</td><td>0</td><td>0</td><td>{eu_wide}</td><td>EU-wide values only</td>" in france
    brazil = table[table.index('href="/countries/BRA/"') :].split("</tr>")[0]
    assert "No national values: sub-national or municipal ones only" in brazil


def test_the_headline_counts_the_eus_values_once(client):
    headline = client.get("/").context["headline"]
    in_force = ThresholdValue.objects.public().current()
    assert headline["values"] == in_force.count()
    assert headline["countries"] == in_force.values("instrument__country").distinct().count()
    everything = client.get("/?include_superseded=true").context["headline"]
    assert everything["values"] == ThresholdValue.objects.public().count()


def test_the_classes_in_order_national_then_sub_national_then_eu_wide():
    national = {"values": 3, "national_values": 1, "values_by_group": {"pesticide": 3}, "supranational_values": 9}
    assert map_coverage_class(national) == "pesticides"
    sub_national = {**national, "national_values": 0}
    assert map_coverage_class(sub_national) == "subnational"
    eu_wide = {"values": 0, "national_values": 0, "values_by_group": {}, "supranational_values": 9}
    assert map_coverage_class(eu_wide, survey_says_none=True) == "supranational"
    nothing = {**eu_wide, "supranational_values": 0}
    assert map_coverage_class(nothing) == "none" and map_coverage_class(nothing, survey_says_none=True) == "survey-none"
