"""A response's life: pre-filled, saved as a draft without overwriting anyone, submitted with every
problem at once, sent back, resubmitted and accepted into the threshold database with provenance."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from core.history import record_history
from core.locking import ConcurrentEdit
from reference.models import Country, LandUseClass, Tier
from surveys.models import ResponseInstrument, ResponseValue, ReviewComment, SurveyResponse
from surveys.services import (
    response_accept,
    response_comparison,
    response_request_changes,
    response_save,
    response_start,
    response_submit,
)
from thresholds.models import ThresholdValue

pytestmark = pytest.mark.django_db


def _germany(edition, user):
    return response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=user)


def _answer_a_and_d(response, user):
    response.situation = SurveyResponse.Situation.BINDING
    response.working_towards_adoption = "yes"
    response_save(response=response, user=user, expected_version=response.version)


def test_a_new_response_is_pre_filled_with_what_the_database_holds(edition, german_focal_point):
    response = _germany(edition, german_focal_point)
    stored = ThresholdValue.objects.filter(instrument__country__iso3="DEU", status="published")
    reported = ResponseValue.objects.filter(instrument__response=response)
    assert reported.count() == stored.count() > 0
    assert set(reported.values_list("source_value", flat=True)) == set(stored.values_list("pk", flat=True))
    # Unchanged, every pre-filled value compares as unchanged: nothing to retype, nothing invented.
    assert {line.action for line in response_comparison(response)} == {"unchanged"}
    # A second visit returns the same response, shared by the country's focal points.
    assert _germany(edition, german_focal_point).pk == response.pk


def test_two_focal_points_saving_the_same_draft_never_overwrite_each_other(
    edition, german_focal_point, other_german_focal_point
):
    response = _germany(edition, german_focal_point)
    mine, theirs = SurveyResponse.objects.get(pk=response.pk), SurveyResponse.objects.get(pk=response.pk)
    mine.comments = "Mine"
    response_save(response=mine, user=german_focal_point, expected_version=mine.version)
    theirs.comments = "Theirs"
    with pytest.raises(ConcurrentEdit, match="fp-germany"):
        response_save(response=theirs, user=other_german_focal_point, expected_version=theirs.version)
    assert SurveyResponse.objects.get(pk=response.pk).comments == "Mine"


def test_a_focal_point_cannot_change_another_countrys_response(edition, german_focal_point, french_focal_point):
    response = _germany(edition, german_focal_point)
    response.comments = "Not mine to write"
    with pytest.raises(PermissionDenied):
        response_save(response=response, user=french_focal_point, expected_version=response.version)


def test_submit_shows_every_problem_at_once_and_writes_nothing(edition, german_focal_point):
    response = _germany(edition, german_focal_point)
    value = ResponseValue.objects.filter(instrument__response=response).first()
    value.pollutant, value.unit = "Kadmiumm", "furlongs"
    value.save()
    with pytest.raises(ValidationError) as refused:
        response_submit(response=response, user=german_focal_point, expected_version=response.version)
    messages = refused.value.messages
    assert any(message.startswith("A: ") for message in messages)
    assert any(message.startswith("D: ") for message in messages)
    # Its CAS number (kept from the stored value it was pre-filled from) says cadmium: a proposal, not a problem.
    assert not any("Kadmiumm" in message and "pollutant" in message for message in messages), messages
    assert any("furlongs" in message for message in messages)
    assert SurveyResponse.objects.get(pk=response.pk).status == "draft"


def test_the_whole_round_trip_writes_the_database_with_provenance(
    client, edition, german_focal_point, curator, django_capture_on_commit_callbacks
):
    response = _germany(edition, german_focal_point)
    _answer_a_and_d(response, german_focal_point)
    changed = ResponseValue.objects.get(
        instrument__response=response, pollutant__iexact="cadmium", texture="sand", tier__code="precautionary"
    )
    changed.value = "0.5"
    changed.save()
    instrument = ResponseInstrument.objects.filter(response=response).first()
    new = ResponseValue.objects.create(
        instrument=instrument,
        pollutant="Thallium",
        land_use=LandUseClass.objects.get(code="any"),
        tier=Tier.objects.get(code="precautionary"),
        value="0.8",
        unit="mg/kg TM",
    )
    dropped = ResponseValue.objects.get(
        instrument__response=response, pollutant__iexact="cadmium", texture="clay", tier__code="precautionary"
    )
    dropped_source = dropped.source_value
    dropped.delete()

    response.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response=response, user=german_focal_point, expected_version=response.version)
    response.refresh_from_db()
    assert response.status == "submitted" and response.submitted_at
    assert mail.outbox and "submitted" in mail.outbox[-1].subject and curator.email in mail.outbox[-1].to

    # Submitted means locked for the focal point.
    response.comments = "late change"
    with pytest.raises(ValidationError, match="submitted"):
        response_save(response=response, user=german_focal_point, expected_version=response.version)
    response.refresh_from_db()

    lines = {line.value.pk if line.value else f"db-{line.existing.pk}": line for line in response_comparison(response)}
    assert lines[changed.pk].action == "update" and lines[changed.pk].existing.value == Decimal("0.4")
    assert lines[new.pk].action == "create"
    assert lines[f"db-{dropped_source.pk}"].action == "dropped"

    # Only curators review, and they must say what should change.
    with pytest.raises(PermissionDenied):
        response_request_changes(
            response=response, user=german_focal_point, expected_version=response.version, comments=[("c", None, "x")]
        )
    with pytest.raises(ValidationError, match="at least one comment"):
        response_request_changes(response=response, user=curator, expected_version=response.version, comments=[])
    with django_capture_on_commit_callbacks(execute=True):
        response_request_changes(
            response=response,
            user=curator,
            expected_version=response.version,
            comments=[("c", new.pk, "Give the source page for thallium."), ("d", None, "Which laboratories?")],
        )
    response.refresh_from_db()
    assert response.status == "changes_requested"
    assert ReviewComment.objects.filter(response=response).count() == 2
    assert german_focal_point.email in mail.outbox[-1].to

    new.notes = "Anlage 1 Tabelle 1, page 12"
    new.save()
    response_submit(response=response, user=german_focal_point, expected_version=response.version)
    response.refresh_from_db()
    assert response.status == "resubmitted"

    counts = response_accept(response=response, user=curator, expected_version=response.version)
    response.refresh_from_db()
    assert response.status == "accepted" and response.accepted_at
    assert counts == {"created": 1, "updated": 1, "unchanged": 29, "not_taken": 0}

    thallium = ThresholdValue.objects.get(pk=ResponseValue.objects.get(pk=new.pk).accepted_value_id)
    assert thallium.from_survey == response and thallium.status == "published"
    # Written as one import batch, linked to the response, rolled back like any import (see
    # test_acceptance_is_an_import_batch.py).
    assert response.accepted_batch.status == "committed" and thallium.import_batch == response.accepted_batch
    assert thallium.history.first().history_change_reason == response.accepted_batch.change_reason
    assert f"survey response #{response.pk}" in response.accepted_batch.file_name
    cadmium = ThresholdValue.objects.get(pk=changed.source_value_id)
    assert cadmium.value == Decimal("0.5") and cadmium.from_survey == response
    assert cadmium.history.first().history_user == curator
    # A value the response dropped stays: removing it is a curator's separate decision.
    assert ThresholdValue.objects.filter(pk=dropped_source.pk, status="published").exists()
    assert SurveyResponse.history.filter(id=response.pk).count() >= 5

    # Provenance, for analysts and for visitors.
    api = client.get(f"/api/v1/thresholds/{thallium.pk}/").json()
    assert api["provenance"] == {
        "survey_response": response.pk,
        "edition": edition.year,
        "accepted_at": response.accepted_at.isoformat().replace("+00:00", "Z"),
    }
    assert client.get(f"/api/v1/thresholds/{dropped_source.pk}/").json()["provenance"] is None
    page = client.get("/countries/DEU/", {"pollutant": "thallium"}).content.decode()
    assert f"from the {edition.year} survey" in page


def test_acceptance_is_one_transaction(edition, german_focal_point, curator):
    """A value with problems among the chosen ones refuses the whole acceptance: nothing is written."""
    response = _germany(edition, german_focal_point)
    _answer_a_and_d(response, german_focal_point)
    instrument = ResponseInstrument.objects.filter(response=response).first()
    good = ResponseValue.objects.create(
        instrument=instrument, pollutant="Thallium", land_use_id=None, land_use_label="", value="0.8", unit="mg/kg"
    )
    response.refresh_from_db()
    with pytest.raises(ValidationError):
        response_submit(response=response, user=german_focal_point, expected_version=response.version)
    good.land_use = LandUseClass.objects.get(code="any")
    good.tier = Tier.objects.get(code="precautionary")
    good.save()
    response_submit(response=response, user=german_focal_point, expected_version=response.version)
    response.refresh_from_db()
    # A curator edits the row into something invalid after submission, then tries to accept it.
    ResponseValue.objects.filter(pk=good.pk).update(unit="furlongs")
    before = ThresholdValue.objects.count()
    with pytest.raises(ValidationError, match="cannot be accepted"):
        response_accept(response=response, user=curator, expected_version=response.version, value_ids={good.pk})
    response.refresh_from_db()
    assert ThresholdValue.objects.count() == before and response.status == "submitted"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "request_changes"),
        ("draft", "accept"),
        ("accepted", "submit"),
        ("accepted", "request_changes"),
        ("changes_requested", "accept"),
        ("submitted", "submit"),
    ],
)
def test_transitions_that_do_not_start_where_they_may_are_refused(edition, status, action):
    response = SurveyResponse(edition=edition, country=Country.objects.get(iso3="DEU"), status=status)
    with pytest.raises(ValidationError, match="cannot be"):
        getattr(response, action)()


def test_a_draft_cannot_be_submitted_outside_the_editions_dates(edition, german_focal_point):
    import datetime

    response = _germany(edition, german_focal_point)
    _answer_a_and_d(response, german_focal_point)
    edition.closes_on = datetime.date.today() - datetime.timedelta(days=1)
    edition.save()
    response.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot be submitted outside"):
        response_submit(response=response, user=german_focal_point, expected_version=response.version)


def test_every_row_of_a_response_keeps_its_history(edition, german_focal_point):
    response = _germany(edition, german_focal_point)
    value = ResponseValue.objects.filter(instrument__response=response).first()
    assert value.history.get().history_change_reason == "pre-filled from the database"
    value.notes = "checked against the gazette"
    record_history(value, user=german_focal_point)
    value.save()
    latest = value.history.first()
    assert latest.notes == "checked against the gazette" and latest.history_user == german_focal_point
    assert value.history.count() == 2
