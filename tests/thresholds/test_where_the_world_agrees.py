"""Where the world agrees: per pollutant and tier, how far apart the values in force are across
jurisdictions, identical values as a probable common origin, curated lineage; on the pollutant page
and on /analysis/ with its downloads.

Hand-made jurisdictions for chlordecone (no seed value has it), trigger tier, in mg/kg:
Italy 0.5; France, Germany and Spain 2 each (Spain's adopted from France's); Australia 8;
Canada, Ontario 50. Sorted: 0.5, 2, 2, 2, 8, 50 (n = 6, six jurisdictions), worked out by hand:
- geometric mean: (0.5 * 2 * 2 * 2 * 8 * 50) ** (1/6) = 1600 ** (1/6) = 3.41995...
- median: (2 + 2) / 2 = 2
- P10 (type 7): position (6 - 1) * 0.1 = 0.5, between 0.5 and 2: 0.5 + 1.5 * 0.5 = 1.25
- P90: position 4.5, between 8 and 50: 8 + 42 * 0.5 = 29
- span: log10(50 / 0.5) = 2 orders of magnitude
- half decades: 0.5 in [0.316, 1), the three 2s in [1, 3.16), 8 in [3.16, 10), none in
  [10, 31.6), 50 in [31.6, 100)
Left out: the United States' 1000 (its instrument is superseded) and Brazil's value in Bq/kg (no mg/kg).
The intervention tier has Italy 0.01 and France 16: log10(1600) = 3.2 orders, a factor of 1,600.
"""

import csv
import io
import math
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reference.models import Country, LandUseClass, Pollutant, Tier, Unit
from tests.factories import LegalInstrumentFactory, ThresholdValueFactory
from thresholds.agreement import world_agreement
from thresholds.charts import distribution_chart
from thresholds.models import LegalInstrument, ThresholdValue

pytestmark = pytest.mark.django_db

GEOMETRIC_MEAN = 1600 ** (1 / 6)


def _value(iso3: str, number: str, *, jurisdiction: str = "", tier: str = "trigger", unit: str = "mg/kg", **more):
    instrument = LegalInstrumentFactory(
        iso3=iso3,
        jurisdiction=jurisdiction,
        short_name=f"Order {iso3}{jurisdiction}",
        status=more.pop("status", LegalInstrument.Status.IN_FORCE),
    )
    return ThresholdValueFactory(
        instrument=instrument,
        pollutant=Pollutant.objects.get(slug="chlordecone"),
        value_text=number,
        unit_label=unit,
        unit=Unit.objects.get(code=unit),
        tier=Tier.objects.get(code=tier),
        **more,
    )


@pytest.fixture
def chlordecone():
    _value("ITA", "0.5")
    french = _value("FRA", "2")
    _value("DEU", "2")
    _value("ESP", "2", adopted_from=french)
    _value("AUS", "8")
    _value("CAN", "50", jurisdiction="Ontario")
    _value("USA", "1000", status=LegalInstrument.Status.SUPERSEDED)
    _value("BRA", "3", unit="Bq/kg")
    _value("ITA", "0.01", tier="intervention")
    _value("FRA", "16", tier="intervention")
    return Pollutant.objects.get(slug="chlordecone")


def _trigger(agreement):
    [item] = [item for item in agreement.tiers if item.tier.code == "trigger"]
    return item


def test_the_figures_are_those_worked_out_by_hand(chlordecone):
    agreement = world_agreement(ThresholdValue.objects.public().filter(pollutant=chlordecone))
    trigger = _trigger(agreement)
    assert (trigger.values, trigger.jurisdictions, trigger.left_out) == (6, 6, 1)
    assert trigger.geometric_mean == pytest.approx(GEOMETRIC_MEAN)
    assert trigger.median == 2
    assert trigger.p10 == pytest.approx(1.25) and trigger.p90 == pytest.approx(29)
    assert (trigger.low, trigger.high) == (Decimal("0.5"), Decimal("50"))
    assert trigger.orders_of_magnitude == pytest.approx(2)
    assert [entry.count for entry in trigger.bins] == [1, 3, 1, 0, 1]
    assert trigger.bins[0].low == pytest.approx(10**-0.5) and trigger.bins[-1].high == pytest.approx(100)
    assert agreement.jurisdictions_by_pollutant[chlordecone.pk] == 6 and agreement.left_out == 1


def test_superseded_instruments_and_values_without_mg_kg_are_left_out(chlordecone):
    trigger = _trigger(world_agreement(ThresholdValue.objects.public().filter(pollutant=chlordecone)))
    assert trigger.high == Decimal("50")  # not the United States' superseded 1000
    assert trigger.left_out == 1  # Brazil's Bq/kg
    everything = world_agreement(ThresholdValue.objects.filter(pollutant=chlordecone))
    assert _trigger(everything).values == 6  # superseded stays out whoever reads


def test_identical_values_of_three_countries_are_a_probable_common_origin(chlordecone):
    trigger = _trigger(world_agreement(ThresholdValue.objects.public().filter(pollutant=chlordecone)))
    [origin] = trigger.common_origins
    assert origin.value_mg_kg == Decimal("2")
    assert origin.jurisdictions == ["France", "Germany", "Spain"]


def test_a_value_set_twice_by_one_jurisdiction_is_no_common_origin(chlordecone):
    _value("AUS", "0.5", land_use=LandUseClass.objects.get(code="residential"))
    trigger = _trigger(world_agreement(ThresholdValue.objects.public().filter(pollutant=chlordecone)))
    shared = {origin.value_mg_kg: origin.jurisdictions for origin in trigger.common_origins}
    assert shared[Decimal("0.5")] == ["Australia", "Italy"] and trigger.jurisdictions == 6


def test_the_land_use_filter_keeps_values_set_for_any_land_use(chlordecone):
    _value("AUS", "4", land_use=LandUseClass.objects.get(code="residential"))
    _value("NZL", "1", land_use=LandUseClass.objects.get(code="any"))
    residential = world_agreement(ThresholdValue.objects.public().filter(pollutant=chlordecone), land_use="residential")
    assert [(item.tier.code, item.values, item.median) for item in residential.tiers] == [("trigger", 2, 2.5)]


def test_the_pollutant_page_says_how_far_apart_the_values_are(client, chlordecone):
    html = client.get("/pollutants/chlordecone/").content.decode()
    assert "How far apart the world&#x27;s values are" in html or "How far apart the world's values are" in html
    assert "6 values, from 6 jurisdictions." in html
    assert "The values span 2 orders of magnitude, a factor of 100." in html
    assert "The values span 3.2 orders of magnitude, a factor of 1,600." in html
    assert "3.42 mg/kg" in html and "1.25 – 29 mg/kg" in html  # geometric mean, P10 to P90
    assert "2 mg/kg: France, Germany, Spain" in html
    assert "Spain (Order ESP, 2 mg/kg): adopted from Order FRA, France" in html
    assert '<svg class="distribution"' in html and "1000" not in html.split("How far apart")[1].split("</section>")[0]


def test_the_distribution_chart_is_mirrored_right_to_left(chlordecone):
    trigger = _trigger(world_agreement(ThresholdValue.objects.public().filter(pollutant=chlordecone)))
    left_to_right, right_to_left = distribution_chart(trigger), distribution_chart(trigger, rtl=True)
    assert left_to_right["bars"][0]["x"] < left_to_right["bars"][-1]["x"]
    assert right_to_left["bars"][0]["x"] > right_to_left["bars"][-1]["x"]
    assert [bar["height"] for bar in left_to_right["bars"]] == [20.0, 60.0, 20.0, 0.0, 20.0]


def test_the_arabic_pollutant_page_draws_coordinates_with_points(client, chlordecone):
    html = client.get("/pollutants/chlordecone/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    svg = html.split('<svg class="distribution"')[1].split("</svg>")[0]
    # The median, 2 mg/kg, mirrored: as far from the right end (404) as it is from the left (16) left to right.
    trigger = _trigger(world_agreement(ThresholdValue.objects.public().filter(pollutant=chlordecone)))
    assert distribution_chart(trigger)["median"] == 184.3
    assert 'x1="235.7"' in svg and 'x1="184.3"' not in svg


def test_the_analysis_lists_the_pollutant_with_its_figures(client, chlordecone):
    response = client.get("/analysis/")
    assert response.status_code == 200
    [row] = [row for row in response.context["rows"] if row["pollutant"] == chlordecone]
    assert row["jurisdictions"] == 6
    assert [(item.tier.code, item.values, item.jurisdictions) for item in row["tiers"]] == [
        ("trigger", 6, 6),
        ("intervention", 2, 2),
    ]
    html = response.content.decode()
    assert 'href="/pollutants/chlordecone/"' in html
    assert "1 value that does not convert to mg/kg is left out" in html


def test_the_analysis_sorts_by_number_of_jurisdictions(client, chlordecone):
    rows = client.get("/analysis/").context["rows"]
    counts = [row["jurisdictions"] for row in rows]
    assert counts == sorted(counts, reverse=True)


def test_the_analysis_filters_by_tier(client, chlordecone):
    rows = client.get("/analysis/", {"tier": "intervention"}).context["rows"]
    [row] = [row for row in rows if row["pollutant"] == chlordecone]
    assert [item.tier.code for item in row["tiers"]] == ["intervention"]
    assert all(item.tier.code == "intervention" for row in rows for item in row["tiers"])


def _csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_writes_numbers_for_machines_when_the_page_is_in_french(client, chlordecone):
    page = client.get("/analysis/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1,25" in page  # the page itself is in French
    response = client.get("/analysis/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "INSOP" in response["X-Citation"]
    rows = _csv_rows(response)
    [trigger] = [row for row in rows if row["pollutant"] == "Chlordecone" and row["tier"] == "trigger"]
    assert trigger["values"] == "6" and trigger["jurisdictions"] == "6" and trigger["left_out_not_mg_kg"] == "1"
    assert trigger["median_mg_kg"] == "2" and trigger["p10_mg_kg"] == "1.25" and trigger["p90_mg_kg"] == "29"
    assert trigger["lowest_mg_kg"] == "0.5" and trigger["highest_mg_kg"] == "50"
    assert trigger["orders_of_magnitude"] == "2"
    assert math.isclose(float(trigger["geometric_mean_mg_kg"]), GEOMETRIC_MEAN, rel_tol=1e-5)
    assert trigger["page"].endswith("/pollutants/chlordecone/")


def test_the_xlsx_has_the_same_rows_and_a_read_me_with_the_citation(client, chlordecone):
    response = client.get("/analysis/", {"format": "xlsx", "tier": "intervention"})
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook["analysis"].iter_rows(values_only=True))
    assert list(rows[0])[:4] == ["pollutant", "cas_rn", "tier", "values"]
    [intervention] = [row for row in rows if row[0] == "Chlordecone"]
    assert intervention[2] == "intervention" and intervention[12] == str(round(math.log10(1600), 5))
    readme = {row[0]: row[1] for row in workbook["read me"].iter_rows(values_only=True)}
    assert "INSOP" in readme["citation"] and readme["filters"] == "tier=intervention"


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"colour": "red"}, "Unknown parameter(s) colour"),
        ({"tier": "strictest"}, "tier=strictest is not known"),
        ({"land_use": "moon"}, "land_use=moon is not known"),
        ({"format": "pdf"}, "format=pdf is not known"),
    ],
)
def test_a_bad_parameter_is_a_400_that_says_what(client, query, says):
    response = client.get("/analysis/", query)
    assert response.status_code == 400 and says in response.content.decode()


def test_the_analysis_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    country = Country.objects.get(iso3="FRA")
    instrument = LegalInstrument.objects.create(country=country, title="Synthetic order", year=2020)
    unit, land_use, tier = Unit.objects.get(code="mg/kg"), LandUseClass.objects.first(), Tier.objects.first()
    pollutants = list(Pollutant.objects.all()[:40])
    ThresholdValue.objects.bulk_create(
        ThresholdValue(
            instrument=instrument,
            pollutant=pollutants[i % 40],
            pollutant_label=f"P{i}",
            value_text=str(i + 1),
            value=i + 1,
            value_mg_kg=i + 1,
            unit=unit,
            unit_label="mg/kg",
            land_use=land_use,
            tier=tier,
            conditions_key=str(i),
            status="published",
        )
        for i in range(2000)
    )
    with django_assert_max_num_queries(8):
        response = client.get("/analysis/", HTTP_ACCEPT_LANGUAGE="en")
    assert len(response.context["rows"]) >= 40
    with django_assert_max_num_queries(8):
        client.get("/analysis/", {"format": "csv"})
