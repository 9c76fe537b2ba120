"""Audit items 8, 9, 13, 15 (long usernames), 19 and 20 (sign-in label).

8/9: the client's address is derived in one place (core/client_address.py) from
TRUSTED_PROXY_COUNT; a forged X-Forwarded-For neither escapes a throttle nor locks somebody else out.
13: API tokens end with a new password (every way of setting one), each token request gives a new
token, and tokens expire. 15: a username too long to store is a refusal, not a 500. 19: password
reset e-mails are limited per address and per client. 20: "Username or e-mail" is true.
"""

import datetime
import random

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from core.accounts import PASSWORD_RESETS_PER_CLIENT, PASSWORD_RESETS_PER_EMAIL
from core.client_address import client_address
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a-new-and-long-passphrase-42"
PROXY = "10.0.0.2"


def random_address() -> str:
    return f"{random.randint(1, 223)}.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


@pytest.fixture
def low_rates(monkeypatch):
    """Every throttle at 5 requests a minute (the test settings lift them all)."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", dict.fromkeys(SimpleRateThrottle.THROTTLE_RATES, "5/min"))


# ---- 8: one client address, from the trusted proxies ---------------------------------------------


class _Request:
    def __init__(self, remote_addr, forwarded=None):
        self.META = {"REMOTE_ADDR": remote_addr}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@pytest.mark.parametrize(
    ("proxies", "remote_addr", "forwarded", "client"),
    [
        (0, "198.51.100.7", "203.0.113.1", "198.51.100.7"),  # no proxy: the header is anyone's
        (1, PROXY, "198.51.100.7", "198.51.100.7"),
        (1, PROXY, "203.0.113.1, 198.51.100.7", "198.51.100.7"),  # the client's own entry is ignored
        (2, PROXY, "203.0.113.1, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (1, PROXY, None, PROXY),  # nothing forwarded: the connection
        (1, PROXY, "not-an-address", PROXY),
        (2, PROXY, "198.51.100.7", PROXY),  # fewer entries than proxies
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_first_untrusted_entry_from_the_right(
    settings, proxies, remote_addr, forwarded, client
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(_Request(remote_addr, forwarded)) == client


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
def test_300_requests_with_random_x_forwarded_for_are_throttled_as_one_client(client, settings, low_rates, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    statuses = []
    for _ in range(300):
        # Behind a proxy, the proxy appends the address it was reached from; the rest is forged.
        forged = f"{random_address()}, 198.51.100.7" if proxies else random_address()
        statuses.append(client.get("/api/v1/tiers/", HTTP_X_FORWARDED_FOR=forged, REMOTE_ADDR=PROXY).status_code)
    assert statuses.count(200) == 5 and statuses.count(429) == 295


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "params"),
    [("/search/", {"q": "cadmium"}), ("/api/v1/thresholds/", {"format": "csv"})],
    ids=["search page", "CSV export"],
)
def test_page_and_export_throttles_count_the_client_not_the_forged_header(client, settings, low_rates, path, params):
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        client.get(
            path, params, HTTP_X_FORWARDED_FOR=f"{random_address()}, 198.51.100.7", REMOTE_ADDR=PROXY
        ).status_code
        for _ in range(30)
    ]
    assert statuses.count(200) == 5 and statuses.count(429) == 25
    # Another client behind the same proxy has its own budget.
    other = client.get(path, params, HTTP_X_FORWARDED_FOR="198.51.100.8", REMOTE_ADDR=PROXY)
    assert other.status_code == 200


def test_the_logs_show_the_client_behind_the_proxy_not_the_proxy(settings, rf):
    import logging
    from types import SimpleNamespace

    from gunicorn.config import Config

    from core.client_address import ClientAddressLogFilter
    from insop_portal.gunicorn_logging import ClientAddressLogger

    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/api/v1/tiers/", HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.7", REMOTE_ADDR=PROXY)
    # Django's records about a request (django.request, django.security) carry it.
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Unauthorized", (), None)
    record.request = request
    assert ClientAddressLogFilter().filter(record) and record.client == "198.51.100.7"
    root_filters = [f for handler in logging.getLogger().handlers for f in handler.filters]
    assert any(isinstance(f, ClientAddressLogFilter) for f in root_filters)
    # gunicorn's access log: its first column.
    environ = {**request.META, "RAW_URI": "/api/v1/tiers/", "SERVER_PROTOCOL": "HTTP/1.1"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = ClientAddressLogger(Config()).atoms(
        response, SimpleNamespace(headers=[]), environ, datetime.timedelta(seconds=0.1)
    )
    assert atoms["h"] == "198.51.100.7"


# ---- 9: behind the proxy, lockout keys on the client ----------------------------------------------


def web_sign_in(client, username, password, forwarded):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        HTTP_X_FORWARDED_FOR=forwarded,
        REMOTE_ADDR=PROXY,
    )


@pytest.mark.django_db
def test_behind_one_proxy_wrong_passwords_lock_out_the_guesser_not_the_account_owner(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="curator-x", email="curator-x@example.org")
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        web_sign_in(client, "curator-x", "wrong", "203.0.113.66")
    assert web_sign_in(client, "curator-x", PASSWORD, "203.0.113.66").status_code == 429
    # Forging the owner's address in front of its own does not move the guesser's failures there.
    assert web_sign_in(client, "curator-x", "wrong", "198.51.100.20, 203.0.113.66").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}

    owner = web_sign_in(client, "curator-x", PASSWORD, "198.51.100.20")
    assert owner.status_code == 302 and "/login/" not in owner["Location"]


# ---- 13: API tokens --------------------------------------------------------------------------------


def api_status(client, key: str) -> int:
    return client.get("/api/v1/tiers/", HTTP_AUTHORIZATION=f"Token {key}").status_code


@pytest.fixture
def scripter(db):
    return UserFactory(username="scripter", email="scripter@example.org", is_staff=True, is_superuser=True)


def test_each_token_request_gives_a_new_token_and_ends_the_one_before(client, scripter):
    first = client.post("/api/v1/auth/token/", {"username": "scripter", "password": PASSWORD}).json()
    second = client.post("/api/v1/auth/token/", {"username": "scripter", "password": PASSWORD}).json()
    assert first["token"] != second["token"]
    assert api_status(client, first["token"]) == 401
    assert api_status(client, second["token"]) == 200
    expires = datetime.datetime.fromisoformat(second["expires"].replace("Z", "+00:00"))
    expected = timezone.now() + datetime.timedelta(days=django_settings.API_TOKEN_MAX_AGE_DAYS)
    assert abs(expires - expected) < datetime.timedelta(minutes=1)


def test_a_token_older_than_its_lifetime_is_refused_with_a_401_that_says_it_expired(client, scripter):
    token = Token.objects.create(user=scripter)
    days = django_settings.API_TOKEN_MAX_AGE_DAYS
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=days, seconds=-60))
    assert api_status(client, token.key) == 200
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=days, seconds=1))
    expired = client.get("/api/v1/tiers/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    # The holder of an expired token can still ask for a new one, sending it along.
    renewed = client.post(
        "/api/v1/auth/token/",
        {"username": "scripter", "password": PASSWORD},
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert renewed.status_code == 200 and api_status(client, renewed.json()["token"]) == 200


def _change_on_the_change_page(client, user):
    client.force_login(user)
    return client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


def _reset_by_e_mail_link(client, user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/")
    return client.post(link["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def _set_in_the_admin(client, user):
    client.force_login(UserFactory(username="another-admin", is_staff=True, is_superuser=True))
    return client.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )


def _changepassword_command(client, user):
    call_command("changepassword", user.username, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize(
    "change",
    [_change_on_the_change_page, _reset_by_e_mail_link, _set_in_the_admin, _changepassword_command],
    ids=["change page", "reset link", "admin", "manage.py changepassword"],
)
def test_a_new_password_ends_the_accounts_api_tokens(client, scripter, change, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda *args, **kwargs: NEW_PASSWORD)
    key = Token.objects.create(user=scripter).key
    assert api_status(client, key) == 200
    response = change(client, scripter)
    assert response is None or response.status_code == 302, getattr(response, "content", b"")[:2000]
    scripter.refresh_from_db()
    assert scripter.check_password(NEW_PASSWORD)
    client.logout()
    assert api_status(client, key) == 401
    assert not Token.objects.filter(user=scripter).exists()


def test_signing_in_keeps_the_token(client, scripter):
    # Signing in is not a password change (not even when Django re-hashes the password on the way).
    key = Token.objects.create(user=scripter).key
    assert client.post("/accounts/login/", {"username": "scripter", "password": PASSWORD}).status_code == 302
    assert api_status(client, key) == 200


# ---- 15: a username too long to store ---------------------------------------------------------------

LONG = "x" * 300


@pytest.mark.django_db
def test_a_300_character_username_on_the_web_sign_in_is_a_form_error(client):
    response = client.post("/accounts/login/", {"username": LONG, "password": "whatever"})
    assert response.status_code == 200 and "Your username or password is not right" in response.content.decode()


@pytest.mark.django_db
def test_a_300_character_username_on_the_admin_sign_in_is_a_form_error(client):
    response = client.post("/admin/login/", {"username": LONG, "password": "whatever"})
    assert response.status_code == 200 and b"errornote" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("username", [LONG, "y" * 100_000, f"{'z' * 250}@example.org"])
def test_a_username_too_long_for_any_account_on_the_token_endpoint_is_a_400(client, username):
    for _ in range(django_settings.AXES_FAILURE_LIMIT + 1):
        response = client.post("/api/v1/auth/token/", {"username": username, "password": "whatever"})
        assert response.status_code in (400, 429), response.content[:500]
    assert response.status_code == 429  # counted as any failure, under the name cut to fit
    assert AccessAttempt.objects.get().username == username[:255]


# ---- 19: password reset limits ------------------------------------------------------------------------


def reset(client, email, **extra):
    return client.post("/accounts/password_reset/", {"email": email}, **extra)


@pytest.mark.django_db
def test_30_reset_requests_for_one_address_send_at_most_the_limit_of_e_mails(client):
    UserFactory(username="target", email="target@example.org")
    answers = [reset(client, "target@example.org", REMOTE_ADDR=random_address()) for _ in range(30)]
    assert len(mail.outbox) == PASSWORD_RESETS_PER_EMAIL == 3
    # The same answer whether an e-mail was sent, held back or the address has no account.
    unknown = reset(client, "nobody@example.org", REMOTE_ADDR="198.51.100.99")
    assert {(a.status_code, a["Location"]) for a in [*answers, unknown]} == {(302, "/accounts/password_reset/done/")}
    # Upper case is the same address.
    reset(client, "TARGET@example.org", REMOTE_ADDR="198.51.100.98")
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_one_client_asking_for_many_addresses_is_limited_even_with_a_forged_x_forwarded_for(client):
    for n in range(30):
        UserFactory(username=f"person{n}", email=f"person{n}@example.org")
    for n in range(30):
        reset(client, f"person{n}@example.org", HTTP_X_FORWARDED_FOR=random_address())
    assert len(mail.outbox) == PASSWORD_RESETS_PER_CLIENT == 10


# ---- 20: "Username or e-mail" -----------------------------------------------------------------------


@pytest.fixture
def focal(db):
    return UserFactory(username="fp-kenya", email="Focal.Point@example.org")


@pytest.mark.parametrize("typed", ["fp-kenya", "Focal.Point@example.org", "focal.point@EXAMPLE.org"])
def test_the_sign_in_page_takes_the_username_or_the_e_mail_address(client, focal, typed):
    page = client.get("/accounts/login/").content.decode()
    assert "Username or e-mail" in page
    response = client.post("/accounts/login/", {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/login/").wsgi_request.user == focal


def test_the_admin_and_the_token_endpoint_take_the_e_mail_address_too(client, focal):
    focal.is_staff = True
    focal.save()
    assert (
        client.post("/admin/login/", {"username": "focal.point@example.org", "password": PASSWORD}).status_code == 302
    )
    token = client.post("/api/v1/auth/token/", {"username": "focal.point@example.org", "password": PASSWORD})
    assert token.status_code == 200 and Token.objects.get(key=token.json()["token"]).user == focal


def test_an_e_mail_address_shared_by_two_accounts_signs_in_neither(client, focal):
    UserFactory(username="fp-kenya-deputy", email="focal.point@example.org")
    response = client.post("/accounts/login/", {"username": "focal.point@example.org", "password": PASSWORD})
    assert response.status_code == 200 and "Your username or password is not right" in response.content.decode()


def test_wrong_passwords_by_e_mail_and_by_username_count_together(client, focal):
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        typed = "focal.point@example.org" if n % 2 else "fp-kenya"
        client.post("/accounts/login/", {"username": typed, "password": "wrong"})
    assert AccessAttempt.objects.get().username == "fp-kenya"
    locked = client.post("/accounts/login/", {"username": "focal.point@example.org", "password": PASSWORD})
    assert locked.status_code == 429
