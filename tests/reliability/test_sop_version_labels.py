"""Audit item 11: an SOP version's label is part of its download address, so it is checked against what
the address accepts (sops.models.validate_version_label, on every path that saves a version), and a
label stored before the check never makes a page fail: migration 0006 renames it, and until then the
pages show it without a download link."""

from __future__ import annotations

import datetime
import importlib
from urllib.parse import unquote

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse

from sops.models import Sop, SopVersion, validate_version_label

pytestmark = pytest.mark.django_db

ACCEPTED = ["1.0", "2.0-beta", "2.1_rc1", "v3", "1.0.3", "2024-01", "1.0-β"]
REFUSED = ["2.0 beta", "", "../etc", ".hidden", "-1", "_1", "2.0/1", "2.0?x", "1.0#a", "1%20", "2.0\x00", " 1.0"]


@pytest.mark.parametrize("label", ACCEPTED)
def test_an_accepted_label_makes_a_download_address_that_leads_back_to_it(label):
    validate_version_label(label)
    path = reverse("sop-download", args=["glosolan-sop-14", label])
    # The server decodes the address (a label may have letters beyond ASCII) before resolving it.
    assert resolve(unquote(path)).kwargs == {"code": "glosolan-sop-14", "version": label}


@pytest.mark.parametrize("label", REFUSED)
def test_a_label_the_address_cannot_carry_is_refused_with_what_to_do(label):
    with pytest.raises(ValidationError, match="Replace spaces and other characters with a hyphen"):
        validate_version_label(label)


@pytest.fixture
def sop(db):
    return Sop.objects.create(code="sop-labels", title="Aqua regia", analyte_group="total_metals", technique="icp_oes")


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("sop.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def test_the_admin_refuses_a_label_with_a_space(client, curator, sop):
    client.force_login(curator)
    response = client.post(
        reverse("admin:sops_sopversion_add"),
        {"sop": sop.pk, "version": "2.0 beta", "date": "2024-02-01", "change_summary": "", "file": _pdf()},
    )
    assert response.status_code == 200
    assert "Replace spaces" in str(response.context["adminform"].form.errors["version"])
    assert not SopVersion.objects.filter(sop=sop).exists()


def test_the_save_service_refuses_a_label_with_a_space(curator, sop):
    from sops.services import sop_version_save

    version = SopVersion(sop=sop, version="2.0 beta", date=datetime.date(2024, 2, 1), file="sops/x.pdf")
    with pytest.raises(ValidationError) as refused:
        sop_version_save(version=version, user=curator)
    assert "version" in refused.value.message_dict
    assert not SopVersion.objects.filter(sop=sop).exists()


def _inline_data(sop, **version) -> dict:
    return {
        "code": sop.code,
        "title": sop.title,
        "scope": "",
        "analyte_group": sop.analyte_group,
        "technique": sop.technique,
        "languages": "en",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
        **{f"versions-0-{name}": item for name, item in version.items()},
    }


def test_a_version_added_on_the_sops_page_is_checked_and_saved_as_a_draft_by_the_service(
    client, curator, sop, monkeypatch
):
    import sops.admin
    from sops.services import sop_version_save

    saved_by_the_service = []
    monkeypatch.setattr(
        sops.admin, "sop_version_save", lambda **kwargs: saved_by_the_service.append(sop_version_save(**kwargs))
    )
    client.force_login(curator)
    url = reverse("admin:sops_sop_change", args=[sop.pk])
    refused = client.post(url, _inline_data(sop, version="2.0 beta", date="2024-02-01", file=_pdf()))
    assert refused.status_code == 200 and not SopVersion.objects.filter(sop=sop).exists()

    saved = client.post(url, _inline_data(sop, version="2.0-beta", date="2024-02-01", file=_pdf(), status="published"))
    assert saved.status_code == 302, saved.context and saved.context["errors"]
    version = SopVersion.objects.get(sop=sop)
    assert (version.version, version.status) == ("2.0-beta", "draft")
    assert version.history.latest("history_date").history_user == curator
    assert saved_by_the_service == [version]


def test_a_label_stored_before_the_check_does_not_fail_the_pages(client, sop):
    version = SopVersion.objects.create(
        sop=sop, version="1.0", date=datetime.date(2024, 1, 1), status="published", file="sops/x.pdf"
    )
    SopVersion.objects.filter(pk=version.pk).update(version="2.0 beta")

    assert client.get("/sops/").status_code == 200
    page = client.get("/sops/sop-labels/")
    assert page.status_code == 200 and "not downloadable" in page.content.decode()
    [listed] = client.get("/api/v1/sops/sop-labels/").json()["versions"]
    assert (listed["version"], listed["download"]) == ("2.0 beta", None)


def test_the_migration_renames_stored_labels_to_fit_their_address(sop):
    migration = importlib.import_module("sops.migrations.0006_version_label_fits_its_address")
    labels = ["2.0 beta", "2.0-beta", "  ", "1.0", "a / b ", "a__b"]
    versions = [
        SopVersion.objects.create(sop=sop, version=f"tmp{number}", date=datetime.date(2024, 1, number), file="s.pdf")
        for number, _ in enumerate(labels, start=1)
    ]
    for version, label in zip(versions, labels, strict=True):
        SopVersion.objects.filter(pk=version.pk).update(version=label)

    migration.rename_labels_the_address_cannot_carry(apps, None)

    renamed = [SopVersion.objects.get(pk=version.pk).version for version in versions]
    first, space_only = versions[0].pk, versions[2].pk
    assert renamed == [f"2.0-beta-{first}", "2.0-beta", f"v{space_only}", "1.0", "a-b", "a__b"]
    for label in renamed:
        validate_version_label(label)
        reverse("sop-download", args=[sop.code, label])
    reasons = SopVersion.history.filter(history_change_reason=migration.REASON)
    assert sorted(reasons.values_list("version", flat=True)) == sorted([renamed[0], renamed[2], renamed[4]])
