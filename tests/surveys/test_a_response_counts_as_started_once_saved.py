"""Opening the survey creates the country's response, pre-filled from the database: that alone is not
a start. The public figures (/survey/results/) and the curators' dashboard count a response as
started from its first save, of any section."""

import pytest

from surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db


def _started(client) -> tuple[int, int]:
    """What /survey/results/ says: responses started (all regions), and drafts among them."""
    progress = client.get("/survey/results/").context["progress"]
    drafts = dict(progress["by_status"])[SurveyResponse.Status.DRAFT.label]
    return sum(row["total"] for row in progress["by_region"]), drafts


def test_signing_in_and_opening_the_survey_starts_nothing(client, edition, german_focal_point):
    client.force_login(german_focal_point)
    assert client.get("/survey/").status_code == 302
    response = SurveyResponse.objects.get(edition=edition, country__iso3="DEU")
    assert response.first_saved_at is None and not response.is_started
    client.logout()
    assert _started(client) == (0, 0)


def test_the_first_save_of_a_section_starts_the_response(client, edition, german_focal_point):
    client.force_login(german_focal_point)
    client.get("/survey/")
    response = SurveyResponse.objects.get(edition=edition, country__iso3="DEU")
    saved = client.post(
        f"/survey/responses/{response.pk}/d/", {"version": response.version, "working_towards_adoption": "yes"}
    )
    assert saved.status_code == 302
    response.refresh_from_db()
    assert response.first_saved_at is not None and response.is_started
    first = response.first_saved_at
    client.post(f"/survey/responses/{response.pk}/a/", {"version": response.version, "situation": "binding"})
    response.refresh_from_db()
    assert response.first_saved_at == first  # the first save, not the latest
    client.logout()
    assert _started(client) == (1, 1)


def test_the_dashboard_says_which_responses_were_only_opened(client, edition, german_focal_point, curator):
    client.force_login(german_focal_point)
    client.get("/survey/")
    client.force_login(curator)
    page = client.get("/survey/dashboard/")
    assert "opened, not saved yet" in page.content.decode()
    assert dict(page.context["progress"]["by_status"])[SurveyResponse.Status.DRAFT.label] == 0


def test_the_migration_dates_the_responses_saved_before_it_from_their_history(
    edition, german_focal_point, french_focal_point
):
    import importlib

    from django.apps import apps
    from django.utils import timezone

    from reference.models import Country
    from surveys.services import response_save, response_start

    migration = importlib.import_module("surveys.migrations.0006_response_first_saved_at")
    opened = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    saved = response_start(edition=edition, country=Country.objects.get(iso3="FRA"), user=french_focal_point)
    response_save(response=saved, user=french_focal_point, expected_version=saved.version)
    submitted = SurveyResponse.objects.create(
        edition=edition, country=Country.objects.get(iso3="KEN"), status="submitted", submitted_at=timezone.now()
    )
    SurveyResponse.objects.update(first_saved_at=None)  # as before the field existed

    migration.fill_first_saved_at(apps, None)

    first_change = saved.history.filter(history_type="~").earliest("history_date").history_date
    dates = dict(SurveyResponse.objects.values_list("pk", "first_saved_at"))
    assert dates == {opened.pk: None, saved.pk: first_change, submitted.pk: submitted.submitted_at}
