"""Schemathesis generates requests from the OpenAPI schema and checks every response against it:
no server errors, only documented status codes and content types, bodies that match their schemas.
As an anonymous client, as a focal point (who reads what the public reads and may not write), and as
a curator, whose generated writes go through the services.

SCHEMATHESIS_EXAMPLES sets the examples per operation: 25 in `make test`, 100 in `make reliability`."""

import os
import zlib

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.locking import record_etag
from thresholds.models import LegalInstrument, ThresholdValue

pytestmark = pytest.mark.fuzz
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(autouse=True)
def keep_the_test_transaction():
    """Calls go straight to the WSGI handler, which would close the database connection (and the
    test's transaction with it) after each request; Django's test client avoids that the same way."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
# Derandomised: the same examples every run, so CI is repeatable; raise max_examples to explore more.
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case):
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented_to_a_focal_point(case, focal_point_token):
    case.call_and_validate(headers={"Authorization": f"Token {focal_point_token}"}, checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented_to_a_curator(case, curator_token):
    headers = {"Authorization": f"Token {curator_token}"}
    if case.method in ("PATCH", "POST") and "id" in (case.path_parameters or {}):
        # Generated ids almost never exist: aim the change at a real record, with its current ETag
        # when the generated request sends one, so that the services see the generated bodies.
        model = LegalInstrument if case.path.startswith("/api/v1/instruments/") else ThresholdValue
        # crc32, not hash(): the same record on every run whatever PYTHONHASHSEED is.
        position = zlib.crc32(str(case.path_parameters["id"]).encode()) % model.objects.count()
        record = model.objects.order_by("id")[position]
        case.path_parameters["id"] = record.pk
        if (case.headers or {}).get("If-Match"):
            case.headers["If-Match"] = record_etag(record)
    case.call_and_validate(headers=headers, checks=CHECKS)


@pytest.fixture
def curator_token(curator):
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=curator)[0].key


@pytest.fixture
def focal_point_token(german_focal_point, edition):
    from rest_framework.authtoken.models import Token

    from reference.models import Country
    from surveys.services import response_start

    response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    return Token.objects.get_or_create(user=german_focal_point)[0].key
