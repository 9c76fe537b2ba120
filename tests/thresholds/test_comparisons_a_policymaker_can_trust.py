"""A policymaker's comparison: values in force by default, each tier summarised on its own, what
differs named, pH bands that mean what the law says, and every filter the API has on the pages."""

import re
import statistics
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest

from reference.models import Country, ExtractionMethod, LandUseClass, Tier
from thresholds.conditions import ph_band_ends, recognise_conditions
from thresholds.filters import ThresholdFilter
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.wording import conditions_in_words

pytestmark = pytest.mark.django_db
API = "/api/v1/thresholds/"
D = Decimal


# ---- pH bands keep their ends ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, low, high, ends",
    [
        ("5.5<pH<=6.5", D("5.5"), D("6.5"), (True, False)),
        ("pH<=5.5", None, D("5.5"), (False, False)),
        ("pH<5.5", None, D("5.5"), (False, True)),
        ("pH>7.5", D("7.5"), None, (True, False)),
        ("pH≥7.5", D("7.5"), None, (False, False)),
        ("6.5＜pH≤7.5", D("6.5"), D("7.5"), (True, False)),  # full-width, as Chinese tables write it
        ("5.5 ≤ pH < 6.5", D("5.5"), D("6.5"), (False, True)),
        ("7.5 > pH > 6.5", D("6.5"), D("7.5"), (True, True)),
        ("soil pH 6 to 7", D("6"), D("7"), (False, False)),  # a range in words keeps both ends
        ("pH below 5", None, D("5"), (False, True)),
        ("pH at most 5", None, D("5"), (False, False)),
        # An end counts only for the bound stored: the text speaks of another number.
        ("pH<5", None, D("5.5"), (False, False)),
        ("", D("5.5"), D("6.5"), (False, False)),
    ],
)
def test_a_bands_ends_are_read_from_the_sources_words(text, low, high, ends):
    assert ph_band_ends(text, low, high) == ends


def test_a_two_sided_band_written_downwards_is_recognised_whole():
    found = recognise_conditions("7.5 > pH > 6.5").values
    assert found == {"ph_min": D("6.5"), "ph_max": D("7.5")}


@pytest.mark.parametrize(
    "condition, ph_min, ph_max, words",
    [
        ("5.5<pH<=6.5", "5.5", "6.5", "applies where soil pH is above 5.5 and at most 6.5"),
        ("pH<=5.5", None, "5.5", "applies where soil pH is at most 5.5"),
        ("pH<5.5", None, "5.5", "applies where soil pH is below 5.5"),
        ("pH>7.5", "7.5", None, "applies where soil pH is above 7.5"),
        ("5.5<=pH<6.5", "5.5", "6.5", "applies where soil pH is at least 5.5 and below 6.5"),
        ("pH 6 to 7", "6", "7", "applies where soil pH is from 6 to 7"),
        ("pH 6", "6", "6", "applies at soil pH 6"),  # a single point, not "from 6 to 6"
    ],
)
def test_a_band_is_worded_with_its_ends(condition, ph_min, ph_max, words):
    value = ThresholdValue.objects.filter(ph_min__isnull=False).first()
    value.condition_text = condition
    value.ph_min = None if ph_min is None else D(ph_min)
    value.ph_max = None if ph_max is None else D(ph_max)
    value.refresh_derived_fields()
    assert conditions_in_words(value)[0] == words


def _chinese_bands(client, ph: str) -> set[str]:
    """The GB 15618 cadmium bands (their conditions as written) the API's ph filter gives for `ph`."""
    response = client.get(API, {"country": "CHN", "pollutant": "cadmium", "ph": ph, "page_size": 1000})
    assert response.status_code == 200, response.content
    ids = [row["id"] for row in response.json()["results"]]
    values = ThresholdValue.objects.filter(id__in=ids, ph_min__isnull=False) | ThresholdValue.objects.filter(
        id__in=ids, ph_max__isnull=False
    )
    return {value.condition_text.split(";")[0] for value in values}


def test_a_soil_at_a_bands_edge_falls_in_exactly_one_chinese_band(client):
    """GB 15618-2018 sets cadmium for pH<=5.5, 5.5<pH<=6.5, 6.5<pH<=7.5 and pH>7.5."""
    assert _chinese_bands(client, "5.5") == {"pH<=5.5"}
    assert _chinese_bands(client, "5.51") == {"5.5<pH<=6.5"}
    assert _chinese_bands(client, "6.5") == {"5.5<pH<=6.5"}
    assert _chinese_bands(client, "7.5") == {"6.5<pH<=7.5"}
    assert _chinese_bands(client, "7.6") == {"pH>7.5"}
    # The page's filter is the API's.
    page = client.get("/countries/CHN/", {"pollutant": "cadmium", "ph": "5.5"})
    shown = {value.condition_text.split(";")[0] for value in page.context["values"] if value.ph_min or value.ph_max}
    assert shown == {"pH<=5.5"}
    assert "applies where soil pH is above 5.5 and at most 6.5" in client.get("/countries/CHN/").content.decode()


def test_texture_keeps_the_values_that_apply_whatever_the_texture(client):
    sand = client.get(API, {"country": "DEU", "texture": "sand", "page_size": 1000}).json()["results"]
    assert {row["conditions"]["texture"] for row in sand} == {"sand", ""}
    only = client.get(API, {"country": "DEU", "texture": "sand", "specific_texture": "true", "page_size": 1000})
    assert {row["conditions"]["texture"] for row in only.json()["results"]} == {"sand"}
    page = client.get("/countries/DEU/", {"texture": "sand"})
    assert {value.texture for value in page.context["values"]} == {"sand", ""}


# ---- in force by default ---------------------------------------------------------------------------


def test_a_comparison_shows_values_in_force_unless_switched_and_says_so(client):
    default = client.get("/pollutants/cadmium/", {"land_use": "agricultural"})
    assert default.status_code == 200
    statuses = {value.instrument.status for value in default.context["values"]}
    assert statuses and statuses.isdisjoint(LegalInstrument.NOT_CURRENT)
    assert not any(mark.superseded for mark in default.context["chart"]["marks"])
    assert parse_qs(urlparse(default.context["downloads"]["csv"]).query)["current"] == ["true"]
    body = default.content.decode()
    assert 'name="include_superseded" value="true"' in body and 'include_superseded" value="true" checked' not in body

    everything = client.get("/pollutants/cadmium/", {"land_use": "agricultural", "include_superseded": "true"})
    rows = everything.context["values"]
    superseded = [value for value in rows if value.instrument.status in LegalInstrument.NOT_CURRENT]
    assert superseded and len(rows) == len(default.context["values"]) + len(superseded)
    assert sum(mark.superseded for mark in everything.context["chart"]["marks"]) == len(
        [value for value in superseded if value.value_mg_kg]
    )
    assert "current" not in parse_qs(urlparse(everything.context["downloads"]["csv"]).query)
    assert any("superseded or repealed" in caution for caution in everything.context["summary"]["cautions"])
    # Every table marks a superseded instrument's value.
    assert "Superseded" in everything.content.decode() or "Repealed" in everything.content.decode()


def test_the_api_returns_everything_unless_asked_and_each_row_says_its_instruments_status(client):
    every = client.get(API, {"pollutant": "cadmium", "page_size": 1000}).json()["results"]
    current = client.get(API, {"pollutant": "cadmium", "current": "true", "page_size": 1000}).json()["results"]
    assert {row["instrument"]["status"] for row in every} >= {"in_force", "superseded"}
    assert {row["instrument"]["status"] for row in current} <= {"in_force", "draft"}
    assert len(current) < len(every)


# ---- one tier at a time, and what differs named ----------------------------------------------------


def test_each_tier_is_summarised_on_its_own(client):
    response = client.get("/pollutants/cadmium/", {"land_use": "agricultural"})
    rows = response.context["values"]
    tiers = response.context["summary"]["tiers"]
    assert len(tiers) > 1  # precautionary and intervention values are never summarised together
    for summary in tiers:
        members = [row for row in rows if row.tier_id == summary.tier.id]
        numbers = [row.value_mg_kg for row in members if row.value_mg_kg is not None]
        assert summary.values == len(members)
        assert summary.jurisdictions == len(
            {(row.instrument.country_id, row.instrument.jurisdiction) for row in members}
        )
        assert summary.median == statistics.median(numbers)
        assert (summary.low, summary.high) == (min(numbers), max(numbers))
    medians = response.context["chart"]["medians"]
    assert sorted(median.tier for median in medians) == sorted(summary.tier.code for summary in tiers)
    body = response.content.decode()
    assert body.count('<tr data-tier="') == len(tiers)


def test_compare_with_care_names_what_differs(client):
    response = client.get("/pollutants/cadmium/", {"land_use": "agricultural"})
    cautions = " ".join(response.context["summary"]["cautions"])
    assert "soil pH band" in cautions and "above 5.5 and at most 6.5" in cautions
    assert "sub-national" in cautions and "Minas Gerais" in cautions
    assert "sewage sludge" in cautions
    assert "soil textures" in cautions and "sandy soils" in cautions
    assert "basis differs" in cautions
    assert "roughly fits" in cautions
    # Agricultural values and those set for any land use do not mix land uses.
    assert "different land uses" not in cautions
    everything = " ".join(client.get("/pollutants/cadmium/").context["summary"]["cautions"])
    assert "different land uses" in everything


def test_values_alike_need_no_caution(client):
    response = client.get("/pollutants/cadmium/", {"country": "KOR", "tier": "trigger", "land_use": "agricultural"})
    rows = response.context["values"]
    assert rows and response.context["summary"]["cautions"] == [] or len(rows) < 2


# ---- every API filter on the pages -----------------------------------------------------------------

# A valid value for each of the values API's filters: a new filter must be added here, and so is
# tried on every page.
SAMPLES = {
    "country": "DEU",
    "region": "Europe",
    "pollutant": "cadmium",
    "group": "metal",
    "pop": "false",
    "hhp": "false",
    "land_use": "agricultural",
    "include_any_land_use": "true",
    "tier": "precautionary",
    "basis": "human_health",
    "instrument": "1",
    "instrument_status": "in_force",
    "current": "true",
    "value_mg_kg_min": "0.1",
    "value_mg_kg_max": "1000",
    "year_min": "1990",
    "year_max": "2030",
    "ph": "6",
    "texture": "sand",
    "specific_texture": "true",
    "extraction": "aqua_regia",
    "updated_since": "2020-01-01T00:00:00Z",
    "q": "cadmium",
}
PAGES = {"/countries/DEU/": ("country",), "/pollutants/cadmium/": ("pollutant",), "/search/": ()}


def test_every_api_filter_has_a_sample():
    assert set(SAMPLES) == set(ThresholdFilter.base_filters)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_api_filter_is_taken_by_the_pages_and_the_api(client, name):
    assert client.get(API, {name: SAMPLES[name]}).status_code == 200
    for path, fixed in PAGES.items():
        response = client.get(path, {name: SAMPLES[name]})
        if name in fixed:
            # Set by the page itself: asking for it again is a parameter the page does not take.
            assert response.status_code == 400, (path, name)
        elif name == "include_any_land_use":
            assert response.status_code == 400  # the pages set it from their checkbox
        else:
            assert response.status_code == 200, (path, name, response.content.decode()[:500])


@pytest.mark.parametrize("name", ["ph", "texture", "value_mg_kg_min", "value_mg_kg_max", "instrument_status"])
def test_the_filter_forms_show_the_filters_a_policymaker_needs(client, name):
    for path in PAGES:
        assert f'name="{name}"' in client.get(path).content.decode(), (path, name)


@pytest.mark.parametrize("path", list(PAGES))
def test_a_parameter_a_page_does_not_know_is_a_400_listing_those_it_does(client, path):
    response = client.get(path, {"countyr": "DEU"})
    assert response.status_code == 400
    text = unescape(response.content.decode())
    assert "countyr" in text and "land_use" in text and "include_superseded" in text
    api = client.get(API, {"countyr": "DEU"})
    assert api.status_code == 400 and "countyr" in api.json()["errors"]["parameters"][0]


def test_an_unknown_pollutant_is_a_400_with_suggestions_on_pages_too(client):
    response = client.get("/search/", {"pollutant": "cadmum"})
    assert response.status_code == 400
    assert "Did you mean: Cadmium" in unescape(response.content.decode())
    assert not response.context["values"]


# ---- no code where a label belongs -----------------------------------------------------------------


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return unescape(html)


def test_no_public_page_shows_a_harmonised_code_where_a_label_belongs(client):
    codes = {
        *(code for code, _ in ThresholdValue.Qualifier.choices if "_" in code),
        *(code for code, _ in ThresholdValue.Basis.choices if "_" in code),
        *(code for code, _ in ThresholdValue.Texture.choices if "_" in code),
        *(code for code, _ in LegalInstrument.Status.choices if "_" in code),
        *(code for code in LandUseClass.objects.values_list("code", flat=True) if "_" in code),
        *(code for code in Tier.objects.values_list("code", flat=True) if "_" in code),
        *(code for code in ExtractionMethod.objects.values_list("code", flat=True) if "_" in code),
        *(region for region, _ in Country.M49Region.choices if "_" in region),
    }
    assert {"range_min", "in_force", "human_health", "aqua_regia"} <= codes
    instrument = LegalInstrument.objects.filter(values__qualifier="range_min").first()
    paths = [
        "/",
        "/countries/",
        "/countries/DEU/",
        "/countries/CHN/",
        "/countries/EUU/",
        "/pollutants/",
        "/pollutants/cadmium/",
        "/pollutants/cadmium/?include_superseded=true",
        "/search/?q=cadmium",
        f"/instruments/{instrument.pk}/",
    ]
    for path in paths:
        text = _visible_text(client.get(path).content.decode())
        shown = {code for code in codes if re.search(rf"(?<![\w/]){re.escape(code)}(?![\w/])", text)}
        assert not shown, (path, shown)
    range_page = _visible_text(client.get(f"/instruments/{instrument.pk}/").content.decode())
    assert re.search(r"from 1 to 3 mg/kg", range_page)
