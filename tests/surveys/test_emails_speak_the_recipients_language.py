"""E-mails reach a focal point in their language: the one the curator chose at the invitation, then
the one in which they last saved the survey; curators get theirs in the portal's default language."""

import pytest
from django.core import mail
from django.utils import translation

from reference.models import Country
from surveys.models import FocalPoint, SurveyResponse
from surveys.services import (
    CHANGES_REQUESTED_NOTICE,
    focal_point_invite,
    response_request_changes,
    response_save,
    response_start,
    response_submit,
)

pytestmark = pytest.mark.django_db


def _in(language: str, message: str) -> str:
    with translation.override(language):
        translated = translation.gettext(message)
    assert translated != message, f"no {language} translation of {message!r}"
    return translated


def test_an_invitation_is_written_in_the_language_the_curator_chose(curator, django_capture_on_commit_callbacks):
    brazil = Country.objects.get(iso3="BRA")
    with django_capture_on_commit_callbacks(execute=True):
        focal_point_invite(email="ana@example.org", country=brazil, invited_by=curator, language="es")
    [invitation] = mail.outbox
    subject = _in("es", "INSOP survey: you are invited as national focal point of %(country)s")
    with translation.override("es"):
        assert invitation.subject == subject % {"country": brazil.local_name}
    assert "Brasil" in invitation.subject and "INSOP" in invitation.body
    assert FocalPoint.objects.get(user__email="ana@example.org").language == "es"


def test_a_focal_point_saving_in_arabic_gets_the_review_in_arabic(
    client, edition, curator, django_capture_on_commit_callbacks
):
    egypt = Country.objects.get(iso3="EGY")
    focal_point = focal_point_invite(email="amal@example.org", country=egypt, invited_by=curator)
    user = focal_point.user
    user.set_password("a long enough password 1")
    user.save()
    client.force_login(user)
    response = response_start(edition=edition, country=egypt, user=user)
    page = client.post(
        f"/survey/responses/{response.pk}/a/",
        {"version": response.version, "situation": "none"},
        HTTP_ACCEPT_LANGUAGE="ar",
    )
    assert page.status_code in (200, 302)
    focal_point.refresh_from_db()
    assert focal_point.language == "ar"

    response.refresh_from_db()
    response.working_towards_adoption = "yes"
    response_save(response=response, user=user, expected_version=response.version)
    response.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response=response, user=user, expected_version=response.version)
    # Curators read the portal's default language.
    assert mail.outbox[-1].subject.startswith("Survey response submitted:")
    response.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response_request_changes(
            response=response, user=curator, expected_version=response.version, comments=[("a", None, "?")]
        )
    notice = mail.outbox[-1]
    assert notice.to == ["amal@example.org"]
    with translation.override("ar"):
        assert notice.subject.startswith(_in("ar", CHANGES_REQUESTED_NOTICE).split("%(response)s")[0])
        assert egypt.local_name in notice.subject and egypt.local_name in notice.body
    assert SurveyResponse.objects.get(pk=response.pk).status == "changes_requested"
