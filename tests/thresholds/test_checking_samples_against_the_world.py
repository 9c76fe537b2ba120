"""Checking soil samples against the world's values (issue 21), on hand-made jurisdictions whose answers
are known: pH band edges, a property not given, a soil correction computed by hand from the published
formula, superseded values left out, the page, the API (JSON and CSV), downloads and bad input."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reference.models import Country, Pollutant
from tests.factories import LegalInstrumentFactory, ThresholdValueFactory
from thresholds.models import SoilCorrection

pytestmark = pytest.mark.django_db
D = Decimal
# Countries without seed values, so every value here is one these tests made.
HAND_MADE = "NZL,ZAF,ARG"
API = "/api/v1/check/"


@pytest.fixture
def world():
    """Three jurisdictions' cadmium values for agricultural land.

    New Zealand: pH bands "pH<=5.5" 0.3 mg/kg and "5.5<pH<=7.5" 0.6 mg/kg (precautionary).
    South Africa: 1 mg/kg for any land use (trigger), and a superseded 5 mg/kg.
    Argentina: 10 mg/kg for the standard soil (intervention), corrected Dutch-style for clay and OM.
    """
    nzl = LegalInstrumentFactory(iso3="NZL", title="NZ soil guideline")
    ThresholdValueFactory(
        instrument=nzl, value_text="0.3", tier=_tier("precautionary"), ph_max=D("5.5"), condition_text="pH<=5.5"
    )
    ThresholdValueFactory(
        instrument=nzl, value_text="0.6", tier=_tier("precautionary"), ph_min=D("5.5"), ph_max=D("7.5"),
        condition_text="5.5<pH<=7.5",
    )  # fmt: skip
    zaf = LegalInstrumentFactory(iso3="ZAF", title="ZA norms 2010")
    ThresholdValueFactory(instrument=zaf, value_text="1", land_use=_land_use("any"))
    old = LegalInstrumentFactory(iso3="ZAF", title="ZA norms 1990", status="superseded")
    ThresholdValueFactory(instrument=old, value_text="5", land_use=_land_use("any"))
    arg = LegalInstrumentFactory(iso3="ARG", title="AR standard soil decree")
    standard = ThresholdValueFactory(instrument=arg, value_text="10", tier=_tier("intervention"))
    SoilCorrection.objects.create(
        instrument=arg,
        pollutant=standard.pollutant,
        constant_a=D("0.4"),
        constant_b=D("0.007"),
        constant_c=D("0.021"),
        lowest_clay=D("2"),
        lowest_organic_matter=D("2"),
        source_title="hand-made",
    )
    return {"nzl": nzl, "zaf": zaf, "arg": arg}


def _tier(code):
    from reference.models import Tier

    return Tier.objects.get(code=code)


def _land_use(code):
    from reference.models import LandUseClass

    return LandUseClass.objects.get(code=code)


def _check(client, **params):
    response = client.get(reverse("page-check"), {"country": HAND_MADE, **params})
    return response


def _api(client, body, **extra):
    return client.post(API, body, content_type="application/json", **extra)


def _expanded(answer: dict) -> list[dict]:
    """The answer's samples with each value's description (given once, under `thresholds`) merged
    into the findings that name it, as a reader of the answer would join them."""
    for sample in answer["samples"]:
        for finding in sample["findings"]:
            for value in finding["values"]:
                value.update({**answer["thresholds"][str(value["threshold"])], **value})
            finding["instrument"] = finding["values"][0]["instrument"]
            finding["tier"] = finding["values"][0]["tier"]
    return answer["samples"]


def _findings(client, **site):
    body = {
        "samples": [{"sample_id": "s1", "pollutant": "cadmium", "value": "1.2", "unit": "mg/kg"}],
        "site": site,
        "country": HAND_MADE.split(","),
    }
    response = _api(client, body)
    assert response.status_code == 200, response.content
    return _expanded(response.json())[0]["findings"]


def _by_country(findings):
    return {finding["country"]: finding for finding in findings}


def test_the_band_that_holds_the_soil_ph_applies_and_its_edge_belongs_to_the_band_below(client, world):
    at_edge = _by_country(_findings(client, land_use="agricultural", ph="5.5", clay="25", organic_matter="10"))
    nzl = at_edge["NZL"]
    assert nzl["outcome"] == "applies"
    assert [value["value_mg_kg"] for value in nzl["values"]] == ["0.3"]
    assert "applies where soil pH is at most 5.5" in nzl["values"][0]["why"]
    assert nzl["exceeds"] is True and nzl["values"][0]["ratio"] == "4"
    just_above = _by_country(_findings(client, land_use="agricultural", ph="5.51", clay="25", organic_matter="10"))
    assert [value["value_mg_kg"] for value in just_above["NZL"]["values"]] == ["0.6"]
    assert just_above["NZL"]["values"][0]["ratio"] == "2"


def test_without_the_soil_ph_the_check_shows_every_value_it_could_be_and_never_guesses(client, world):
    nzl = _by_country(_findings(client, land_use="agricultural"))["NZL"]
    assert nzl["outcome"] == "depends"
    assert nzl["depends_on"] == ["soil pH"]
    assert [value["value_mg_kg"] for value in nzl["values"]] == ["0.3", "0.6"]
    # 1.2 mg/kg exceeds both possible values: the answer does not depend on the pH.
    assert nzl["exceeds"] is True
    lower = _api(
        client,
        {"samples": [{"pollutant": "Cd", "value": "0.45", "unit": "mg/kg"}], "country": ["NZL"]},
    ).json()
    lower = _expanded(lower)[0]["findings"][0]
    assert lower["exceeds"] is None  # above 0.3, below 0.6: it depends on which applies


def test_the_page_says_what_the_value_depends_on_with_the_values_it_could_be(client, world):
    response = _check(client, pollutant="cadmium", value="0.45", unit="mg/kg", land_use="agricultural")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Depends on soil pH:" in text
    assert "0.3 mg/kg: set for this land use: Agricultural; applies where soil pH is at most 5.5" in text
    assert "Depends on which applies" in text


def test_a_formula_correction_matches_the_hand_computed_value_for_three_soils(client, world):
    # 10 x (0.4 + 0.007 L + 0.021 H) / (0.4 + 0.007 x 25 + 0.021 x 10); the standard soil's factor is 0.785.
    soils = {
        ("5", "2"): D("10") * (D("0.4") + D("0.035") + D("0.042")) / D("0.785"),  # 6.076...
        ("40", "20"): D("10") * (D("0.4") + D("0.28") + D("0.42")) / D("0.785"),  # 14.01...
        ("1", "0.5"): D("10") * (D("0.4") + D("0.014") + D("0.042")) / D("0.785"),  # held at 2 % and 2 %: 5.808...
    }
    for (clay, organic_matter), expected in soils.items():
        arg = _by_country(_findings(client, land_use="agricultural", ph="6", clay=clay, organic_matter=organic_matter))[
            "ARG"
        ]
        value = arg["values"][0]
        # To four significant figures: the law's constants carry no more.
        assert D(value["applicable_mg_kg"]) == expected.quantize(D(1).scaleb(expected.adjusted() - 3)), (
            clay,
            organic_matter,
        )
        assert value["value_mg_kg"] == "10"
        assert value["correction"]["standard_soil"] == {"clay": "25", "organic_matter": "10"}
        assert any("corrected for this soil" in reason for reason in value["why"])
    assert D(_by_country(_findings(client, ph="6", clay="5", organic_matter="2"))["ARG"]["values"][0]["ratio"]) == (
        D("1.2") / D("6.076")  # the corrected value to four figures
    ).quantize(D("0.001"))


def test_without_clay_or_organic_matter_a_corrected_value_depends_on_them(client, world):
    arg = _by_country(_findings(client, land_use="agricultural", ph="6", clay="5"))["ARG"]
    assert arg["outcome"] == "depends"
    assert arg["depends_on"] == ["organic matter"]
    assert arg["values"][0]["applicable_mg_kg"] == "10"  # the standard soil's, said to be so


def test_superseded_values_are_left_out_unless_asked(client, world):
    values = [
        v["value_mg_kg"]
        for v in _by_country(_findings(client, ph="6", clay="25", organic_matter="10"))["ZAF"]["values"]
    ]
    assert values == ["1"]
    body = {
        "samples": [{"pollutant": "cadmium", "value": "1.2", "unit": "mg/kg"}],
        "country": ["ZAF"],
        "include_superseded": True,
    }
    found = _expanded(_api(client, body).json())[0]["findings"]
    assert sorted(value["value_mg_kg"] for finding in found for value in finding["values"]) == ["1", "5"]
    assert {finding["instrument"]["status"] for finding in found} == {"in_force", "superseded"}


def test_findings_are_sorted_strictest_first_and_filtered_by_tier(client, world):
    findings = _findings(client, land_use="agricultural", ph="6", clay="25", organic_matter="10")
    assert [finding["values"][0]["applicable_mg_kg"] for finding in findings] == ["0.6", "1", "10"]
    body = {
        "samples": [{"pollutant": "cadmium", "value": "1.2", "unit": "mg/kg"}],
        "country": HAND_MADE.split(","),
        "tier": ["intervention"],
    }
    found = _expanded(_api(client, body).json())[0]["findings"]
    assert [finding["country"] for finding in found] == ["ARG"]


def test_units_synonyms_and_cas_numbers_are_read_as_the_import_reads_them(client, world):
    samples = [
        {"sample_id": "a", "pollutant": "Cadmium", "value": "1200", "unit": "µg/kg"},
        {"sample_id": "b", "pollutant": "7440-43-9", "value": "1,2", "unit": "mg kg-1 dry matter"},
        {"sample_id": "c", "pollutant": "Kadmium", "value": "1.2", "unit": "ppm"},
    ]
    response = _api(client, {"samples": samples, "site": {"ph": 6}, "country": ["ZAF"]})
    assert response.status_code == 200, response.content
    result = _expanded(response.json())
    assert [sample["concentration_mg_kg"] for sample in result] == ["1.2", "1.2", "1.2"]
    assert [(sample["row"], sample["sample_id"]) for sample in result] == [(1, "a"), (2, "b"), (3, "c")]
    assert all(sample["findings"][0]["values"][0]["ratio"] == "1.2" for sample in result)


def test_bad_samples_get_row_and_field_problems_and_nothing_is_checked(client, world):
    samples = [
        {"pollutant": "cadmium", "value": "1.2", "unit": "mg/kg"},
        {"pollutant": "Cadmum", "value": "abc", "unit": "furlongs"},
    ]
    response = _api(client, {"samples": samples, "site": {"ph": "15"}})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["site.ph"] == ["15 is outside 0 to 14."]
    response = _api(client, {"samples": samples})
    errors = response.json()["errors"]
    assert set(errors) == {"samples[2].pollutant", "samples[2].value", "samples[2].unit"}
    assert "Did you mean Cadmium?" in errors["samples[2].pollutant"][0]


@pytest.mark.parametrize(
    "body, field",
    [
        ([], "non_field_errors"),
        ({"samples": []}, "samples"),
        ({"samples": ["cadmium"]}, "samples[1]"),
        ({"samples": [{"pollutant": "cadmium", "value": True, "unit": "mg/kg"}]}, "samples[1].value"),
        ({"samples": [{"pollutant": "cadmium", "value": "1", "unit": "mg/kg"}], "country": ["XXX"]}, "country"),
        ({"samples": [{"pollutant": "cadmium", "value": "1", "unit": "mg/kg"}], "site": "acid"}, "site"),
        (
            {"samples": [{"pollutant": "cadmium", "value": "1", "unit": "mg/kg"}], "include_superseded": "yes"},
            "include_superseded",
        ),
        ({"samples": [{"pollutant": "cadmium", "value": "-1", "unit": "mg/kg"}]}, "samples[1].value"),
        ({"samples": [{"pollutant": "cadmium", "value": "NaN", "unit": "mg/kg"}]}, "samples[1].value"),
    ],
)
def test_bodies_of_the_wrong_shape_are_a_400_naming_the_field(client, world, body, field):
    response = _api(client, body)
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()


def test_a_csv_body_with_per_row_soil_answers_csv(client, world):
    body = "sample_id,pollutant,value,unit,ph\nlow,cadmium,0.45,mg/kg,5\nhigh,cadmium,0.45,mg/kg,7\n"
    response = client.post(f"{API}?country=NZL&format=csv", body, content_type="text/csv")
    assert response.status_code == 200, response.content
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(row["row"], row["sample_id"], row["threshold_mg_kg"], row["exceeds"]) for row in rows] == [
        ("2", "low", "0.3", "yes"),
        ("3", "high", "0.6", "no"),
    ]
    assert rows[0]["ratio"] == "1.5" and rows[0]["source_url"] == ""


def test_the_downloads_keep_numbers_as_machines_read_them_in_every_language(client, world):
    client.cookies["django_language"] = "fr"
    params = {"country": "NZL", "pollutant": "cadmium", "value": "0,45", "unit": "mg/kg", "ph": "5"}
    response = client.get(reverse("page-check"), {**params, "format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["concentration_mg_kg"], row["threshold_mg_kg"], row["ratio"]) == ("0.45", "0.3", "1.5")
    response = client.get(reverse("page-check"), {**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert sheet[2][header.index("ratio")].value == "1.5"


def test_many_samples_pasted_or_uploaded_on_the_page(client, world):
    pasted = (
        "sample_id\tpollutant\tvalue\tunit\nA\tcadmium\t0.1\tmg/kg\nB\tcadmium\t2\tmg/kg\nC\tunobtainium\t1\tmg/kg\n"
    )
    response = client.post(reverse("page-check"), {"samples": pasted, "ph": "6", "country": "ZAF"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "2 samples checked" in text
    assert "1 entry could not be read" in text and "No pollutant is called “unobtainium”." in text
    template = client.get(reverse("page-check-template-csv"))
    upload = io.BytesIO(template.content)
    upload.name = "samples.csv"
    response = client.post(reverse("page-check"), {"file": upload, "country": "ZAF"})
    assert response.status_code == 200
    assert "2 samples checked" in response.content.decode()


def test_a_table_without_the_needed_columns_or_over_the_limit_is_refused_clearly(client, world, settings):
    response = client.post(reverse("page-check"), {"samples": "name,amount\ncadmium,1\n"})
    assert response.status_code == 400
    assert "The table has no column pollutant, value, unit" in response.content.decode()
    rows = "pollutant,value,unit\n" + "cadmium,1,mg/kg\n" * 10_001
    response = client.post(f"{API}?format=json", rows, content_type="text/csv")
    assert response.status_code == 400
    assert "More than 10,000 samples" in response.json()["errors"]["samples"][0]


def test_the_check_runs_a_bounded_number_of_queries_however_many_samples(client, world, django_assert_max_num_queries):
    def body(count):
        return {
            "samples": [
                {"sample_id": str(n), "pollutant": ["cadmium", "lead", "zinc"][n % 3], "value": str(n), "unit": "mg/kg"}
                for n in range(count)
            ],
            "site": {"ph": "6", "clay": "10", "organic_matter": "3"},
        }

    with django_assert_max_num_queries(30) as few:
        assert _api(client, body(3)).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        assert _api(client, body(600)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_issues_sample_finds_every_jurisdictions_cadmium_values_with_reasons(client):
    """pH 5.5, sandy, 1.2 mg/kg cadmium on agricultural land, against the seed data."""
    response = _api(
        client,
        {
            "samples": [{"pollutant": "cadmium", "value": "1.2", "unit": "mg/kg"}],
            "site": {"land_use": "agricultural", "ph": "5.5", "texture": "sand"},
        },
    )
    sample = _expanded(response.json())[0]
    countries = {finding["country"] for finding in sample["findings"]}
    seeded = set(
        Country.objects.filter(
            instruments__values__pollutant=Pollutant.objects.get(name="Cadmium"),
            instruments__status="in_force",
        ).values_list("iso3", flat=True)
    )
    assert {"CHN", "DEU", "CAN", "ITA", "JPN", "KOR", "NLD"} <= countries <= seeded
    chn = next(finding for finding in sample["findings"] if finding["country"] == "CHN")
    assert chn["values"][0]["value_mg_kg"] == "0.3" and chn["exceeds"] is True
    deu = next(finding for finding in sample["findings"] if finding["country"] == "DEU")
    assert "sandy soils" in deu["values"][0]["why"]
    assert sample["exceeded"] >= 4


def test_the_dutch_sample_is_compared_with_the_corrected_intervention_value(client):
    """5 % clay and 2 % organic matter: 530 x (50 + 5 + 2) / (50 + 25 + 10) = 355.4 mg/kg lead."""
    response = _api(
        client,
        {
            "samples": [{"pollutant": "lead", "value": "400", "unit": "mg/kg"}],
            "site": {"clay": "5", "organic_matter": "2"},
            "country": ["NLD"],
        },
    )
    finding = _expanded(response.json())[0]["findings"][0]
    value = finding["values"][0]
    assert finding["tier"]["code"] == "intervention"
    assert (value["value_mg_kg"], value["applicable_mg_kg"], value["exceeds"]) == ("530", "355.4", True)
    assert value["correction"]["constants"] == {"A": "50", "B": "1", "C": "1"}


def test_large_checks_count_against_the_download_budget_of_anonymous_clients(client, world, settings):
    from rest_framework.settings import api_settings

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    rates = api_settings.DEFAULT_THROTTLE_RATES
    before = rates["exports_anon"]
    rates["exports_anon"] = "2/hour"
    try:
        many = {"samples": [{"pollutant": "cadmium", "value": "1", "unit": "mg/kg"}] * 101, "country": ["ZAF"]}
        assert [_api(client, many).status_code for _ in range(3)] == [200, 200, 429]
        small = {"samples": [{"pollutant": "cadmium", "value": "1", "unit": "mg/kg"}] * 100, "country": ["ZAF"]}
        assert _api(client, small).status_code == 200  # a small check is not a download
        pasted = "pollutant,value,unit\n" + "cadmium,1,mg/kg\n" * 101
        response = client.post(reverse("page-check"), {"samples": pasted})
        assert response.status_code == 429 and response["Retry-After"]
    finally:
        rates["exports_anon"] = before


def test_a_workbook_too_large_is_refused_with_a_pointer_to_the_csv(client, world, settings):
    settings.EXPORT_XLSX_MAX_ROWS = 5
    body = {"samples": [{"pollutant": "cadmium", "value": "1", "unit": "mg/kg"}] * 6, "country": ["ZAF"]}
    response = client.post(f"{API}?format=xlsx", body, content_type="application/json")
    assert response.status_code == 400
    assert "download the CSV" in response.json()["errors"]["format"][0]
    assert client.post(f"{API}?format=csv", body, content_type="application/json").status_code == 200


def test_the_instrument_page_shows_each_value_for_your_soil(client, world):
    arg = world["arg"]
    page = client.get(reverse("page-instrument", args=[arg.pk]), {"clay": "5", "organic_matter": "2"})
    text = page.content.decode()
    assert page.status_code == 200
    # 10 x (0.4 + 0.007 x 5 + 0.021 x 2) / 0.785 = 6.076 mg/kg
    assert "for your soil: 6.076 mg/kg" in text
    assert "standard soil of 25 % clay and 10 % organic matter" in text
    plain = client.get(reverse("page-instrument", args=[arg.pk]))
    assert "for the standard soil" in plain.content.decode() and "for your soil:" not in plain.content.decode()
    refused = client.get(reverse("page-instrument", args=[arg.pk]), {"clay": "lots"})
    assert refused.status_code == 400 and "is not a number" in refused.content.decode()
    # A country page marks the value as set for the standard soil, linking to the formula.
    country = client.get(reverse("page-country", args=["ARG"])).content.decode()
    assert f"/instruments/{arg.pk}/#soil-correction" in country


def test_a_curator_adds_a_soil_correction_in_the_admin_and_the_check_applies_it(client, curator):
    zaf = LegalInstrumentFactory(iso3="ZAF", title="ZA standard-soil norms")
    ThresholdValueFactory(instrument=zaf, pollutant=Pollutant.objects.get(name="Lead"), value_text="100")
    client.force_login(curator)
    form = {
        "instrument": zaf.pk,
        "pollutant": Pollutant.objects.get(name="Lead").pk,
        "kind": "standard_soil",
        "constant_a": "50",
        "constant_b": "1",
        "constant_c": "1",
        "standard_clay": "25",
        "standard_organic_matter": "10",
        "source_title": "Hand-made norms, annex 2",
    }
    response = client.post("/admin/thresholds/soilcorrection/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    bad = client.post(
        "/admin/thresholds/soilcorrection/add/", {**form, "constant_a": "-85", "pollutant": form["pollutant"]}
    )
    assert bad.status_code == 200 and "must be above zero for the standard soil" in bad.content.decode()
    client.logout()
    body = {
        "samples": [{"pollutant": "lead", "value": "80", "unit": "mg/kg"}],
        "site": {"clay": "5", "organic_matter": "2"},
        "country": ["ZAF"],
    }
    value = _expanded(_api(client, body).json())[0]["findings"][0]["values"][0]
    # 100 x (50 + 5 + 2) / (50 + 25 + 10) = 67.06 mg/kg
    assert (value["applicable_mg_kg"], value["exceeds"]) == ("67.06", True)


def test_a_single_sample_that_cannot_be_read_is_a_400_that_says_why(client, world):
    response = _check(client, pollutant="Cadmum", value="1", unit="mg/kg")
    assert response.status_code == 400
    assert "No pollutant is called “Cadmum”. Did you mean Cadmium?" in response.content.decode()
