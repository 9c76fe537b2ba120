"""Accepting a survey response is one import plan of its ticked values, committed as one import batch:
linked to the response, each value with its provenance (from_survey), rolled back like any import, and
written in the same number of queries for 31 values as for 300."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reference.models import Country, LandUseClass, Pollutant, Tier
from surveys.models import ResponseInstrument, ResponseValue, SurveyResponse
from surveys.services import response_accept, response_start
from thresholds.models import ImportBatch, LegalInstrument, ThresholdValue
from thresholds.services import import_batch_rollback

pytestmark = pytest.mark.django_db


def _submitted(response: SurveyResponse) -> SurveyResponse:
    SurveyResponse.objects.filter(pk=response.pk).update(status=SurveyResponse.Status.SUBMITTED)
    response.refresh_from_db()
    return response


def _response_with_new_values(edition, user, iso3: str, count: int) -> SurveyResponse:
    """A submitted response of a country the database holds nothing for, reporting `count` new values
    of one new instrument."""
    country = Country.objects.get(iso3=iso3)
    assert not LegalInstrument.objects.filter(country=country).exists()
    response = response_start(edition=edition, country=country, user=user)
    instrument = ResponseInstrument.objects.create(
        response=response, title=f"Soil ordinance of {country.name}", year=2024, instrument_type="regulation"
    )
    combinations = (
        (pollutant, land_use, tier)
        for pollutant in Pollutant.objects.order_by("name")
        for land_use in LandUseClass.objects.order_by("code")
        for tier in Tier.objects.order_by("code")
    )
    ResponseValue.objects.bulk_create(
        ResponseValue(
            instrument=instrument,
            position=index,
            pollutant=pollutant.name,
            land_use=land_use,
            tier=tier,
            value=f"{index + 1}.5",
            unit="mg/kg",
        )
        for index, (pollutant, land_use, tier) in zip(range(count), combinations, strict=False)
    )
    assert ResponseValue.objects.filter(instrument=instrument).count() == count
    return _submitted(response)


def _accept_counting_queries(response, user) -> tuple[dict, int]:
    """(counts, queries). On SQLite, Django splits a bulk write into batches of at most 999 parameters
    (about 20 values): a run of the same statement counts once there. PostgreSQL takes each in one."""
    user = type(user).objects.get(pk=user.pk)  # permissions not yet cached, as in a request
    with CaptureQueriesContext(connection) as queries:
        counts = response_accept(response=response, user=user, expected_version=response.version)
    statements = [query["sql"][:60] for query in queries.captured_queries]
    if connection.vendor == "sqlite":
        statements = [sql for index, sql in enumerate(statements) if index == 0 or sql != statements[index - 1]]
    return counts, len(statements)


def test_accepting_31_or_300_values_takes_the_same_number_of_queries(edition, curator):
    few, few_queries = _accept_counting_queries(_response_with_new_values(edition, curator, "ISL", 31), curator)
    many, many_queries = _accept_counting_queries(_response_with_new_values(edition, curator, "NOR", 300), curator)
    assert few["created"] == 31 and many["created"] == 300
    assert ThresholdValue.objects.filter(instrument__country__iso3="NOR", status="published").count() == 300
    assert few_queries == many_queries, f"31 values: {few_queries} queries; 300 values: {many_queries}"
    assert few_queries < 80


def test_an_acceptance_is_an_import_batch_linked_to_the_response(edition, german_focal_point, curator):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    reported = list(ResponseValue.objects.filter(instrument__response=response).order_by("id")[:3])
    changed, left_out, confirmed = reported
    changed.value = "9.5"
    changed.save()
    new = ResponseValue.objects.create(
        instrument=changed.instrument,
        pollutant="Thallium",
        land_use=LandUseClass.objects.get(code="any"),
        tier=Tier.objects.get(code="precautionary"),
        value="0.8",
        unit="mg/kg",
    )
    response = _submitted(response)
    before = ThresholdValue.objects.get(pk=changed.source_value_id)

    counts = response_accept(
        response=response,
        user=curator,
        expected_version=response.version,
        value_ids={changed.pk, confirmed.pk, new.pk},
    )
    assert counts["created"] == 1 and counts["updated"] == 1 and counts["unchanged"] == 1
    response.refresh_from_db()
    batch = response.accepted_batch
    assert batch.status == ImportBatch.Status.COMMITTED and batch.created_by == curator
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (1, 1, 1)
    written = ThresholdValue.objects.filter(import_batch=batch)
    assert written.count() == 2 and {value.from_survey_id for value in written} == {response.pk}
    decisions = dict(ResponseValue.objects.filter(instrument__response=response).values_list("pk", "decision"))
    assert decisions[left_out.pk] == "rejected" and decisions[confirmed.pk] == "accepted"
    assert ResponseValue.objects.get(pk=confirmed.pk).accepted_value_id == confirmed.source_value_id
    assert ResponseInstrument.objects.get(pk=changed.instrument_id).accepted_instrument_id == before.instrument_id

    # Rolled back like any import: the new value goes, the changed one comes back as it was.
    import_batch_rollback(batch=batch, user=curator)
    accepted_new = ResponseValue.objects.get(pk=new.pk)
    assert accepted_new.accepted_value_id is None  # the value it became is gone
    restored = ThresholdValue.objects.get(pk=before.pk)
    assert restored.value == before.value and restored.version > before.version
    assert restored.from_survey_id == before.from_survey_id
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.ROLLED_BACK


def test_the_acceptance_shows_under_import_batches_and_rolls_back_from_there(client, edition, curator):
    response = _response_with_new_values(edition, curator, "ISL", 5)
    response_accept(response=response, user=curator, expected_version=response.version)
    response.refresh_from_db()
    client.force_login(curator)
    listing = client.get(reverse("admin:thresholds_importbatch_changelist"), {"q": "survey response"})
    assert f"survey response #{response.pk}" in listing.content.decode()
    reply = client.post(
        reverse("admin:thresholds_importbatch_changelist"),
        {"action": "roll_back", "_selected_action": [response.accepted_batch_id]},
        follow=True,
    )
    assert reply.status_code == 200
    assert not ThresholdValue.objects.filter(instrument__country__iso3="ISL").exists()
    assert not LegalInstrument.objects.filter(country__iso3="ISL").exists()
    assert Decimal(5) == ResponseValue.objects.filter(instrument__response=response, decision="accepted").count()
