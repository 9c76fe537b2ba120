"""Audit items 5 and 16: publishing needs the permission to publish, on every path.

An editor may add and change values and instruments but not publish, withdraw or verify them
(thresholds.services.check_may_change_publication, called by every write). Tried through the API,
the spreadsheet import (service and admin), the admin's change form, its history revert and the bulk
services; and an SOP version's history revert, which may not publish a version beside the current one."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.reliability.helpers import admin_form_data
from tests.thresholds.helpers import csv_bytes, row
from thresholds.models import ImportBatch, LegalInstrument, ThresholdValue

pytestmark = pytest.mark.django_db

# `editor` (tests/conftest.py) may add and change values and instruments but not publish.


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def _revert_url(model, record) -> str:
    name = f"admin:thresholds_{model._meta.model_name}_simple_history"
    return reverse(name, args=[record.id, record.history_id])


# ---- the API ------------------------------------------------------------------------------------


def test_an_editor_cannot_create_a_published_value_through_the_api(editor_client):
    title = "Ordinance an editor tried to publish"
    response = editor_client.post(
        "/api/v1/thresholds/", row(instrument=title, status="published"), content_type="application/json"
    )
    assert response.status_code == 403
    assert "permission to publish" in response.json()["detail"]
    # All or nothing: not even the instrument the value would have created.
    assert not LegalInstrument.objects.filter(title=title).exists()


def test_an_editor_creates_a_draft_value_through_the_api(editor_client):
    response = editor_client.post(
        "/api/v1/thresholds/", row(instrument="Ordinance with a draft", status="draft"), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["status"] == "draft"


def test_a_curator_creates_a_published_value_through_the_api(client, curator):
    client.force_login(curator)
    response = client.post(
        "/api/v1/thresholds/", row(instrument="Curated ordinance", status="published"), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["status"] == "published"


# ---- the import ---------------------------------------------------------------------------------


def test_an_editor_cannot_import_a_status_column_that_publishes(editor):
    from thresholds.services import ImportRejected, threshold_import

    rows = [
        row(instrument="Imported by an editor"),
        row(instrument="Imported by an editor", pollutant="Lead", status="published"),
    ]
    batches = ImportBatch.objects.count()
    with pytest.raises(ImportRejected) as rejected:
        threshold_import(file_name="values.csv", content=csv_bytes(rows), user=editor)
    [problem] = rejected.value.plan.problems
    assert (problem.row, problem.column, problem.value) == (3, "status", "published")
    assert "permission to publish" in problem.message and "Leave the status column blank" in problem.message
    assert not LegalInstrument.objects.filter(title="Imported by an editor").exists()
    assert ImportBatch.objects.count() == batches


def test_an_editor_cannot_withdraw_existing_values_by_import(editor):
    from thresholds.exports import export_rows
    from thresholds.record import TEMPLATE_COLUMNS
    from thresholds.services import ImportRejected, threshold_import

    value = ThresholdValue.objects.filter(status="published").first()
    [exported] = export_rows(ThresholdValue.objects.filter(pk=value.pk))
    record = dict(zip(TEMPLATE_COLUMNS, exported, strict=True))
    with pytest.raises(ImportRejected, match="1 problem"):
        threshold_import(file_name="v.csv", content=csv_bytes([{**record, "status": "withdrawn"}]), user=editor)
    value.refresh_from_db()
    assert value.status == "published"
    # The same row with the status it already has changes nothing, and is no publication.
    result = threshold_import(file_name="v.csv", content=csv_bytes([record]), user=editor, dry_run=True)
    assert result.plan.summary()["unchanged"] == 1


def test_the_admin_import_preview_tells_an_editor_publishing_is_not_theirs(editor_client):
    import io

    upload = io.BytesIO(csv_bytes([row(instrument="Previewed by an editor", status="published")]))
    upload.name = "values.csv"
    batches = ImportBatch.objects.count()
    preview = editor_client.post(reverse("admin:thresholds_import"), {"file": upload})
    assert preview.status_code == 200
    assert "permission to publish" in preview.content.decode()
    committed = editor_client.post(reverse("admin:thresholds_import"), {"token": preview.context["token"]})
    # Refused again, or sent back to upload the file (a preview with problems cannot be committed).
    assert committed.status_code in (200, 302) and ImportBatch.objects.count() == batches
    assert not LegalInstrument.objects.filter(title="Previewed by an editor").exists()


def test_a_curator_imports_published_values(curator):
    from thresholds.services import threshold_import

    result = threshold_import(
        file_name="values.csv", content=csv_bytes([row(instrument="Curated import", status="published")]), user=curator
    )
    assert ThresholdValue.objects.get(import_batch=result.batch).status == "published"


# ---- the admin's change form --------------------------------------------------------------------


def test_status_and_verification_are_read_only_for_an_editor_on_the_change_form(editor_client):
    value = ThresholdValue.objects.filter(status="draft").first() or ThresholdValue.objects.first()
    ThresholdValue.objects.filter(pk=value.pk).update(status="draft", verification="unverified")
    url = reverse("admin:thresholds_thresholdvalue_change", args=[value.pk])
    form = editor_client.get(url).context["adminform"].form
    assert "status" not in form.fields and "verification" not in form.fields

    data = admin_form_data(editor_client, url, notes="checked the table", status="published", verification="verified")
    response = editor_client.post(url, data)
    assert response.status_code == 302
    value.refresh_from_db()
    assert (value.notes, value.status, value.verification) == ("checked the table", "draft", "unverified")


def test_a_curator_changes_status_on_the_change_form(client, curator):
    client.force_login(curator)
    value = ThresholdValue.objects.filter(status="published").first()
    url = reverse("admin:thresholds_thresholdvalue_change", args=[value.pk])
    response = client.post(url, admin_form_data(client, url, status="withdrawn"))
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.status == "withdrawn"


# ---- the service, whatever calls it ---------------------------------------------------------------


def test_the_save_service_refuses_an_editor_a_status_change_from_any_path(editor):
    from thresholds.services import record_save

    value = ThresholdValue.objects.filter(status="published").first()
    value.status = "draft"
    with pytest.raises(PermissionDenied, match="status from published to draft"):
        record_save(instance=value, user=editor, expected_version=value.version)
    assert ThresholdValue.objects.get(pk=value.pk).status == "published"


def test_marking_verified_needs_the_permission_to_publish(editor, curator):
    from thresholds.services import record_save, thresholds_mark_verified, thresholds_set_status

    values = ThresholdValue.objects.filter(verification="unverified")[:2]
    ids = [value.pk for value in values]
    with pytest.raises(PermissionDenied, match="Marking values verified"):
        thresholds_mark_verified(values=ThresholdValue.objects.filter(pk__in=ids), user=editor)
    with pytest.raises(PermissionDenied):
        thresholds_set_status(values=ThresholdValue.objects.filter(pk__in=ids), status="published", user=editor)
    value = ThresholdValue.objects.get(pk=ids[0])
    value.verification = "verified"
    with pytest.raises(PermissionDenied, match="verification from unverified to verified"):
        record_save(instance=value, user=editor, expected_version=value.version)
    assert not ThresholdValue.objects.filter(pk__in=ids, verification="verified").exists()
    assert thresholds_mark_verified(values=ThresholdValue.objects.filter(pk__in=ids), user=curator) == 2


# ---- the admin's history revert -----------------------------------------------------------------


def test_an_editor_cannot_un_withdraw_an_instrument_by_reverting_its_history(editor_client, curator):
    from thresholds.services import instrument_withdraw

    instrument = LegalInstrument.objects.filter(country__iso3="JPN").first()
    before = instrument.history.latest("history_date")
    instrument_withdraw(instrument=instrument, user=curator)
    url = _revert_url(LegalInstrument, before)

    page = editor_client.get(url)
    assert page.status_code == 200 and page.context["revert_disabled"]
    response = editor_client.post(url, admin_form_data(editor_client, url), follow=True)

    assert "permission to publish" in response.content.decode()
    instrument.refresh_from_db()
    assert instrument.withdrawn


def test_an_editor_cannot_republish_a_withdrawn_value_by_reverting_its_history(editor_client, curator):
    from thresholds.services import thresholds_set_status

    value = ThresholdValue.objects.filter(status="published").first()
    published = value.history.latest("history_date")
    thresholds_set_status(values=ThresholdValue.objects.filter(pk=value.pk), status="withdrawn", user=curator)
    url = _revert_url(ThresholdValue, published)

    response = editor_client.post(url, admin_form_data(editor_client, url), follow=True)

    assert "status from withdrawn to published" in response.content.decode()
    value.refresh_from_db()
    assert value.status == "withdrawn"


def test_an_editor_may_revert_what_does_not_change_publication(editor_client, curator):
    from thresholds.services import record_save

    value = ThresholdValue.objects.filter(status="published").first()
    original = value.notes
    before = value.history.latest("history_date")
    value.notes = "a note to take back"
    record_save(instance=value, user=curator, expected_version=value.version)
    url = _revert_url(ThresholdValue, before)

    assert not editor_client.get(url).context["revert_disabled"]
    response = editor_client.post(url, admin_form_data(editor_client, url))

    assert response.status_code == 302
    value.refresh_from_db()
    assert (value.notes, value.status) == (original, "published")


def test_a_curator_may_un_withdraw_an_instrument_by_reverting_its_history(client, curator):
    from thresholds.services import instrument_withdraw

    client.force_login(curator)
    instrument = LegalInstrument.objects.filter(country__iso3="JPN").first()
    before = instrument.history.latest("history_date")
    instrument_withdraw(instrument=instrument, user=curator)
    url = _revert_url(LegalInstrument, before)

    response = client.post(url, admin_form_data(client, url))

    assert response.status_code == 302
    instrument.refresh_from_db()
    assert not instrument.withdrawn


# ---- SOP versions (item 16) ---------------------------------------------------------------------


@pytest.fixture
def two_versions(curator):
    """An SOP whose version 1.0 was published, then superseded by 2.0."""
    from sops.models import Sop, SopVersion
    from sops.services import sop_version_publish

    sop = Sop.objects.create(code="sop-revert", title="Aqua regia", analyte_group="total_metals", technique="icp_oes")
    versions = [
        SopVersion.objects.create(
            sop=sop, version=label, date=datetime.date(2024, 1, day), file=ContentFile(b"%PDF-1.4\n", "sop.pdf")
        )
        for day, label in ((1, "1.0"), (2, "2.0"))
    ]
    for version in versions:
        sop_version_publish(version=version, user=curator)
    for version in versions:  # as publishing left them (2.0 superseded 1.0)
        version.refresh_from_db()
    return versions


def test_reverting_a_superseded_sop_version_to_published_is_refused_with_a_message(client, curator, two_versions):
    from sops.models import SopVersion

    client.force_login(curator)
    first = two_versions[0]
    published = first.history.filter(status="published").latest("history_date")
    url = reverse("admin:sops_sopversion_simple_history", args=[first.pk, published.history_id])

    assert client.get(url).context["revert_disabled"]
    response = client.post(url, admin_form_data(client, url), follow=True)

    assert response.status_code == 200
    assert "status changes only through the Publish action" in response.content.decode()
    assert list(SopVersion.objects.filter(sop=first.sop).order_by("version").values_list("status", flat=True)) == [
        "superseded",
        "published",
    ]


def test_the_sop_version_save_service_refuses_a_status_change(curator, two_versions):
    from django.core.exceptions import ValidationError

    from sops.services import sop_version_save

    first = two_versions[0]
    first.status = "published"
    with pytest.raises(ValidationError, match="status changes only through the Publish action"):
        sop_version_save(version=first, user=curator)


def test_an_sop_version_revert_that_keeps_its_status_is_saved(client, curator, two_versions):
    from sops.services import sop_version_save

    client.force_login(curator)
    current = two_versions[1]
    before = current.history.latest("history_date")
    current.change_summary = "a summary to take back"
    sop_version_save(version=current, user=curator)
    url = reverse("admin:sops_sopversion_simple_history", args=[current.pk, before.history_id])

    response = client.post(url, admin_form_data(client, url))

    assert response.status_code == 302
    current.refresh_from_db()
    assert (current.change_summary, current.status) == ("", "published")


# ---- the survey's acceptance ------------------------------------------------------------------------


@pytest.fixture
def reviewer(db):
    """Reviews survey responses (surveys.change_surveyresponse) but may not publish values."""
    from tests.factories import UserFactory

    user = UserFactory(username="reviewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_surveyresponse"))
    return user


def _submitted_response(edition, focal_point_user):
    from reference.models import Country, LandUseClass, Tier
    from surveys.models import ResponseInstrument, ResponseValue, SurveyResponse
    from surveys.services import response_start

    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=focal_point_user)
    ResponseValue.objects.create(
        instrument=ResponseInstrument.objects.filter(response=response).first(),
        pollutant="Thallium",
        land_use=LandUseClass.objects.get(code="any"),
        tier=Tier.objects.get(code="precautionary"),
        value="0.8",
        unit="mg/kg",
    )
    SurveyResponse.objects.filter(pk=response.pk).update(status=SurveyResponse.Status.SUBMITTED)
    response.refresh_from_db()
    return response


def test_a_reviewer_cannot_publish_values_by_accepting_a_survey_response(edition, german_focal_point, reviewer):
    from surveys.services import response_accept

    response = _submitted_response(edition, german_focal_point)
    before = (ThresholdValue.objects.count(), ImportBatch.objects.count())
    with pytest.raises(PermissionDenied, match="permission to publish"):
        response_accept(response=response, user=reviewer, expected_version=response.version)
    assert (ThresholdValue.objects.count(), ImportBatch.objects.count()) == before
    response.refresh_from_db()
    assert response.status == "submitted" and response.accepted_batch is None


def test_a_reviewer_is_told_on_the_review_page_and_nothing_is_accepted(client, edition, german_focal_point, reviewer):
    response = _submitted_response(edition, german_focal_point)
    client.force_login(reviewer)
    url = reverse("survey-review", args=[response.pk])
    reply = client.post(url, {"decision": "accept", "all": "1", "version": response.version}, follow=True)
    assert reply.status_code == 200 and "permission to publish" in reply.content.decode()
    assert not ThresholdValue.objects.filter(from_survey=response).exists()
    response.refresh_from_db()
    assert response.status == "submitted"


def test_a_curator_publishes_values_by_accepting_a_survey_response(edition, german_focal_point, curator):
    from surveys.services import response_accept

    response = _submitted_response(edition, german_focal_point)
    counts = response_accept(response=response, user=curator, expected_version=response.version)
    assert counts["created"] == 1
    assert ThresholdValue.objects.get(pollutant_label="Thallium", from_survey=response).status == "published"
