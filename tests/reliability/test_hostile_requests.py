"""Hostile HTTP requests (audit items 15, 17, 18, 20): garbage cursors, deeply nested or oddly encoded
JSON, huge bodies, unknown orderings get a clear 4xx in the API's error shape, never a 500; a create
answers 201 on the wsgiref server of `make run`; public Last-Modified ignores drafts."""

import base64
import io
import json
import socket
import time
import urllib.request
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.http import parse_http_date
from rest_framework.authtoken.models import Token

from core.request_body import LimitedInput, RequestBodyLimitMiddleware, body_limit
from tests.factories import UserFactory
from tests.thresholds.helpers import row
from thresholds.models import LegalInstrument, ThresholdValue

CURSOR_LISTS = ["/api/v1/thresholds/", "/api/v1/instruments/"]
MB = 2**20


@pytest.fixture
def client():
    """A client that answers 500 as the server would, rather than raising the view's exception."""
    return Client(raise_request_exception=False)


def _cursor(raw: str) -> str:
    return quote(base64.b64encode(raw.encode()).decode())


# Item 15: malformed cursors.


@pytest.mark.django_db
@pytest.mark.parametrize("url", CURSOR_LISTS)
@pytest.mark.parametrize(
    "raw",
    ["p=abc", "p=", "p=\x00", "p=1.5", "p=99999999999999999999999999", "r=1&p=abc", "o=-1", "o=abc&p=1"],
)
def test_a_cursor_whose_position_the_list_cannot_hold_is_a_400_naming_the_cursor(client, url, raw):
    response = client.get(f"{url}?cursor={_cursor(raw)}")
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid" and "Invalid cursor" in body["errors"]["cursor"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("url", CURSOR_LISTS)
def test_a_cursor_that_is_not_base64_is_a_400(client, url):
    for junk in ["abc", "%FF%FE", "cD0x" * 1000]:
        response = client.get(f"{url}?cursor={junk}")
        assert response.status_code == 400 and response.json()["errors"]["cursor"], junk


# Item 15: JSON bodies the parser could not take.


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 100_000], ids=["arrays", "objects"])
def test_json_nested_a_hundred_thousand_levels_deep_is_a_400_not_a_recursion_error(client, body):
    started = time.perf_counter()
    response = client.post("/api/v1/auth/token/", data=body, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "nested too deeply" in response.json()["detail"]
    assert time.perf_counter() - started < 2


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["latin-1", "iso-8859-15", "utf-16", "utf-32", "cp1252", "no-such-charset"])
def test_json_in_any_text_charset_is_read_in_it(client, charset):
    body = json.dumps({"username": "nobody-é", "password": "wrong"}, ensure_ascii=False)
    encoding = "utf-8" if charset == "no-such-charset" else charset
    response = client.generic(
        "POST",
        "/api/v1/auth/token/",
        body.encode(encoding),
        content_type=f"application/json; charset={charset}",
    )
    # Read, then refused as wrong credentials: a 400 in the error shape, never a 500.
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"]["non_field_errors"]


@pytest.mark.django_db
def test_utf8_bytes_sent_as_utf16_are_a_400_saying_the_charset(client):
    response = client.generic(
        "POST", "/api/v1/auth/token/", b'{"username": "x\xc3"}', content_type="application/json; charset=utf-16"
    )
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["zlib", "base64", "rot13", "hex"])
@pytest.mark.parametrize("url", ["/api/v1/auth/token/", "/accounts/login/"])
def test_a_charset_that_is_no_text_encoding_is_a_415(client, charset, url):
    response = client.generic("POST", url, b"{}", content_type=f"application/json; charset={charset}")
    assert response.status_code == 415
    message = response.json()["detail"] if url.startswith("/api/") else response.content.decode()
    assert f"charset={charset}" in message


@pytest.mark.django_db
def test_an_eleven_megabyte_json_body_under_api_is_a_json_413(client):
    body = b'{"username": "' + b"a" * (11 * MB) + b'"}'
    response = client.post("/api/v1/auth/token/", data=body, content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "too_large" and "11.0 MB" in body["detail"] and "10.0 MB" in body["detail"]


# Item 18: the request-body limit, before the body is read.


@pytest.mark.django_db
def test_a_page_refuses_a_declared_body_over_the_limit_with_a_plain_413(client):
    response = client.post(
        "/accounts/login/", data=b"", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=str(50 * MB)
    )
    assert response.status_code == 413 and response["Content-Type"].startswith("text/plain")
    assert "50.0 MB" in response.content.decode()


@pytest.mark.django_db
def test_a_content_length_that_is_no_number_is_a_400(client):
    response = client.post("/api/v1/auth/token/", data=b"{}", content_type="application/json", CONTENT_LENGTH="-5")
    assert response.status_code == 400 and "Content-Length" in response.json()["detail"]


def test_upload_addresses_take_their_file_limit_on_top_of_the_general_one(settings):
    settings.REQUEST_BODY_MAX_BYTES = 10 * MB
    settings.THRESHOLD_IMPORT_MAX_BYTES = 50 * MB
    settings.REQUEST_BODY_UPLOAD_LIMITS = {
        "/admin/thresholds/thresholdvalue/import/": 50 * MB,
        "/survey/responses/": 20 * MB,
    }
    assert body_limit("/api/v1/thresholds/") == 10 * MB
    assert body_limit("/accounts/login/") == 10 * MB
    assert body_limit("/admin/thresholds/thresholdvalue/import/") == 60 * MB
    assert body_limit("/survey/responses/12/legal/") == 30 * MB


def test_the_default_upload_limits_follow_the_uploads_own_settings():
    from django.conf import settings

    limits = settings.REQUEST_BODY_UPLOAD_LIMITS
    assert limits["/admin/thresholds/thresholdvalue/import/"] == settings.THRESHOLD_IMPORT_MAX_BYTES
    assert limits["/survey/responses/"] == settings.SURVEY_UPLOAD_MAX_BYTES
    assert limits["/admin/sops/"] == settings.SOP_DOCUMENT_MAX_BYTES
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.REQUEST_BODY_MAX_BYTES
    middleware = settings.MIDDLEWARE
    assert middleware.index("core.request_body.RequestBodyLimitMiddleware") == 1
    assert middleware[0] == "django.middleware.security.SecurityMiddleware"


def test_a_body_without_content_length_is_read_no_further_than_the_limit(settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    request = RequestFactory().post("/api/v1/auth/token/", data=b"", content_type="application/json")
    request.META.pop("CONTENT_LENGTH", None)
    request.environ["wsgi.input"] = io.BytesIO(b"x" * 5000)
    seen = {}

    def view(request):
        seen["read"] = request.environ["wsgi.input"].read()
        return "ok"

    assert RequestBodyLimitMiddleware(view)(request) == "ok"
    assert len(seen["read"]) == 1000


def test_the_limited_input_stops_every_way_of_reading():
    stream = LimitedInput(io.BytesIO(b"line\n" * 100), 12)
    assert stream.readline() == b"line\n" and stream.read(100) == b"line\nli"
    assert stream.read() == b"" and stream.readline() == b"" and list(stream) == []


# Item 20: ordering.


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*CURSOR_LISTS, "/api/v1/countries/", "/api/v1/sops/", "/api/v1/pollutants/"])
def test_an_unknown_ordering_is_a_400_naming_what_the_list_accepts(client, url):
    response = client.get(f"{url}?ordering=updated_at")
    assert response.status_code == 400
    message = response.json()["errors"]["ordering"][0]
    if url in CURSOR_LISTS:
        assert "id, -id" in message
    else:
        assert "fixed order" in message


@pytest.mark.django_db
@pytest.mark.parametrize("url", CURSOR_LISTS)
def test_ordering_minus_id_is_honoured_across_pages(client, url):
    first = client.get(f"{url}?ordering=-id&page_size=2").json()
    ids = [item["id"] for item in first["results"]]
    assert len(ids) == 2 and ids == sorted(ids, reverse=True)
    following = client.get(first["next"]).json()
    more = [item["id"] for item in following["results"]]
    assert more and max(more) < min(ids)
    ascending = [item["id"] for item in client.get(f"{url}?ordering=id&page_size=2").json()["results"]]
    assert ascending == sorted(ascending) and ascending[0] < ids[-1]


# Item 20: public Last-Modified moves only with published data.


def _last_modified(client, url: str, **headers) -> int:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return parse_http_date(response["Last-Modified"])


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/thresholds/", "/api/v1/instruments/", "/api/v1/countries/"])
def test_a_draft_changing_does_not_move_the_public_last_modified_but_a_published_change_does(client, url):
    curator = UserFactory(username="lm-curator", is_staff=True, is_superuser=True)
    token = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=curator).key}"}
    public_before = _last_modified(client, url)
    draft = ThresholdValue.objects.filter(status=ThresholdValue.Status.PUBLISHED).first()
    draft_instrument = LegalInstrument.objects.create(country=draft.instrument.country, title="A draft-only law")
    draft.pk, draft.instrument, draft.status = None, draft_instrument, ThresholdValue.Status.DRAFT
    draft.save()

    later = timezone.now() + timedelta(hours=1)
    ThresholdValue.objects.filter(pk=draft.pk).update(updated_at=later)
    LegalInstrument.objects.filter(pk=draft_instrument.pk).update(updated_at=later)
    ThresholdValue.history.filter(id=draft.pk).update(history_date=later)
    assert _last_modified(client, url) == public_before
    assert _last_modified(client, url, **token) == int(later.timestamp())

    published = ThresholdValue.objects.filter(status=ThresholdValue.Status.PUBLISHED).first()
    ThresholdValue.objects.filter(pk=published.pk).update(updated_at=later + timedelta(hours=1))
    assert _last_modified(client, url) == int((later + timedelta(hours=1)).timestamp())


@pytest.mark.django_db
def test_withdrawing_a_published_value_moves_the_public_last_modified(client):
    published = ThresholdValue.objects.filter(status=ThresholdValue.Status.PUBLISHED).first()
    before = _last_modified(client, "/api/v1/thresholds/")
    later = timezone.now() + timedelta(hours=2)
    ThresholdValue.objects.filter(pk=published.pk).update(status=ThresholdValue.Status.WITHDRAWN, updated_at=later)
    # The live row is no longer published; its history row of the withdrawal is what moves the stamp.
    ThresholdValue.history.filter(id=published.pk).update(history_date=later, status=ThresholdValue.Status.WITHDRAWN)
    assert before < _last_modified(client, "/api/v1/thresholds/") == int(later.timestamp())


# Item 17 and 18 on a real server: wsgiref, as `make run` and LiveServerTestCase use.


@pytest.fixture
def token_of_curator(portal_server):
    user = UserFactory(username="live-curator", is_staff=True, is_superuser=True)
    return Token.objects.create(user=user).key


def test_an_api_create_on_the_wsgiref_server_answers_201_with_a_location(portal_server, token_of_curator):
    request = urllib.request.Request(
        f"{portal_server.url}/api/v1/thresholds/",
        data=json.dumps(row(value="0.31")).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token_of_curator}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
        assert response.status == 201
        assert response.headers["Location"] == body["url"] and body["url"].endswith(f"/thresholds/{body['id']}/")
    assert ThresholdValue.objects.filter(pk=body["id"], value_text="0.31").exists()


def test_the_server_refuses_a_gigabyte_body_before_receiving_it(portal_server):
    address = urlsplit(portal_server.url)
    started = time.perf_counter()
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(
            b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1073741824\r\n\r\n" + b"[" * 1000
        )
        answer = b""
        while b"too_large" not in answer and (chunk := connection.recv(4096)):
            answer += chunk
        answer = answer.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert '"too_large"' in answer
    assert time.perf_counter() - started < 5
