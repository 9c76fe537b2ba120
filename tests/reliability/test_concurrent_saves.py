"""Item 9 of the reliability suite: saves of one record at the same moment. Requests run in threads,
each with its own database connection, released together by a barrier; PostgreSQL's row locks
decide. One save wins, the other is told who saved and nothing of theirs is written half-way.
Run by `make reliability` (PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client

from core.locking import record_etag
from reference.models import Country
from surveys.models import SurveyResponse
from surveys.services import response_start
from tests.factories import SurveyEditionFactory, focal_point
from tests.reliability.helpers import admin_form_data
from thresholds.models import ThresholdValue

pytestmark = [pytest.mark.drill, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loaded_data")]


def at_once(*calls):
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_two_curators_changing_one_value_through_the_api(loaded_data):
    from rest_framework.authtoken.models import Token

    from tests.factories import UserFactory

    other = UserFactory(username="drill-curator-2", is_staff=True, is_superuser=True)
    value = ThresholdValue.objects.filter(status="published").first()
    etag, url = record_etag(value), f"/api/v1/thresholds/{value.pk}/"

    def patch(user, notes):
        token = Token.objects.get_or_create(user=user)[0].key
        return lambda: Client().patch(
            url,
            {"notes": notes},
            content_type="application/json",
            HTTP_IF_MATCH=etag,
            HTTP_AUTHORIZATION=f"Token {token}",
        )

    first, second = at_once(patch(loaded_data, "first curator's note"), patch(other, "second curator's note"))
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner = first if first.status_code == 200 else second
    loser = second if winner is first else first
    assert loser.json()["code"] == "precondition_failed" and "Someone else saved this record" in loser.json()["detail"]
    before = value.version
    value.refresh_from_db()
    assert value.notes in ("first curator's note", "second curator's note") and value.version == before + 1
    assert winner["ETag"].startswith(f'"thresholdvalue-{value.pk}-v{value.version}.')
    assert value.history.filter(notes__in=["first curator's note", "second curator's note"]).count() == 1


def test_two_curators_saving_one_value_in_the_admin(loaded_data):
    from tests.factories import UserFactory

    other = UserFactory(username="drill-curator-2", is_staff=True, is_superuser=True)
    value = ThresholdValue.objects.filter(status="published").first()
    url = f"/admin/thresholds/thresholdvalue/{value.pk}/change/"
    editors = [signed_in(loaded_data), signed_in(other)]
    posts = [
        admin_form_data(editor, url, notes=notes)
        for editor, notes in zip(editors, ["first editor", "second editor"], strict=True)
    ]
    connections.close_all()
    saves = [
        (lambda editor=editor, data=data: editor.post(url, data)) for editor, data in zip(editors, posts, strict=True)
    ]
    results = at_once(*saves)
    assert sorted(result.status_code for result in results) == [200, 302]
    refused = next(result for result in results if result.status_code == 200)
    assert "Someone else saved this record" in refused.content.decode()
    value.refresh_from_db()
    assert value.notes in ("first editor", "second editor")
    assert value.history.filter(notes__in=["first editor", "second editor"]).count() == 1


def test_two_focal_points_of_one_country_saving_one_section():
    edition = SurveyEditionFactory()
    one, two = focal_point("fp-one", "DEU"), focal_point("fp-two", "DEU")
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=one)
    url = f"/survey/responses/{response.pk}/d/"
    version = response.version

    def save(user, comments):
        client = signed_in(user)
        return lambda: client.post(url, {"version": version, "working_towards_adoption": "yes", "comments": comments})

    results = at_once(save(one, "from the first focal point"), save(two, "from the second focal point"))
    assert sorted(result.status_code for result in results) == [302, 409]
    refused = next(result for result in results if result.status_code == 409)
    assert "Someone else saved" in refused.content.decode() and "still in the form" in refused.content.decode()
    saved = SurveyResponse.objects.get(pk=response.pk)
    assert saved.comments in ("from the first focal point", "from the second focal point")
    assert saved.version == version + 1


def state(number: int) -> dict[str, str]:
    """A whole section D, different in every field for each autosave."""
    return {
        "working_towards_adoption": ["yes", "no", "unknown"][number % 3],
        "in_international_discussions": ["yes", "no"][number % 2],
        "needs_legislation": "on" if number % 2 else "",
        "needs_laboratories": "on" if number % 3 else "",
        "needs_funding": "on" if number % 5 else "",
        "needs_training": "on" if number % 7 else "",
        "needs_other": f"need {number}",
        "comments": f"autosave {number}",
    }


def stored_state(response: SurveyResponse) -> dict[str, str]:
    return {
        "working_towards_adoption": response.working_towards_adoption,
        "in_international_discussions": response.in_international_discussions,
        **{
            name: "on" if getattr(response, name) else ""
            for name in ("needs_legislation", "needs_laboratories", "needs_funding", "needs_training")
        },
        "needs_other": response.needs_other,
        "comments": response.comments,
    }


def test_many_simultaneous_autosaves_leave_exactly_one_submitted_state(report):
    edition = SurveyEditionFactory()
    user = focal_point("fp-autosave", "DEU")
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=user)
    url, version = f"/survey/responses/{response.pk}/d/", response.version
    clients = [signed_in(user) for _ in range(20)]
    connections.close_all()
    saves = [
        (
            lambda client=client, number=number: client.post(
                url, {"version": version, **state(number)}, HTTP_X_AUTOSAVE="1"
            )
        )
        for number, client in enumerate(clients)
    ]
    results = at_once(*saves)
    codes = [result.status_code for result in results]
    assert codes.count(200) == 1 and codes.count(409) == len(codes) - 1, codes
    winner = codes.index(200)
    saved = SurveyResponse.objects.get(pk=response.pk)
    assert stored_state(saved) == state(winner), "the stored section is one autosave's, whole"
    assert saved.version == version + 1
    assert all("Someone else saved" in result.json()["message"] for result in results if result.status_code == 409)
    report(f"{len(codes)} autosaves at once: 1 saved (autosave {winner}), {codes.count(409)} told 409")
