"""Item 10 of the reliability suite: every write path leaves a history record naming the person who
wrote: API and admin edits, bulk actions, imports and their rollback, survey saves, submission,
review and acceptance, SOP publication. Each path is walked as its users walk it (HTTP)."""

import io

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token

from core.locking import record_etag
from reference.models import Country, LandUseClass
from sops.models import Sop, SopVersion
from surveys.models import ResponseValue, SurveyResponse
from surveys.services import response_start
from tests.reliability.helpers import admin_form_data
from tests.thresholds.helpers import csv_bytes, row
from thresholds.models import ImportBatch, LegalInstrument, ThresholdValue

pytestmark = pytest.mark.django_db


def last_change(record):
    return record.history.order_by("-history_date", "-history_id").first()


@pytest.fixture
def api(client, curator):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=curator).key}"
    return client


def test_api_writes_name_their_curator(api, curator):
    created = api.post("/api/v1/thresholds/", row(instrument="Audit ordinance"), content_type="application/json")
    value = ThresholdValue.objects.get(pk=created.json()["id"])
    assert (last_change(value).history_type, last_change(value).history_user) == ("+", curator)
    api.patch(
        f"/api/v1/thresholds/{value.pk}/", {"notes": "audited"}, content_type="application/json",
        HTTP_IF_MATCH=record_etag(value),
    )  # fmt: skip
    value.refresh_from_db()
    assert (last_change(value).notes, last_change(value).history_user) == ("audited", curator)
    api.post(f"/api/v1/thresholds/{value.pk}/withdraw/", HTTP_IF_MATCH=record_etag(value))
    value.refresh_from_db()
    assert (last_change(value).status, last_change(value).history_user) == ("withdrawn", curator)

    instrument = value.instrument
    api.patch(
        f"/api/v1/instruments/{instrument.pk}/", {"year": 2021}, content_type="application/json",
        HTTP_IF_MATCH=record_etag(instrument),
    )  # fmt: skip
    instrument.refresh_from_db()
    assert (last_change(instrument).year, last_change(instrument).history_user) == (2021, curator)
    api.post(f"/api/v1/instruments/{instrument.pk}/withdraw/", HTTP_IF_MATCH=record_etag(instrument))
    instrument.refresh_from_db()
    assert last_change(instrument).withdrawn and last_change(instrument).history_user == curator


def test_admin_edits_and_bulk_actions_name_their_curator(client, curator):
    curator.user_permissions.add(
        *Permission.objects.filter(codename__in=["publish_thresholdvalue", "verify_thresholdvalue"])
    )
    client.force_login(curator)
    value = ThresholdValue.objects.filter(status="published").first()
    url = f"/admin/thresholds/thresholdvalue/{value.pk}/change/"
    assert client.post(url, admin_form_data(client, url, notes="edited in the admin")).status_code == 302
    assert (last_change(value).notes, last_change(value).history_user) == ("edited in the admin", curator)

    changelist = "/admin/thresholds/thresholdvalue/"
    for action, check in (
        ("withdraw", lambda h: h.status == "withdrawn"),
        ("publish", lambda h: h.status == "published"),
        ("mark_verified", lambda h: h.verified_by_id == curator.pk),
    ):
        client.post(changelist, {"action": action, "_selected_action": [value.pk]})
        change = last_change(value)
        assert check(change) and change.history_user == curator, action

    instrument = LegalInstrument.objects.filter(withdrawn=False).first()
    client.post("/admin/thresholds/legalinstrument/", {"action": "withdraw", "_selected_action": [instrument.pk]})
    assert last_change(instrument).withdrawn and last_change(instrument).history_user == curator


def test_an_import_and_its_rollback_name_their_curators(client, curator, other_curator):
    curator.user_permissions.add(Permission.objects.get(codename="rollback_importbatch"))
    client.force_login(curator)
    upload = io.BytesIO(csv_bytes([row(instrument="Audit import"), row(instrument="Audit import", tier="trigger")]))
    upload.name = "audit.csv"
    preview = client.post("/admin/thresholds/thresholdvalue/import/", {"file": upload})
    client.post("/admin/thresholds/thresholdvalue/import/", {"token": preview.context["token"]})
    batch = ImportBatch.objects.get(file_name="audit.csv")
    values = ThresholdValue.objects.filter(import_batch=batch)
    assert batch.created_by == curator and values.count() == 2
    assert all((last_change(v).history_user, last_change(v).history_change_reason) == (curator, batch.change_reason)
               for v in values)  # fmt: skip

    ids = list(values.values_list("pk", flat=True))
    other_curator.user_permissions.add(Permission.objects.get(codename="rollback_importbatch"))
    client.force_login(other_curator)
    client.post("/admin/thresholds/importbatch/", {"action": "roll_back", "_selected_action": [batch.pk]})
    batch.refresh_from_db()
    assert batch.status == "rolled_back" and batch.rolled_back_by == other_curator
    removed = ThresholdValue.history.filter(id__in=ids, history_type="-")
    assert removed.count() == 2 and {h.history_user for h in removed} == {other_curator}


def test_the_survey_round_names_each_focal_point_and_curator(client, edition, german_focal_point, curator):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    base = f"/survey/responses/{response.pk}"

    def version():
        return SurveyResponse.objects.get(pk=response.pk).version

    client.post(
        f"{base}/a/",
        {"version": version(), "situation": "binding", "land_uses": [LandUseClass.objects.get(code="agricultural").pk]},
    )
    client.post(f"{base}/d/", {"version": version(), "working_towards_adoption": "yes", "comments": "audit"})
    assert (last_change(response).comments, last_change(response).history_user) == ("audit", german_focal_point)
    instrument = response.instruments.first()
    pasted = "Thallium\tagricultural\tprecautionary\t0.8\tmg/kg"
    client.post(
        f"{base}/c/", {"version": version(), "paste": "1", "paste-instrument": instrument.pk, "paste-rows": pasted}
    )
    added = ResponseValue.objects.get(instrument=instrument, pollutant="Thallium")
    assert last_change(added).history_user == german_focal_point
    client.post(f"{base}/submit/", {"version": version()})
    assert (last_change(response).status, last_change(response).history_user) == ("submitted", german_focal_point)

    client.force_login(curator)
    client.post(
        f"{base}/review/", {"version": version(), "decision": "request_changes", "comment-c": "Check thallium."}
    )
    assert (last_change(response).status, last_change(response).history_user) == ("changes_requested", curator)
    client.force_login(german_focal_point)
    client.post(f"{base}/submit/", {"version": version()})
    client.force_login(curator)
    client.post(f"{base}/review/", {"version": version(), "decision": "accept", "all": "1"})
    assert (last_change(response).status, last_change(response).history_user) == ("accepted", curator)
    accepted = ThresholdValue.objects.get(from_survey=response, pollutant__slug="thallium")
    assert (last_change(accepted).history_type, last_change(accepted).history_user) == ("+", curator)


def test_publishing_an_sop_version_names_its_curator(client, curator):
    from django.core.files.base import ContentFile

    curator.user_permissions.add(
        *Permission.objects.filter(codename__in=["publish_sopversion", "change_sopversion", "view_sopversion"])
    )
    sop = Sop.objects.create(code="audit-sop", title="Audit SOP", analyte_group="metals", technique="icp_oes")
    version = SopVersion.objects.create(
        sop=sop, version="1.0", date="2026-01-01", file=ContentFile(b"%PDF-1.4", "s.pdf")
    )
    client.force_login(curator)
    client.post("/admin/sops/sopversion/", {"action": "publish", "_selected_action": [version.pk]})
    version.refresh_from_db()
    assert (last_change(version).status, last_change(version).history_user) == ("published", curator)
