"""Curators write through the API with the import's columns and checks; If-Match keeps them from
overwriting each other; anonymous clients cannot write."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD
from tests.thresholds.helpers import row
from thresholds.models import ThresholdValue

pytestmark = pytest.mark.django_db
URL = "/api/v1/thresholds/"


@pytest.fixture
def api(client, curator):
    token = Token.objects.create(user=curator)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def post(client, data):
    return client.post(URL, data, content_type="application/json")


def patch(client, url, data, etag=None):
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    return client.patch(url, data, content_type="application/json", **headers)


def test_a_curator_gets_a_token_with_username_and_password(client, curator):
    response = client.post("/api/v1/auth/token/", {"username": "curator", "password": PASSWORD})
    assert response.status_code == 200 and len(response.json()["token"]) == 40


def test_anonymous_clients_cannot_write(client):
    assert post(client, row()).status_code == 401
    value = ThresholdValue.objects.first()
    assert patch(client, f"{URL}{value.id}/", {"notes": "x"}, '"thresholdvalue-1-v1"').status_code == 401


def test_a_curator_creates_a_value_with_the_import_columns(api, curator):
    response = post(api, row(value="0.30", condition="pH<=5.5"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["value"] == "0.30" and body["status"] == "draft" and body["conditions"]["ph_max"] == 5.5
    assert response["Location"] == body["url"] and "-v1." in response["ETag"]
    value = ThresholdValue.objects.get(pk=body["id"])
    assert value.history.get().history_user == curator


def test_bad_values_get_the_imports_messages_by_column(api):
    response = post(api, row(pollutant="Cadmum", unit="mg/l"))
    body = response.json()
    assert response.status_code == 400 and body["code"] == "invalid"
    assert 'did you mean "Cadmium"' in body["errors"]["pollutant"][0]
    assert "not a mass fraction" in body["errors"]["unit"][0]
    assert post(api, {**row(), "colour": "red"}).json()["errors"]["colour"]


def test_creating_an_existing_value_is_refused(api):
    assert post(api, row()).status_code == 201
    response = post(api, row())
    assert response.status_code == 400 and "already exists" in response.json()["detail"]


def test_updates_need_the_current_etag(api):
    created = post(api, row())
    url, etag = created.json()["url"], created["ETag"]

    assert patch(api, url, {"value": "0.5"}).status_code == 428
    updated = patch(api, url, {"value": "0.5"}, etag)
    assert updated.status_code == 200 and updated.json()["value"] == "0.5"
    assert updated["ETag"] != etag

    stale = patch(api, url, {"value": "0.6"}, etag)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    assert ThresholdValue.objects.get(pk=created.json()["id"]).value_text == "0.5"


def test_an_update_is_checked_like_an_import_row(api):
    created = post(api, row())
    response = patch(api, created.json()["url"], {"ph_min": "7", "ph_max": "6"}, created["ETag"])
    assert response.status_code == 400 and response.json()["errors"]["ph_min"] == ["ph_min 7 is above ph_max 6."]


def test_withdrawing_keeps_the_value_and_its_history(api):
    created = post(api, row(status="published"))
    url = created.json()["url"]
    response = api.post(f"{url}withdraw/", HTTP_IF_MATCH=created["ETag"])
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    value = ThresholdValue.objects.get(pk=created.json()["id"])
    assert [h.status for h in value.history.order_by("history_date")] == ["published", "withdrawn"]


def test_staff_without_the_curator_role_cannot_write(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="reader", is_staff=True))
    assert post(client, row()).status_code == 403


def test_publishing_and_withdrawing_need_the_permission_to_publish(client, editor):
    client.force_login(editor)
    created = post(client, row())
    assert created.status_code == 201
    url, etag = created.json()["url"], created["ETag"]
    refused = patch(client, url, {"status": "published"}, etag)
    assert refused.status_code == 403 and "permission to publish" in refused.json()["detail"]
    assert client.post(f"{url}withdraw/", HTTP_IF_MATCH=etag).status_code == 403
    assert patch(client, url, {"notes": "fine"}, etag).status_code == 200


def test_a_curator_creates_and_changes_an_instrument_with_if_match(api, curator):
    from thresholds.models import LegalInstrument

    created = api.post(
        "/api/v1/instruments/",
        {"country": "FRA", "title": "Arrêté test", "year": 2025, "instrument_type": "regulation", "status": "draft"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body, etag = created.json(), created["ETag"]
    assert body["country"] == "FRA" and body["value_count"] == 0
    url = f"/api/v1/instruments/{body['id']}/"

    assert patch(api, url, {"status": "in_force"}).status_code == 428
    changed = patch(api, url, {"status": "in_force"}, etag)
    assert changed.status_code == 200 and changed.json()["status"] == "in_force"
    assert patch(api, url, {"year": 2026}, etag).status_code == 412
    instrument = LegalInstrument.objects.get(pk=body["id"])
    assert instrument.history.first().history_user == curator and instrument.version == 2


def test_instrument_writes_are_checked(api, client):
    bad = api.post("/api/v1/instruments/", {"country": "XXX", "title": ""}, content_type="application/json")
    assert bad.status_code == 400 and {"country", "title"} <= set(bad.json()["errors"])
    old = api.post(
        "/api/v1/instruments/", {"country": "DEU", "title": "Old", "year": 1200}, content_type="application/json"
    )
    assert old.status_code == 400
    assert old.json()["errors"] == {"non_field_errors": ["The year must be between 1800 and 2100."]}
    existing = api.post(
        "/api/v1/instruments/", {"country": "DEU", "title": "Dup", "year": 2020}, content_type="application/json"
    )
    assert existing.status_code == 201
    again = api.post(
        "/api/v1/instruments/", {"country": "DEU", "title": "Dup", "year": 2020}, content_type="application/json"
    )
    assert again.status_code == 400
    assert again.json()["errors"]["non_field_errors"] == [
        "This country and jurisdiction already have an instrument with this title."
    ]
    client.defaults.pop("HTTP_AUTHORIZATION", None)
    assert client.post("/api/v1/instruments/", {"country": "DEU", "title": "x"}).status_code == 401


def test_withdrawing_an_instrument_withdraws_its_values_and_hides_both(api, client, curator):
    from thresholds.models import LegalInstrument

    instrument = LegalInstrument.objects.filter(country__iso3="DNK", values__status="published").distinct().first()
    value_ids = set(instrument.values.values_list("id", flat=True))
    url = f"/api/v1/instruments/{instrument.id}/"
    etag = api.get(url)["ETag"]

    assert api.post(f"{url}withdraw/").status_code == 428
    withdrawn = api.post(f"{url}withdraw/", HTTP_IF_MATCH=etag)
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn"] is True
    assert api.post(f"{url}withdraw/", HTTP_IF_MATCH=etag).status_code == 412

    instrument.refresh_from_db()
    assert instrument.withdrawn and instrument.history.first().history_user == curator
    assert set(ThresholdValue.objects.filter(id__in=value_ids).values_list("status", flat=True)) == {"withdrawn"}
    value = ThresholdValue.objects.get(pk=min(value_ids))
    assert value.history.first().history_user == curator and value.history.count() >= 2

    # Kept for curators, gone for everyone else, even if one of its values is published again by mistake.
    assert api.get(url).status_code == 200
    ThresholdValue.objects.filter(pk=value.pk).update(status="published")
    del client.defaults["HTTP_AUTHORIZATION"]
    assert client.get(url).status_code == 404
    assert client.get(f"{URL}{value.pk}/").status_code == 404
    assert value.pk not in {row["id"] for row in client.get(URL, {"country": "DNK"}).json()["results"]}
    listed = {row["id"] for row in client.get("/api/v1/instruments/", {"page_size": 1000}).json()["results"]}
    assert instrument.id not in listed


def test_withdrawing_an_instrument_needs_the_permission_to_publish(client):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory
    from thresholds.models import LegalInstrument

    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__endswith="_legalinstrument"))
    client.force_login(editor)
    instrument = LegalInstrument.objects.first()
    etag = client.get(f"/api/v1/instruments/{instrument.id}/")["ETag"]
    response = client.post(f"/api/v1/instruments/{instrument.id}/withdraw/", HTTP_IF_MATCH=etag)
    assert response.status_code == 403 and "permission to publish" in response.json()["detail"]
    instrument.refresh_from_db()
    assert not instrument.withdrawn


def test_an_instruments_country_must_look_like_a_code(api):
    instrument = api.get("/api/v1/instruments/", {"page_size": 1}).json()["results"][0]
    url = f"/api/v1/instruments/{instrument['id']}/"
    etag = api.get(url)["ETag"]
    for country in ["DE\x00", "Deutschland", "??"]:
        response = patch(api, url, {"country": country}, etag)
        assert response.status_code == 400 and "country" in response.json()["errors"], country
    assert patch(api, url, {"country": "deu"}, etag).json()["country"] == "DEU"
