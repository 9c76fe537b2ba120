"""The survey's round trip in a real browser: a focal point fills the response over two sessions,
pastes values and submits; a curator asks for changes; the focal point fixes and resubmits; the
curator accepts; the values appear on the country page and in the API with their provenance."""

import datetime

import pytest

from reference.models import Country
from tests.factories import PASSWORD, focal_point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_a_response_goes_from_focal_point_to_database_and_back(page):
    from django.contrib.auth.models import Group, Permission

    from surveys.models import SurveyEdition
    from tests.factories import UserFactory

    today = datetime.date.today()
    SurveyEdition.objects.create(
        year=today.year,
        title=f"INSOP survey {today.year}",
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today + datetime.timedelta(days=60),
    )
    focal_point("fp-kenya", "KEN")
    curator = UserFactory(username="curator", is_staff=True)
    # An earlier live-server test may have emptied the database, the migrations' Curators group included.
    curators, _ = Group.objects.get_or_create(name="Curators")
    curators.permissions.add(*Permission.objects.filter(content_type__app_label__in=["surveys", "thresholds"]))
    curator.groups.add(curators)

    # First session: section A, then sign out.
    _sign_in(page, "fp-kenya")
    assert "/survey/responses/" in page.url and "Kenya" in page.locator("h1").inner_text()
    response_url = page.url
    page.get_by_role("link", name="A. Thresholds in the country").click()
    page.get_by_label("Legally binding threshold values").check()
    page.get_by_label("Agricultural").check()
    page.get_by_role("button", name="Save").click()
    assert "Saved." in page.locator(".notices").inner_text()
    _sign_out(page)

    # Second session: resume where it was left.
    _sign_in(page, "fp-kenya")
    assert page.url == response_url and "1 of 5 sections answered" in page.content()
    page.get_by_role("link", name="B. Instruments").click()
    page.get_by_label("Title").fill("Environmental Management and Co-ordination (Soil Quality) Regulations")
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Save").click()
    assert "Saved." in page.locator(".notices").inner_text()

    page.goto(response_url + "c/")
    page.locator("#id_paste-instrument").select_option(
        label="Environmental Management and Co-ordination (Soil Quality) Regulations"
    )
    page.get_by_label("Rows copied from a spreadsheet").fill(
        "pollutant\tland use\ttier\tvalue\tunit\nCadmium\tagricultural\tprecautionary\t3\tmg/kg\n"
        "Lead\tagricultural\tprecautionary\t100\tmg/kg\n"
    )
    page.get_by_role("button", name="Add the pasted rows").click()
    assert "Saved." in page.locator(".notices").inner_text()
    assert page.locator("table.survey-values tbody tr").count() == 3  # two values and an empty row

    page.goto(response_url + "d/")
    page.locator("input[name=working_towards_adoption][value=yes]").check()
    page.get_by_role("button", name="Save").click()
    page.goto(response_url)
    page.get_by_role("button", name="Submit the response for review").click()
    assert "Submitted." in page.locator(".notices").inner_text()
    _sign_out(page)

    # The curator asks for the laboratories.
    _sign_in(page, "curator")
    page.goto(response_url + "review/")
    assert page.locator("tr.action-create").count() == 2
    page.get_by_label("E. Laboratories").fill("Please name the laboratories that measured these values.")
    page.get_by_role("button", name="Request changes").click()
    assert "asked for changes" in page.locator(".notices").inner_text()
    _sign_out(page)

    # The focal point adds a laboratory and resubmits.
    _sign_in(page, "fp-kenya")
    assert "Please name the laboratories" in page.content()
    page.get_by_role("link", name="E. Laboratories").click()
    page.get_by_label("Name").fill("KALRO soil laboratory")
    page.get_by_role("button", name="Save").click()
    page.goto(response_url)
    page.get_by_role("button", name="Submit the response for review").click()
    assert "Submitted." in page.locator(".notices").inner_text()
    _sign_out(page)

    # The curator accepts; the values are public with their provenance.
    _sign_in(page, "curator")
    page.goto(response_url + "review/")
    page.get_by_role("button", name="Accept the ticked values").click()
    assert "2 values added" in page.locator(".notices").inner_text()
    page.goto("/countries/KEN/")
    assert page.locator("table.values tbody tr", has_text=f"from the {today.year} survey").count() == 2
    api = page.request.get("/api/v1/thresholds/?country=KEN").json()["results"]
    assert len(api) == 2 and all(item["provenance"]["edition"] == today.year for item in api)
    assert Country.objects.get(iso3="KEN").survey_responses.get().status == "accepted"
