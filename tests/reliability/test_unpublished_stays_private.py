"""Audit items 12 and 7: what is not published, or was withdrawn, stays private.

An instrument whose values are all drafts (a draft import creates its instruments at once) is not on
any public page, the API or the search until one of its values is published; an SOP with draft
versions only is not public either, a public SOP's drafts are not in the API, and `/sops/?status=draft`
tells an anonymous visitor nothing. A withdrawn instrument's title and id are not shown through the
instrument it was superseded by (or that superseded it), and no instrument can be linked to one."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token

from sops.models import Sop, SopVersion
from tests.reliability.helpers import admin_form_data
from tests.thresholds.helpers import row
from thresholds.models import LegalInstrument, ThresholdValue

pytestmark = pytest.mark.django_db

DRAFT_TITLE = "Ordinance on soil values still being drafted"
YEAR = "1801"  # no seed instrument has it: ?year= lists only this test's instruments


@pytest.fixture
def draft_only_instrument(curator):
    """An instrument in Germany whose only value is a draft, as a draft import leaves it."""
    from thresholds.services import threshold_create

    value = threshold_create(record=row(instrument=DRAFT_TITLE, instrument_year=YEAR), user=curator)
    assert value.status == ThresholdValue.Status.DRAFT
    return value.instrument


def _public_places(instrument) -> dict[str, str]:
    return {
        "its page": f"/instruments/{instrument.pk}/",
        "its country's page": "/countries/DEU/",
        "the search": "/search/?q=drafted",
        "the API's list": f"/api/v1/instruments/?year={YEAR}",
        "the API's record": f"/api/v1/instruments/{instrument.pk}/",
        "the home page": "/",
    }


# ---- item 12: instruments with draft values only ----------------------------------------------------


def test_an_instrument_with_draft_values_only_is_nowhere_public(client, draft_only_instrument):
    for place, path in _public_places(draft_only_instrument).items():
        response = client.get(path)
        assert response.status_code in (200, 404), (place, response.status_code)
        assert DRAFT_TITLE not in response.content.decode(), f"{place} ({path}) shows the draft instrument"
    assert client.get(f"/instruments/{draft_only_instrument.pk}/").status_code == 404
    assert client.get(f"/api/v1/instruments/{draft_only_instrument.pk}/").status_code == 404
    assert client.get(f"/api/v1/instruments/?year={YEAR}").json()["results"] == []


def test_a_curator_sees_an_instrument_with_draft_values_only(client, curator, draft_only_instrument):
    client.force_login(curator)
    assert DRAFT_TITLE in client.get(f"/instruments/{draft_only_instrument.pk}/").content.decode()
    [listed] = client.get(f"/api/v1/instruments/?year={YEAR}").json()["results"]
    assert listed["title"] == DRAFT_TITLE


def test_an_instrument_is_public_with_its_first_published_value(client, curator, draft_only_instrument):
    from thresholds.services import thresholds_set_status

    thresholds_set_status(values=draft_only_instrument.values.all(), status="published", user=curator)

    assert DRAFT_TITLE in client.get(f"/instruments/{draft_only_instrument.pk}/").content.decode()
    assert DRAFT_TITLE in client.get("/search/?q=drafted").content.decode()
    [listed] = client.get(f"/api/v1/instruments/?year={YEAR}").json()["results"]
    assert (listed["id"], listed["value_count"]) == (draft_only_instrument.pk, 1)


def test_a_withdrawn_instrument_is_not_public_even_with_a_published_value(client, curator, draft_only_instrument):
    from thresholds.services import instrument_withdraw, thresholds_set_status

    thresholds_set_status(values=draft_only_instrument.values.all(), status="published", user=curator)
    instrument_withdraw(instrument=draft_only_instrument, user=curator)
    # Even a value published again by mistake does not bring it back.
    ThresholdValue.objects.filter(instrument=draft_only_instrument).update(status="published")

    for place, path in _public_places(draft_only_instrument).items():
        assert DRAFT_TITLE not in client.get(path).content.decode(), f"{place} ({path}) shows the withdrawn instrument"


# ---- item 12: SOPs with draft versions only -------------------------------------------------------


def _sop(code: str, *statuses: str) -> Sop:
    sop = Sop.objects.create(code=code, title=f"Title of {code}", analyte_group="total_metals", technique="icp_oes")
    for number, status in enumerate(statuses, start=1):
        SopVersion.objects.create(
            sop=sop, version=f"{number}.0", date=datetime.date(2024, 1, number), status=status, file="sops/x.pdf"
        )
    return sop


@pytest.fixture
def draft_sop(db):
    return _sop("sop-in-draft", "draft", "under_review")


@pytest.fixture
def released_sop_with_a_draft(db):
    return _sop("sop-released", "published", "draft")


def test_an_sop_with_draft_versions_only_is_not_public(client, draft_sop):
    assert "sop-in-draft" not in client.get("/sops/").content.decode()
    assert client.get("/sops/sop-in-draft/").status_code == 404
    assert client.get("/sops/sop-in-draft/versions/1.0/download/").status_code == 404
    assert client.get("/api/v1/sops/sop-in-draft/").status_code == 404
    assert "sop-in-draft" not in [sop["code"] for sop in client.get("/api/v1/sops/").json()["results"]]


def test_a_curator_sees_an_sop_with_draft_versions_only(client, curator, draft_sop):
    client.force_login(curator)
    assert "sop-in-draft" in client.get("/sops/").content.decode()
    page = client.get("/sops/sop-in-draft/")
    assert page.status_code == 200 and [version.version for version in page.context["versions"]] == ["2.0", "1.0"]


def test_a_public_sops_draft_versions_are_not_shown(client, released_sop_with_a_draft):
    page = client.get("/sops/sop-released/")
    assert [version.version for version in page.context["versions"]] == ["1.0"]
    versions = client.get("/api/v1/sops/sop-released/").json()["versions"]
    assert [(version["version"], version["status"]) for version in versions] == [("1.0", "published")]
    assert client.get("/sops/sop-released/versions/2.0/download/").status_code == 404


def test_the_sop_list_tells_an_anonymous_visitor_nothing_about_drafts(client, released_sop_with_a_draft):
    page = client.get("/sops/?status=draft")
    html = page.content.decode()
    assert page.status_code == 200 and list(page.context["sops"]) == []
    assert "sop-released" not in html
    # Answered as for a status that does not exist, and not offered as a choice.
    assert "Unknown version status: draft" in html
    assert {code for code, _ in page.context["statuses"]} == {"published", "superseded"}
    assert client.get("/sops/?status=under_review").context["sops"].count() == 0


def test_a_curator_filters_the_sop_list_by_draft(client, curator, released_sop_with_a_draft, draft_sop):
    client.force_login(curator)
    page = client.get("/sops/?status=draft")
    assert {sop.code for sop in page.context["sops"]} == {"sop-released", "sop-in-draft"}


# ---- item 7: a withdrawn instrument seen through its neighbours ------------------------------------


@pytest.fixture
def lineage(curator):
    """Three published instruments in Germany: the middle one supersedes the first and is superseded
    by the last. The middle one is then withdrawn."""
    from thresholds.services import instrument_save, instrument_withdraw, threshold_create

    first, middle, last = (
        threshold_create(
            record=row(instrument=title, instrument_year=YEAR, status="published"), user=curator
        ).instrument
        for title in ("Old soil ordinance", "Withdrawn soil ordinance", "New soil ordinance")
    )
    instrument_save(instrument=middle, data={"supersedes": first}, user=curator, expected_version=middle.version)
    instrument_save(instrument=last, data={"supersedes": middle}, user=curator, expected_version=last.version)
    instrument_withdraw(instrument=middle, user=curator)
    return first, middle, last


def test_a_withdrawn_instrument_is_not_named_by_its_neighbours_pages(client, lineage):
    first, middle, last = lineage
    for instrument in (first, last):
        html = client.get(f"/instruments/{instrument.pk}/").content.decode()
        assert "Withdrawn soil ordinance" not in html and f"/instruments/{middle.pk}/" not in html
    country = client.get("/countries/DEU/").content.decode()
    assert "Old soil ordinance" in country and "Withdrawn soil ordinance" not in country


def test_a_withdrawn_instrument_is_not_named_by_its_neighbours_in_the_api(client, lineage):
    first, middle, last = lineage
    assert client.get(f"/api/v1/instruments/{last.pk}/").json()["supersedes"] is None
    listed = {
        item["id"]: item["supersedes"] for item in client.get(f"/api/v1/instruments/?year={YEAR}").json()["results"]
    }
    assert listed == {first.pk: None, last.pk: None}


def test_a_curator_still_sees_the_link_to_a_withdrawn_instrument(client, curator, lineage):
    first, middle, last = lineage
    client.force_login(curator)
    assert client.get(f"/api/v1/instruments/{last.pk}/").json()["supersedes"] == middle.pk
    assert "Withdrawn soil ordinance" in client.get(f"/instruments/{last.pk}/").content.decode()


def test_no_instrument_can_be_linked_to_a_withdrawn_one_by_the_service(curator, lineage):
    from thresholds.services import instrument_save

    first, middle, last = lineage
    first.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        instrument_save(instrument=first, data={"supersedes": middle}, user=curator, expected_version=first.version)
    assert "was withdrawn" in refused.value.message_dict["supersedes"][0]
    assert LegalInstrument.objects.get(pk=first.pk).supersedes_id is None


def test_a_link_made_before_the_withdrawal_is_kept_when_other_details_change(curator, lineage):
    from thresholds.services import instrument_save

    first, middle, last = lineage
    last.refresh_from_db()
    instrument_save(instrument=last, data={"notes": "checked"}, user=curator, expected_version=last.version)
    assert LegalInstrument.objects.get(pk=last.pk).supersedes_id == middle.pk


def test_no_instrument_can_be_linked_to_a_withdrawn_one_through_the_api(client, curator, lineage):
    first, middle, last = lineage
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=curator).key}"
    record = client.get(f"/api/v1/instruments/{first.pk}/")
    response = client.patch(
        f"/api/v1/instruments/{first.pk}/",
        {"supersedes": middle.pk},
        content_type="application/json",
        HTTP_IF_MATCH=record["ETag"],
    )
    assert response.status_code == 400, response.content
    assert "was withdrawn" in response.json()["errors"]["supersedes"][0]
    assert LegalInstrument.objects.get(pk=first.pk).supersedes_id is None


def test_no_instrument_can_be_linked_to_a_withdrawn_one_in_the_admin(client, curator, lineage):
    first, middle, last = lineage
    client.force_login(curator)
    url = reverse("admin:thresholds_legalinstrument_change", args=[first.pk])
    response = client.post(url, admin_form_data(client, url, supersedes=middle.pk))
    assert response.status_code == 200
    assert "was withdrawn" in str(response.context["adminform"].form.errors["supersedes"])
    assert LegalInstrument.objects.get(pk=first.pk).supersedes_id is None
