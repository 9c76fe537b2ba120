"""Benchmarking a draft (issue 21): where each proposed value sits among the values in force elsewhere,
with figures worked out by hand, the draft's own country and superseded values left out, bad rows
reported while the rest is benchmarked, and nothing stored."""

import csv
import io

import pytest
from django.test import override_settings
from django.urls import reverse

from reference.models import Country
from tests.factories import LegalInstrumentFactory, ThresholdValueFactory, _reference
from tests.thresholds.helpers import csv_bytes
from thresholds.benchmark import ABOVE, BELOW, benchmark_draft
from thresholds.models import ImportBatch, LegalInstrument, ThresholdValue

pytestmark = pytest.mark.django_db
URL = "/benchmark/"


@pytest.fixture
def world():
    """The world reduced to hand-made jurisdictions: the seed's instruments are set aside (repealed),
    then, in mg/kg:

    cadmium, residential, trigger: FRA 1, ITA 2, ESP 4 and 6 (two pH bands: its median 5), NLD 10 (and
    100 for any land use, not used: it has a residential value), BEL 8 for any land use only, and two
    states of the USA, California 20 and Texas 40. DEU 3 (the draft's country) and AUT 1000
    (superseded) are there to be left out. Sorted: 1, 2, 5, 8, 10, 20, 40; median 8.
    cadmium, any land use, trigger: BEL 8, NLD 100; median 54.
    lead, residential, intervention: FRA 100, ITA 200, ESP 400; median 200.
    """
    LegalInstrument.objects.update(status=LegalInstrument.Status.REPEALED)

    def value(iso3, text, *, pollutant="Cadmium", land_use="residential", tier="trigger", jurisdiction="", **extra):
        instrument = extra.pop("instrument", None) or LegalInstrumentFactory(iso3=iso3, jurisdiction=jurisdiction)
        return ThresholdValueFactory(
            instrument=instrument,
            pollutant=_reference("Pollutant", name=pollutant),
            land_use=_reference("LandUseClass", code=land_use),
            tier=_reference("Tier", code=tier),
            value_text=text,
            **extra,
        )

    value("FRA", "1")
    value("ITA", "2")
    spain = value("ESP", "4", ph_max="6", condition_text="pH<=6").instrument
    value("ESP", "6", instrument=spain, ph_min="6.01", condition_text="pH>6")
    netherlands = value("NLD", "10").instrument
    value("NLD", "100", instrument=netherlands, land_use="any")
    value("BEL", "8", land_use="any")
    value("USA", "20", jurisdiction="California")
    value("USA", "40", jurisdiction="Texas")
    value("DEU", "3")
    austria = value("AUT", "1000").instrument
    austria.status = LegalInstrument.Status.SUPERSEDED
    austria.save()
    for iso3, text in (("FRA", "100"), ("ITA", "200"), ("ESP", "400")):
        value(iso3, text, pollutant="Lead", tier="intervention")


def draft(*rows, columns=None) -> bytes:
    return csv_bytes(
        list(rows), columns=columns or ["country", "pollutant", "cas", "land_use", "tier", "value", "unit"]
    )


def proposed(pollutant="Cadmium", value="3", unit="mg/kg", land_use="residential", tier="trigger", **extra):
    return {
        "country": "DEU",
        "pollutant": pollutant,
        "land_use": land_use,
        "tier": tier,
        "value": value,
        "unit": unit,
    } | extra


TEN_VALUES = draft(
    proposed(value="3"),  # row 2
    proposed(value="100"),  # row 3: 12.5 times the median
    proposed(value="0.5"),  # row 4: a sixteenth of it
    proposed(value="8000", unit="µg/kg"),  # row 5: 8 mg/kg
    proposed(value="5", land_use="any"),  # row 6: among the values for any land use only
    proposed(pollutant="", cas="7440-43-9", value="40"),  # row 7: cadmium by its CAS number
    proposed(pollutant="Lead", value="150", tier="intervention"),  # row 8
    proposed(pollutant="Lead", value="300", unit="ppm", tier="intervention"),  # row 9
    proposed(pollutant="Lead", value="2000", tier="intervention"),  # row 10: exactly ten times: not flagged
    proposed(pollutant="Zinc", value="200", land_use="agricultural", tier="precautionary"),  # row 11: none
)


def by_row(result):
    return {item.row: item for item in result.benchmarks}


def test_each_proposed_value_is_placed_among_the_jurisdictions_in_force_elsewhere(world):
    rows = by_row(benchmark_draft(file_name="draft.csv", content=TEN_VALUES))

    cadmium = rows[2]
    assert [item.name for item in cadmium.jurisdictions] == [
        "France",
        "Italy",
        "Spain",
        "Belgium",
        "Netherlands",
        "United States, California",
        "United States, Texas",
    ]
    assert (cadmium.count, cadmium.low, cadmium.median, cadmium.high) == (7, 1, 8, 40)
    assert cadmium.percentile == pytest.approx(100 * 2 / 7)  # 1 and 2 below 3
    assert cadmium.far == ""
    spain = cadmium.jurisdictions[2]
    assert (spain.mg_kg, spain.values) == (5, 2)
    assert cadmium.jurisdictions[3].any_land_use and not cadmium.jurisdictions[4].any_land_use

    assert (rows[3].percentile, rows[3].far) == (100, ABOVE)
    assert (rows[4].percentile, rows[4].far) == (0, BELOW)
    assert rows[5].value_mg_kg == 8
    assert rows[5].percentile == pytest.approx(100 * 3.5 / 7)  # 1, 2, 5 below; 8 equal counts half
    assert (rows[6].count, rows[6].median, rows[6].percentile, rows[6].far) == (2, 54, 0, BELOW)  # 5/54 < 1/10
    assert rows[7].pollutant.name == "Cadmium"
    assert rows[7].percentile == pytest.approx(100 * 6.5 / 7)

    lead = rows[8]
    assert (lead.count, lead.low, lead.median, lead.high) == (3, 100, 200, 400)
    assert lead.percentile == pytest.approx(100 / 3)
    assert rows[9].value_mg_kg == 300 and rows[9].percentile == pytest.approx(200 / 3)
    assert (rows[10].percentile, rows[10].far) == (100, "")
    assert (rows[11].count, rows[11].median, rows[11].percentile) == (0, None, None)


def test_the_drafts_country_is_left_out_only_when_given(world):
    without_country = draft(proposed(country=""), columns=["pollutant", "land_use", "tier", "value", "unit"])
    cadmium = benchmark_draft(file_name="draft.csv", content=without_country).benchmarks[0]
    assert cadmium.count == 8 and "Germany" in [item.name for item in cadmium.jurisdictions]

    from_france = benchmark_draft(file_name="draft.csv", content=draft(proposed(country="FRA")))
    assert [item.name for item in from_france.benchmarks[0].jurisdictions][:2] == ["Italy", "Germany"]


def test_superseded_values_are_left_out(world):
    cadmium = benchmark_draft(file_name="draft.csv", content=TEN_VALUES).benchmarks[0]
    assert "Austria" not in [item.name for item in cadmium.jurisdictions]
    assert cadmium.high == 40


def test_a_bad_row_is_reported_by_row_and_column_and_the_rest_is_benchmarked(world, anonymous):
    content = draft(
        proposed(value="3"),
        proposed(value="3", unit="furlongs"),
        proposed(value="1,5"),
        proposed(pollutant="Lead", value="150", tier="intervention"),
    )
    response = anonymous.post(URL, {"draft": _upload(content)})

    assert response.status_code == 200
    result = response.context["result"]
    assert [(problem.row, problem.column) for problem in result.problems] == [(3, "unit"), (4, "value")]
    assert [item.row for item in result.benchmarks] == [2, 5]
    page = response.content.decode()
    assert "furlongs" in page and "1,5" in page


def test_nothing_is_written_to_the_database(world, anonymous):
    models = (ThresholdValue, LegalInstrument, ImportBatch, Country)
    before = [model.objects.count() for model in models]
    for output in ("html", "csv", "xlsx"):
        assert anonymous.post(URL, {"draft": _upload(TEN_VALUES), "format": output}).status_code == 200
    assert [model.objects.count() for model in models] == before


def test_the_page_shows_the_figures_and_a_chart_per_pollutant(world, anonymous):
    assert anonymous.get(URL).status_code == 200
    response = anonymous.post(URL, {"draft": _upload(TEN_VALUES)})
    page = response.content.decode()
    assert page.count("<svg viewBox") == 3  # cadmium, lead, zinc (the draft alone)
    assert "more than 10× above" in page and "more than 10× below" in page
    assert 'class="mark draft"' in page


def test_the_csv_download_is_not_localized_in_french(world, anonymous):
    page = anonymous.post(URL, {"draft": _upload(TEN_VALUES)}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<td>0,5</td>" in page  # the page speaks French...

    response = anonymous.post(URL, {"draft": _upload(TEN_VALUES), "format": "csv"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    table = {row["row"]: row for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert table["4"]["value_mg_kg"] == "0.5"  # ...the download never does
    assert (table["4"]["percentile"], table["4"]["order_of_magnitude_from_median"]) == ("0", "below")
    assert (table["5"]["value_mg_kg"], table["5"]["median_mg_kg"], table["5"]["percentile"]) == ("8", "8", "50")
    assert (table["2"]["jurisdictions"], table["2"]["min_mg_kg"], table["2"]["max_mg_kg"]) == ("7", "1", "40")
    assert table["2"]["percentile"] == "29"
    assert (table["6"]["median_mg_kg"], table["6"]["order_of_magnitude_from_median"]) == ("54", "below")
    assert (table["8"]["min_mg_kg"], table["8"]["percentile"]) == ("100", "33")
    assert (table["3"]["order_of_magnitude_from_median"], table["10"]["order_of_magnitude_from_median"]) == (
        "above",
        "",
    )


def test_an_unsafe_or_oversized_file_is_refused_with_a_clear_message(world, anonymous):
    macro = anonymous.post(URL, {"draft": _upload(b"PK\x03\x04", name="draft.xlsm")})
    assert macro.status_code == 400
    assert "macro-enabled workbooks are refused" in macro.content.decode()

    with override_settings(THRESHOLD_IMPORT_MAX_BYTES=1_000_000):
        large = anonymous.post(URL, {"draft": _upload(TEN_VALUES + b"\n" * 1_100_000)})
    assert large.status_code == 400
    assert "draft.csv: 1.1 MB is over the 1 MB limit; split the file." in large.content.decode()

    no_unit = draft(proposed(), columns=["pollutant", "land_use", "tier", "value"])
    header = anonymous.post(URL, {"draft": _upload(no_unit)})
    assert header.status_code == 400 and "required column(s) missing: unit" in header.content.decode()

    nothing = anonymous.post(URL, {"format": "html"})
    assert nothing.status_code == 400 and "Choose a file" in nothing.content.decode()


def test_a_draft_longer_than_the_limit_is_refused(world, anonymous, monkeypatch):
    monkeypatch.setattr("thresholds.benchmark.MAX_DRAFT_ROWS", 3)
    response = anonymous.post(URL, {"draft": _upload(TEN_VALUES)})
    assert response.status_code == 400
    assert "more than 3 rows" in response.content.decode()


def test_a_draft_of_200_rows_takes_a_bounded_number_of_queries(world, anonymous, django_assert_max_num_queries):
    pollutants = ["Cadmium", "Lead", "Zinc", "Copper", "Nickel"]
    tiers = ["trigger", "intervention", "precautionary", "background"]
    land_uses = ["residential", "agricultural", "any", "industrial", "parkland"]
    rows = [
        proposed(
            pollutant=pollutants[index % 5], tier=tiers[index % 4], land_use=land_uses[index % 3], value=str(index + 1)
        )
        for index in range(200)
    ]
    content = draft(*rows)
    with django_assert_max_num_queries(20):
        response = anonymous.post(URL, {"draft": _upload(content)})
    assert response.status_code == 200
    assert len(response.context["result"].benchmarks) == 200


def test_a_post_without_the_csrf_token_is_refused(world):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(URL, {"draft": _upload(TEN_VALUES)})
    assert response.status_code == 403


def test_the_template_can_be_downloaded_by_anyone(anonymous):
    response = anonymous.get(reverse("page-benchmark-template-csv"))
    assert response.status_code == 200
    assert b"pollutant" in response.content and b"land_use" in response.content
    assert anonymous.get(reverse("page-benchmark-template-xlsx")).status_code == 200


def _upload(content: bytes, name: str = "draft.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")
