"""The public pages as a policymaker uses them: find a country, filter its values, compare a pollutant
across countries, search, and download exactly what is shown."""

import csv
import io
from urllib.parse import parse_qs, urlparse

import pytest

from thresholds.models import ThresholdValue

pytestmark = pytest.mark.django_db


def test_home_shows_live_figures_the_map_and_recent_values(client):
    response = client.get("/")
    body = response.content.decode()
    headline = response.context["headline"]
    # In force by default: superseded and repealed instruments' values behind a visible switch.
    public = ThresholdValue.objects.public()
    in_force = public.current()
    assert headline["values"] == in_force.count() < public.count()
    assert headline["countries"] == in_force.values("instrument__country").distinct().count()
    assert headline["instruments"] == in_force.values("instrument").distinct().count()
    assert "Include superseded and repealed instruments" in body
    everything = client.get("/?include_superseded=true").context["headline"]
    assert everything["values"] == public.count()
    assert everything["countries"] == public.values("instrument__country").distinct().count()
    # Germany is a link on the map, coloured as a country with heavy-metal values only.
    assert 'href="/countries/DEU/" data-iso3="DEU"' in body
    germany = next(country for shape, country in response.context["shapes"] if country and country.iso3 == "DEU")
    assert germany.map_class == "metals"
    assert "The map as a table" in body and len(response.context["recent"]) == 8


def test_a_country_page_lists_instruments_and_values_with_conditions_in_words(client):
    response = client.get("/countries/DEU/")
    body = response.content.decode()
    assert "Bundes-Bodenschutz" in body or "BBodSchV" in body
    cadmium_sand = [
        value
        for value in response.context["values"]
        if value.pollutant.name == "Cadmium" and value.texture == "sand" and value.tier.code == "precautionary"
    ]
    assert cadmium_sand and "sandy soils" in cadmium_sand[0].words
    assert "sandy soils" in body
    # How to cite the page, and each instrument for the values themselves.
    cite = body[body.index('id="cite-heading"') :]
    assert "Germany. http://testserver/countries/DEU/" in cite
    assert all(instrument.title in cite for instrument in response.context["instruments"])


def test_a_countrys_filters_sort_and_download_exactly_what_is_shown(client):
    response = client.get("/countries/DEU/", {"land_use": "any", "tier": "precautionary", "sort": "-value"})
    shown = response.context["values"]
    assert shown and {(value.land_use.code, value.tier.code) for value in shown} == {("any", "precautionary")}
    numbers = [value.value_mg_kg for value in shown if value.value_mg_kg is not None]
    assert numbers == sorted(numbers, reverse=True)

    download = response.context["downloads"]["csv"]
    expected = {
        "country": ["DEU,EUU"],  # the page shows the EU-wide values that apply in Germany too
        "land_use": ["any"],
        "tier": ["precautionary"],
        "current": ["true"],
        "format": ["csv"],
    }
    assert parse_qs(urlparse(download).query) == expected
    exported = client.get(download)
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert sorted(row["value"] for row in rows) == sorted(value.value_text for value in shown)


def test_a_bad_filter_is_explained_on_the_page_not_a_crash(client):
    response = client.get("/countries/DEU/", {"tier": "nope"})
    assert response.status_code == 400
    assert "Unknown code(s): nope." in response.content.decode() and not response.context["values"]
    assert client.get("/countries/XXX/").status_code == 404


def test_a_pollutant_is_compared_across_countries_with_a_warning_about_conditions(client):
    response = client.get("/pollutants/cadmium/", {"land_use": "agricultural"})
    body = response.content.decode()
    values = response.context["values"]
    assert {value.pollutant.name for value in values} == {"Cadmium"} and len(
        {v.instrument.country_id for v in values}
    ) > 3
    chart = response.context["chart"]
    assert len(chart["marks"]) == len([v for v in values if v.value_mg_kg])
    summary = response.context["summary"]
    for tier in summary["tiers"]:
        numbers = sorted(v.value_mg_kg for v in values if v.tier == tier.tier and v.value_mg_kg is not None)
        assert tier.low == numbers[0] and tier.high == numbers[-1]
    assert "Compare with care." in body and "Median (mg/kg)" in body


def test_a_land_use_filter_includes_values_set_for_any_land_use_unless_asked_not_to(client):
    """Germany's Vorsorgewerte hold for every land use: comparing agricultural land includes them."""
    response = client.get("/pollutants/cadmium/", {"land_use": "agricultural"})
    shown = response.context["values"]
    assert {value.land_use.code for value in shown} == {"agricultural", "any"}
    assert "DEU" in {value.instrument.country.iso3 for value in shown}
    download = parse_qs(urlparse(response.context["downloads"]["csv"]).query)
    assert download["include_any_land_use"] == ["true"] and download["land_use"] == ["agricultural"]
    exported = client.get(response.context["downloads"]["csv"])
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == len(shown) and {row["land_use"] for row in rows} == {"agricultural", "any"}

    specific = client.get("/pollutants/cadmium/", {"land_use": "agricultural", "specific_land_use": "1"})
    assert {value.land_use.code for value in specific.context["values"]} == {"agricultural"}
    assert "include_any_land_use" not in specific.context["downloads"]["csv"]
    assert 'name="specific_land_use" value="1" checked' in specific.content.decode()


def test_an_instrument_page_shows_what_it_supersedes(client):
    from thresholds.models import LegalInstrument

    later = LegalInstrument.objects.filter(supersedes__isnull=False).first()
    body = client.get(f"/instruments/{later.pk}/").content.decode()
    assert "Supersedes" in body and later.supersedes.title in body
    earlier = client.get(f"/instruments/{later.supersedes.pk}/").content.decode()
    assert "Superseded by" in earlier


def test_search_finds_by_synonym_and_cas_and_facets_are_permalinks(client):
    by_synonym = client.get("/search/", {"q": "Kadmium"})
    assert [p.name for p in by_synonym.context["pollutants"]] == ["Cadmium"]
    by_cas = client.get("/search/", {"q": "7440-43-9"})
    assert by_cas.context["page"].paginator.count == by_synonym.context["page"].paginator.count > 30
    regions = dict(by_cas.context["facets"])["Region"]
    europe = next(entry for entry in regions if entry["label"] == "Europe")
    narrowed = client.get(f"/search/?{europe['query']}")
    assert narrowed.context["page"].paginator.count == europe["count"]
    assert {v.instrument.country.m49_region for v in narrowed.context["values"]} == {"Europe"}


def test_a_country_page_with_5000_values_runs_a_constant_number_of_queries(
    client, curator, django_assert_max_num_queries
):
    from reference.models import Country, LandUseClass, Pollutant, Tier, Unit
    from thresholds.models import LegalInstrument

    country = Country.objects.get(iso3="FRA")
    instrument = LegalInstrument.objects.create(country=country, title="Synthetic order", year=2020)
    unit, land_use, tier = Unit.objects.get(code="mg/kg"), LandUseClass.objects.first(), Tier.objects.first()
    pollutants = list(Pollutant.objects.all()[:50])
    ThresholdValue.objects.bulk_create(
        ThresholdValue(
            instrument=instrument,
            pollutant=pollutants[i % 50],
            pollutant_label=f"P{i}",
            value_text=str(i + 1),
            value=i + 1,
            value_mg_kg=i + 1,
            unit=unit,
            unit_label="mg/kg",
            land_use=land_use,
            tier=tier,
            tier_label=f"tier {i}",
            conditions_key=str(i),
            status="published",
        )
        for i in range(5000)
    )
    eu_wide = ThresholdValue.objects.public().current().filter(instrument__country__iso3="EUU").count()
    with django_assert_max_num_queries(12):  # the values verified, and the soil corrections of the page's values
        response = client.get("/countries/FRA/")
    assert response.context["page"].paginator.count == 5000 + eu_wide and len(response.context["values"]) == 100
    instrument_page = client.get(f"/instruments/{instrument.pk}/", {"page": 3})
    assert instrument_page.context["page"].paginator.count == 5000 and len(instrument_page.context["values"]) == 100
    assert "Page 3 of 50" in instrument_page.content.decode()


@pytest.mark.parametrize(
    "url", ["/", "/countries/", "/countries/DEU/", "/pollutants/", "/pollutants/cadmium/", "/search/?q=lead"]
)
def test_pages_stay_light(client, url):
    response = client.get(url)
    weight = len(response.content)
    if url == "/":
        # The map's shapes are most of the home page; without them it stays light too.
        weight -= sum(len(shape.path) for shape, _ in response.context["shapes"])
    assert weight < 300_000
