"""Hostile numbers: decimals their columns cannot hold, ids and versions of thousands of digits, the
ETag of another kind of record, free text of megabytes, a PATCH that changes nothing.

Each is refused where it arrives (the import, the API, the survey, the admin, the database) with a
message that says what is wrong, where, and what to do; never a 500, and nothing is written."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from reference.models import Country, Unit, UnitAlias
from surveys.models import ResponseValue
from surveys.services import response_request_changes, response_start
from tests.reliability.helpers import admin_form_data, every_table
from tests.thresholds.helpers import csv_bytes, row
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.services import ImportRejected, threshold_import

pytestmark = pytest.mark.django_db

THIRTY_DIGITS = "123456789012345678901234567890"


@pytest.fixture
def api(client, curator):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=curator).key}"
    return client


def import_problems(rows) -> dict[tuple[int, str], str]:
    with pytest.raises(ImportRejected) as raised:
        threshold_import(file_name="hostile.csv", content=csv_bytes(rows))
    return {(problem.row, problem.column): problem.message for problem in raised.value.plan.problems}


def created(api, **changes):
    answer = api.post("/api/v1/thresholds/", row(**changes), content_type="application/json")
    assert answer.status_code == 201, answer.json()
    return answer


# ---- decimals that do not fit their columns -------------------------------------------------------


def test_the_import_refuses_decimals_their_columns_cannot_hold_by_row_and_column():
    before = every_table()
    found = import_problems(
        [
            row(cec_min="123456789"),
            row(pollutant="Lead", ph_min="5.123"),
            row(pollutant="Zinc", cec_max="-1"),
            row(pollutant="Copper", clay_max="99.999"),
            row(pollutant="Nickel", toc_min="1E+3"),
            row(pollutant="Mercury", cec_max="1000.5"),
        ]
    )
    assert found[2, "cec_min"].startswith("cec_min 123456789 is outside 0-1000 cmol(+)/kg")
    assert found[3, "ph_min"] == "ph_min 5.123 has 3 decimal places; this column keeps 2: round it (e.g. 5.12)."
    assert found[4, "cec_max"].startswith("cec_max -1 is outside 0-1000 cmol(+)/kg")
    assert found[5, "clay_max"].startswith("clay_max 99.999 has 3 decimal places")
    assert found[6, "toc_min"] == "toc_min 1E+3 is not a percentage between 0 and 100."
    assert found[7, "cec_max"].startswith("cec_max 1000.5 is outside 0-1000")
    assert every_table() == before


def test_trailing_zeros_beyond_a_columns_places_are_not_a_problem():
    result = threshold_import(file_name="zeros.csv", content=csv_bytes([row(ph_min="5.500", cec_max="1000.000")]))
    value = ThresholdValue.objects.get(import_batch=result.batch)
    assert (value.ph_min, value.cec_max) == (Decimal("5.50"), Decimal("1000.00"))


def test_conditions_recognised_in_the_text_are_checked_like_the_columns():
    found = import_problems([row(condition="pH 5.125-6.5")])
    assert found[2, "condition"] == (
        "condition: ph_min 5.125 has 3 decimal places; this column keeps 2: round it (e.g. 5.13)."
    )


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("1e30", "mg/kg", 'value "1e30" is not a number'),
        ("0." + "1" * 20, "mg/kg", "not a number"),
        ("1" * 15, "mg/kg", "not a number"),
        ("99999999999999", "g/g", "is 9.9999999999999E+19 mg/kg: more than the 18 digits before the point"),
    ],
)
def test_a_value_its_columns_cannot_hold_is_refused(value, unit, expected):
    # A mass fraction a curator may add: a million mg/kg per g/g.
    grams = Unit.objects.create(
        code="g/g", name="gram per gram", kind="mass_fraction", pint_expression="g/g", factor_to_mg_kg=10**6
    )
    UnitAlias.objects.create(unit=grams, alias="g/g")
    before = every_table()
    found = import_problems([row(value=value, unit=unit)])
    assert expected in found[2, "value"]
    assert every_table() == before


@pytest.mark.parametrize(
    ("changes", "column", "expected"),
    [
        ({"ph_min": "5.123"}, "ph_min", "ph_min 5.123 has 3 decimal places"),
        ({"cec_min": 123456789}, "cec_min", "cec_min 123456789 is outside 0-1000 cmol(+)/kg"),
        ({"cec_max": -5}, "cec_max", "cec_max -5 is outside 0-1000"),
        ({"toc_max": 0.001}, "toc_max", "toc_max 0.001 has 3 decimal places"),
        ({"value": 1e30}, "value", "is not a number"),
    ],
)
def test_the_api_refuses_decimals_their_columns_cannot_hold_with_a_400(api, changes, column, expected):
    before = every_table()
    answer = api.post("/api/v1/thresholds/", row(**changes), content_type="application/json")
    assert answer.status_code == 400, answer.content[:300]
    assert expected in answer.json()["errors"][column][0]
    assert every_table() == before


def test_the_api_refuses_such_a_decimal_in_a_patch_and_keeps_the_value(api):
    answer = created(api)
    url, etag = answer.json()["url"], answer["ETag"]
    refused = api.patch(url, {"cec_min": "99999.99"}, content_type="application/json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 400 and "cec_min" in refused.json()["errors"]
    value = ThresholdValue.objects.get(pk=answer.json()["id"])
    assert value.cec_min is None and value.version == 1


def test_the_survey_refuses_decimals_their_columns_cannot_hold(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    instrument = response.instruments.first()
    client.force_login(german_focal_point)
    content = csv_bytes(
        [
            {**row(pollutant="Thallium", ph_min="5.123"), "ph_max": ""},
            {**row(pollutant="Thallium", ph_min="", land_use="residential"), "ph_max": "123456"},
        ],
        columns=["pollutant", "land_use", "tier", "value", "unit", "ph_min", "ph_max"],
    )
    before = ResponseValue.objects.count()
    page = client.post(
        f"/survey/responses/{response.pk}/c/",
        {
            "version": response.version,
            "upload": "1",
            "upload-instrument": instrument.pk,
            "upload-file": SimpleUploadedFile("values.csv", content, content_type="text/csv"),
        },
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert "Line 2: ph_min 5.123 has 3 decimal places" in html
    assert "Line 3: ph_max 123456 is outside the pH scale 0-14." in html
    assert ResponseValue.objects.count() == before


def test_the_admin_refuses_a_cec_outside_its_range(client, curator):
    value = ThresholdValue.objects.first()
    client.force_login(curator)
    url = f"/admin/thresholds/thresholdvalue/{value.pk}/change/"
    page = client.post(url, admin_form_data(client, url, cec_min="-3", cec_max="2500"))
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert "cec_min" in errors and "cec_max" in errors
    value.refresh_from_db()
    assert value.cec_min is None and value.cec_max is None


@pytest.mark.parametrize("cec", ["-0.01", "1000.01"])
def test_the_database_refuses_a_cec_outside_0_to_1000(cec):
    value = ThresholdValue.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ThresholdValue.objects.filter(pk=value.pk).update(cec_max=Decimal(cec))


# ---- model validation errors, ids and versions ----------------------------------------------------


def test_a_model_validation_error_is_a_400_in_the_api_error_shape():
    from core.api_errors import api_exception_handler

    for error, expected in (
        (DjangoValidationError({"ph_min": ["Too precise."]}), {"ph_min": ["Too precise."]}),
        (DjangoValidationError("Not allowed together."), {"non_field_errors": ["Not allowed together."]}),
        (DjangoValidationError({"__all__": ["Twice."]}), {"non_field_errors": ["Twice."]}),
    ):
        response = api_exception_handler(error, {})
        assert response.status_code == 400
        assert response.data["code"] == "invalid" and response.data["errors"] == expected


def test_a_model_validation_error_on_an_api_create_is_a_400_and_writes_nothing(api, monkeypatch):
    def refuse(value):
        raise DjangoValidationError({"notes": ["The model says no."]})

    monkeypatch.setattr(ThresholdValue, "clean", refuse)
    before = every_table()
    answer = api.post("/api/v1/thresholds/", row(notes="x"), content_type="application/json")
    assert answer.status_code == 400 and answer.json()["errors"] == {"notes": ["The model says no."]}
    assert every_table() == before


@pytest.mark.parametrize("etag", ['"thresholdvalue-{pk}-v{nines}"', '"thresholdvalue-{nines}-v1"'])
def test_an_if_match_of_thousands_of_digits_is_a_412(api, etag):
    answer = created(api)
    header = etag.format(pk=answer.json()["id"], nines="9" * 5000)
    refused = api.patch(answer.json()["url"], {"notes": "x"}, content_type="application/json", HTTP_IF_MATCH=header)
    assert refused.status_code == 412 and refused.json()["code"] == "precondition_failed"
    assert ThresholdValue.objects.get(pk=answer.json()["id"]).notes == ""


def test_the_etag_of_an_instrument_does_not_change_the_value_with_its_id(api):
    instrument = LegalInstrument.objects.order_by("pk").first()
    value = ThresholdValue.objects.get(pk=instrument.pk)
    refused = api.patch(
        f"/api/v1/thresholds/{value.pk}/",
        {"notes": "changed"},
        content_type="application/json",
        HTTP_IF_MATCH=f'"legalinstrument-{value.pk}-v{value.version}"',
    )
    assert refused.status_code == 412
    assert ThresholdValue.objects.get(pk=value.pk).notes == value.notes


@pytest.mark.parametrize("number", [THIRTY_DIGITS, "9" * 19, "999999999999999999"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/thresholds/{n}/",
        "/api/v1/instruments/{n}/",
        "/api/v1/pollutants/{n}/",
        "/api/v1/laboratories/{n}/",
        "/api/v1/survey-responses/{n}/",
        "/instruments/{n}/",
        "/survey/responses/{n}/",
        "/survey/responses/{n}/review/",
        "/survey/responses/{n}/c/",
        "/survey/legal-texts/{n}/",
    ],
)
def test_an_id_too_large_for_the_database_is_a_404(client, curator, path, number):
    client.force_login(curator)
    assert client.get(path.format(n=number)).status_code == 404


def test_an_id_too_large_for_the_database_is_a_404_for_writes_too(api):
    url = f"/api/v1/thresholds/{THIRTY_DIGITS}/"
    assert api.patch(url, {}, content_type="application/json", HTTP_IF_MATCH='"x"').status_code == 404
    assert api.post(f"{url}withdraw/", HTTP_IF_MATCH='"x"').status_code == 404
    assert api.post(f"/api/v1/instruments/{THIRTY_DIGITS}/withdraw/", HTTP_IF_MATCH='"x"').status_code == 404


# ---- free text and changes that change nothing ----------------------------------------------------


@pytest.mark.parametrize("size", [10_001, 9 * 2**20])
def test_instrument_notes_longer_than_10000_characters_are_refused(api, size):
    base = {"country": "FRA", "title": "Arrêté notes", "year": 2025}
    before = every_table()
    answer = api.post("/api/v1/instruments/", {**base, "notes": "x" * size}, content_type="application/json")
    assert answer.status_code == 400 and "10000" in answer.json()["errors"]["notes"][0].replace(",", "")
    assert every_table() == before
    fits = api.post("/api/v1/instruments/", {**base, "notes": "x" * 10_000}, content_type="application/json")
    assert fits.status_code == 201, fits.content[:300]


def test_the_model_refuses_free_text_longer_than_10000_characters():
    instrument = LegalInstrument.objects.first()
    instrument.notes = "x" * 10_001
    with pytest.raises(DjangoValidationError) as raised:
        instrument.full_clean()
    assert "notes" in raised.value.message_dict
    value = ThresholdValue.objects.first()
    value.source_quote = "x" * 10_001
    with pytest.raises(DjangoValidationError) as raised:
        value.full_clean()
    assert "source_quote" in raised.value.message_dict


def test_survey_comments_longer_than_10000_characters_are_refused_with_a_400(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    before = every_table()
    page = client.post(
        f"/survey/responses/{response.pk}/d/",
        {"version": response.version, "working_towards_adoption": "yes", "comments": "x" * 10_001},
    )
    assert page.status_code == 400
    assert "at most 10000 characters" in page.content.decode().replace(",", "")
    assert every_table() == before


def test_a_review_comment_longer_than_10000_characters_is_refused(edition, german_focal_point, curator):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    before = every_table()
    with pytest.raises(DjangoValidationError, match="at most 10,000 are kept"):
        response_request_changes(
            response=response, user=curator, expected_version=response.version, comments=[("a", None, "x" * 10_001)]
        )
    assert every_table() == before


@pytest.mark.parametrize("body", [{}, {"value": "0.40", "notes": ""}])
def test_a_value_patch_that_changes_nothing_keeps_version_etag_and_history(api, body):
    answer = created(api)
    value = ThresholdValue.objects.get(pk=answer.json()["id"])
    unchanged = api.patch(answer.json()["url"], body, content_type="application/json", HTTP_IF_MATCH=answer["ETag"])
    assert unchanged.status_code == 200 and unchanged["ETag"] == answer["ETag"]
    after = ThresholdValue.objects.get(pk=value.pk)
    assert (after.version, after.updated_at, after.history.count()) == (1, value.updated_at, 1)


@pytest.mark.parametrize("body", [{}, {"title": "Arrêté sans changement", "year": 2025}])
def test_an_instrument_patch_that_changes_nothing_keeps_version_etag_and_history(api, body):
    answer = api.post(
        "/api/v1/instruments/",
        {"country": "FRA", "title": "Arrêté sans changement", "year": 2025},
        content_type="application/json",
    )
    url = f"/api/v1/instruments/{answer.json()['id']}/"
    unchanged = api.patch(url, body, content_type="application/json", HTTP_IF_MATCH=answer["ETag"])
    assert unchanged.status_code == 200 and unchanged["ETag"] == answer["ETag"]
    instrument = LegalInstrument.objects.get(pk=answer.json()["id"])
    assert (instrument.version, instrument.history.count()) == (1, 1)
