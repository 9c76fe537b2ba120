"""Item 13 of the reliability suite: hostile input.

XSS payloads typed into every free-text field (survey answers and instrument titles, legal
instruments, values' notes and quotes, SOP titles, the search box) are shown as text on every page
that shows them. NUL bytes, over-long strings and values of the wrong type, in every API field and
in the survey's forms, are a 400 that names the field, never a 500, and change nothing."""

import datetime

import pytest
from rest_framework.authtoken.models import Token

from reference.models import Country
from sops.models import Sop, SopVersion
from surveys.models import SurveyResponse
from surveys.services import response_start
from tests.reliability.helpers import every_table
from tests.thresholds.helpers import row
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.record import TEMPLATE_COLUMNS
from thresholds.serializers import NUMERIC_COLUMNS

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert('xss')</script>\"><img src=x onerror=alert(1)>"


@pytest.fixture
def hostile(edition, german_focal_point, curator):
    value = ThresholdValue.objects.filter(instrument__country__iso3="DEU", status="published").first()
    ThresholdValue.objects.filter(pk=value.pk).update(notes=PAYLOAD, source_quote=PAYLOAD, land_use_label=PAYLOAD)
    LegalInstrument.objects.filter(pk=value.instrument_id).update(title=PAYLOAD)
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    SurveyResponse.objects.filter(pk=response.pk).update(comments=PAYLOAD, needs_other=PAYLOAD, status="submitted")
    response.instruments.update(title=PAYLOAD)
    sop = Sop.objects.create(code="xss-sop", title=PAYLOAD, scope=PAYLOAD, analyte_group="metals", technique="icp_oes")
    # Published, so that the public pages show it (an SOP with drafts only is not public).
    SopVersion.objects.create(sop=sop, version="1.0", date=datetime.date(2024, 1, 1), status="published")
    return {"value": value, "response": response, "sop": sop}


@pytest.mark.parametrize(
    "path, who, shows",
    [
        ("/countries/DEU/", None, True),
        ("/instruments/{instrument}/", None, True),
        ("/pollutants/{pollutant}/", None, True),
        ("/search/?q=" + PAYLOAD, None, True),
        ("/search/?pollutant={pollutant}&country=DEU", None, False),
        ("/sops/", None, True),
        ("/sops/xss-sop/", None, True),
        ("/survey/responses/{response}/", "focal", False),
        ("/survey/responses/{response}/b/", "focal", True),
        ("/survey/responses/{response}/d/", "focal", True),
        ("/survey/responses/{response}/review/", "curator", False),
        ("/survey/dashboard/", "curator", False),
        ("/admin/thresholds/legalinstrument/?q=script", "curator", False),
        ("/admin/thresholds/thresholdvalue/{value}/change/", "curator", True),
        ("/admin/sops/sop/", "curator", True),
    ],
)
def test_script_in_free_text_is_shown_as_text(client, hostile, german_focal_point, curator, path, who, shows):
    """Never as markup; and where the page shows the field, as the escaped text."""
    value = hostile["value"]
    path = path.format(
        instrument=value.instrument_id, pollutant=value.pollutant.slug, response=hostile["response"].pk, value=value.pk
    )
    if who:
        client.force_login(german_focal_point if who == "focal" else curator)
    html = client.get(path).content.decode()
    assert "<script>alert(" not in html and "<img src=x" not in html, path
    if shows:
        assert "&lt;script&gt;alert(" in html, f"{path} does not show the text"


def test_the_api_returns_the_text_as_json_data(client, hostile):
    answer = client.get(f"/api/v1/instruments/{hostile['value'].instrument_id}/")
    assert answer["Content-Type"] == "application/json" and answer.json()["title"] == PAYLOAD


WRONG = {
    "a NUL byte": "lead\x00",
    "an over-long text": "x" * 20_000,
    "a number": 12345,
    "a list": ["lead", "zinc"],
    "an object": {"name": "lead"},
    "a boolean": True,
}


@pytest.fixture
def api(client, curator):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=curator).key}"
    return client


@pytest.mark.parametrize("kind", list(WRONG))
def test_every_field_of_a_new_value_refuses_bad_input_with_a_400(api, kind):
    before = every_table()
    wrong = []
    for column in TEMPLATE_COLUMNS:
        if kind == "a number" and column in NUMERIC_COLUMNS:
            continue  # a JSON number is a fine value for a numeric column
        answer = api.post("/api/v1/thresholds/", {**row(), column: WRONG[kind]}, content_type="application/json")
        if answer.status_code != 400 or column not in answer.json()["errors"]:
            wrong.append(f"{column}: {answer.status_code} {answer.content[:200]!r}")
    assert not wrong, "\n".join(wrong)
    assert every_table() == before


@pytest.mark.parametrize("kind", list(WRONG))
def test_every_field_of_an_instrument_refuses_bad_input_with_a_400(api, kind):
    before = every_table()
    base = {"country": "FRA", "title": "Arrêté", "year": 2025, "instrument_type": "regulation"}
    fields = ["country", "title", "year", "instrument_type", "status", "url", "title_en", "issuing_body", "binding"]
    wrong = []
    for name in fields:
        if kind == "a number" and name == "year":
            continue
        answer = api.post("/api/v1/instruments/", {**base, name: WRONG[kind]}, content_type="application/json")
        if answer.status_code != 400:
            wrong.append(f"{name}: {answer.status_code} {answer.content[:200]!r}")
    assert not wrong, "\n".join(wrong)
    assert every_table() == before


@pytest.mark.parametrize(
    "query",
    [
        {"page_size": "abc"}, {"page_size": "-5"}, {"page_size": "9" * 30}, {"offset": "-1"}, {"cursor": "%%%"},
        {"country": "x" * 5000}, {"value_min": "ten"}, {"ph": "acid"}, {"updated_since": "yesterday"},
        {"format": "exe"}, {"ordering": "password"}, {"country": "DEU\x00"},
    ],
)  # fmt: skip
def test_bad_query_parameters_never_fail_the_server(client, query):
    answer = client.get("/api/v1/thresholds/", query)
    assert answer.status_code in (200, 400, 404), (query, answer.status_code)
    page = client.get("/search/", query)
    assert page.status_code in (200, 400), (query, page.status_code)


BAD_SECTION_INPUT = {
    ("a", "a NUL byte"): {"situation": "binding\x00"},
    ("a", "a wrong choice"): {"situation": "<b>maybe</b>"},
    ("a", "an unknown land use"): {"situation": "binding", "land_uses": ["999999", "x"]},
    ("d", "a NUL byte"): {"working_towards_adoption": "yes", "comments": "fine\x00"},
    ("d", "an over-long text"): {"working_towards_adoption": "yes", "needs_other": "x" * 20_000},
    ("d", "a wrong choice"): {"working_towards_adoption": ["maybe", "<b>"]},
    ("d", "a wrong version"): {"working_towards_adoption": "yes", "version": "9" * 40},
}


@pytest.mark.parametrize("code, kind", list(BAD_SECTION_INPUT))
def test_the_survey_forms_refuse_bad_input_with_a_400(client, edition, german_focal_point, code, kind):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    bad = {"version": response.version, **BAD_SECTION_INPUT[code, kind]}
    before = every_table()
    page = client.post(f"/survey/responses/{response.pk}/{code}/", bad)
    assert page.status_code == 400, page.status_code
    autosaved = client.post(f"/survey/responses/{response.pk}/{code}/", bad, HTTP_X_AUTOSAVE="1")
    assert autosaved.status_code == 400 and (autosaved.json()["errors"] or autosaved.json()["message"])
    assert every_table() == before
