"""Item 4 of the reliability suite: repeated wrong passwords lock the account and address out for a
cool-off (django-axes, 5 failures per username and address, one hour) on every way in: the web sign-in,
the admin sign-in and the API token endpoint. The lockout is logged and recorded for curators."""

import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings

from tests.factories import PASSWORD, UserFactory

LIMIT = settings.AXES_FAILURE_LIMIT


def web(client, password, **extra):
    return client.post("/accounts/login/", {"username": "victim", "password": password}, **extra)


def admin(client, password, **extra):
    return client.post("/admin/login/", {"username": "victim", "password": password}, **extra)


def token(client, password, **extra):
    return client.post("/api/v1/auth/token/", {"username": "victim", "password": password}, **extra)


def locked(entrance, response) -> bool:
    if entrance is token:  # the API's error shape, with the cool-off in Retry-After
        body = response.json()
        return (response.status_code, body["code"], response.get("Retry-After")) == (429, "throttled", "3600") and (
            "Too many failed sign-in attempts" in body["detail"]
        )
    return response.status_code == 429 and "Too many failed sign-in attempts" in response.content.decode()


def signed_in(entrance, response) -> bool:
    if entrance is token:
        return response.status_code == 200 and len(response.json()["token"]) == 40
    return response.status_code == 302


@pytest.fixture
def victim(db):
    return UserFactory(username="victim", is_staff=True, is_superuser=True)


@pytest.mark.django_db
@pytest.mark.parametrize("entrance", [web, admin, token], ids=["web", "admin", "api-token"])
def test_wrong_passwords_lock_the_account_from_that_address_and_the_lockout_is_logged(client, victim, entrance, caplog):
    for _attempt in range(LIMIT - 1):
        refused = entrance(client, "wrong")
        assert refused.status_code in (200, 400) and not locked(entrance, refused)
    with caplog.at_level(logging.WARNING, logger="axes"):
        last = entrance(client, "wrong")
    assert locked(entrance, last)
    assert any("Locking out" in line and "victim" in line for line in caplog.messages), caplog.messages

    # The right password no longer helps from this address...
    assert locked(entrance, entrance(client, PASSWORD))
    # ...while the same account from elsewhere, and the same address for another account, still work.
    assert signed_in(entrance, entrance(client, PASSWORD, REMOTE_ADDR="203.0.113.9"))
    attempt = AccessAttempt.objects.get(username="victim", ip_address="127.0.0.1")
    assert attempt.failures_since_start >= LIMIT
    assert AccessFailureLog.objects.filter(username="victim", locked_out=True).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("entrance", [web, admin, token], ids=["web", "admin", "api-token"])
def test_a_lockout_ends_after_the_cool_off(client, victim, entrance):
    for _attempt in range(LIMIT):
        entrance(client, "wrong")
    assert locked(entrance, entrance(client, PASSWORD))
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")  # the cool-off has passed
    assert signed_in(entrance, entrance(client, PASSWORD))
