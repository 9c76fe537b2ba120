"""The personas of tests/conftest.py hold the rights its who-sees-what table gives them, so permission
tests that name a persona say what they mean."""

import pytest
from django.contrib.auth.models import AnonymousUser

from core.roles import is_curator, may_publish, may_publish_sops, sees_value_drafts
from sops.selectors import user_sees_sop_drafts
from surveys.selectors import responses_visible_to
from tests.factories import SurveyResponseFactory

pytestmark = pytest.mark.django_db

# persona: (value drafts, SOP drafts, other countries' responses, admin site, publish values, publish SOPs)
TABLE = {
    "anonymous": (False, False, False, False, False, False),
    "focal_point": (False, False, False, False, False, False),
    "french_focal_point": (False, False, False, False, False, False),
    "editor": (True, False, False, True, False, False),
    "curator": (True, True, True, True, True, True),
    "admin": (True, True, True, True, True, True),
}


@pytest.mark.parametrize("persona", TABLE)
def test_each_persona_sees_and_does_what_the_table_says(request, persona, edition):
    user = request.getfixturevalue(persona)
    if persona == "anonymous":
        user = AnonymousUser()  # the fixture is a client that has not signed in
    other_country = SurveyResponseFactory(edition=edition, iso3="KEN")
    holds = (
        sees_value_drafts(user),
        user_sees_sop_drafts(user),
        responses_visible_to(user).filter(pk=other_country.pk).exists(),
        user.is_staff,
        user.is_authenticated and may_publish(user),
        user.is_authenticated and may_publish_sops(user),
    )
    assert holds == TABLE[persona]


def test_a_focal_point_reads_their_own_countrys_response_and_a_curator_reviews(focal_point, curator, edition):
    own = SurveyResponseFactory(edition=edition, iso3="DEU")
    assert list(responses_visible_to(focal_point)) == [own]
    assert is_curator(curator) and not is_curator(focal_point)


def test_the_anonymous_visitor_is_a_client_that_has_not_signed_in(anonymous):
    assert anonymous.get("/admin/").status_code == 302
