"""Shared fixtures: the reference data loaded once, and the people who use the portal.

The personas, and what each may see and do (core.roles; tests/reliability/test_authorization_matrix.py
checks every page and API operation for the same people):

| persona              | drafts, withdrawn | other countries' survey responses | admin site            | publish |
|----------------------|-------------------|-----------------------------------|-----------------------|---------|
| `anonymous`          | no                | no                                | no                    | no      |
| `focal_point` (DEU), | no                | no: only their country's          | no                    | no      |
| `french_focal_point` |                   |                                   |                       |         |
| `editor`             | values: yes       | no                                | values, instruments   | no      |
| `curator`            | yes               | yes (reviews them)                | yes                   | yes     |
| `admin` (superuser)  | yes               | yes                               | everything            | yes     |

Drafts are draft or withdrawn threshold values and instruments, and draft SOP versions (the editor sees
value drafts only). Publishing is publishing, withdrawing or verifying values and publishing SOP versions.
"""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from core.roles import CURATORS_GROUP
from reference.services import reference_data_load
from tests.factories import SurveyEditionFactory, UserFactory
from tests.factories import focal_point as make_focal_point


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the shipped reference and seed data, as `make run` loads them."""
    with django_db_blocker.unblock():
        reference_data_load()
        call_command("load_seed", verbosity=0, stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _nothing_kept_between_tests():
    """Pages and counts are kept under the time the data last changed; a test's rolled-back writes
    can bring that time back, so each test starts with nothing kept."""
    from django.core.cache import cache

    from reference.models import pollutant_local_names_forget
    from thresholds.selectors import _list_lookups

    cache.clear()
    _list_lookups.cache_clear()
    pollutant_local_names_forget()


@pytest.fixture
def portal_server(live_server):
    """The portal served on a free port with the seed data. Tests that use a live server end by
    emptying the database, so the data is loaded again when it is missing."""
    from thresholds.models import ThresholdValue

    if not ThresholdValue.objects.exists():
        reference_data_load()
        call_command("load_seed", verbosity=0, stdout=io.StringIO())
    return live_server


# ---- the personas (the table above) -----------------------------------------------------------

# What an editor holds: add, change and import values and instruments, but not publish.
EDITOR_PERMISSIONS = [
    f"{action}_{model}" for action in ("view", "add", "change") for model in ("thresholdvalue", "legalinstrument")
] + ["import_thresholdvalue"]


@pytest.fixture
def anonymous(client):
    """A visitor who has not signed in."""
    return client


@pytest.fixture
def focal_point(german_focal_point):
    """A focal point of Germany (the same user as `german_focal_point`)."""
    return german_focal_point


@pytest.fixture
def editor(db):
    """Staff who may add, change and import values and instruments, but not publish."""
    user = UserFactory(username="editor", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=EDITOR_PERMISSIONS))
    return user


@pytest.fixture
def admin(db):
    """A superuser: every permission, every page of the admin."""
    return UserFactory(username="site-admin", is_staff=True, is_superuser=True)


@pytest.fixture
def curator(db):
    user = UserFactory(username="curator", is_staff=True)
    user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    return user


@pytest.fixture
def other_curator(db):
    user = UserFactory(username="other-curator", is_staff=True)
    user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    return user


@pytest.fixture
def edition(db):
    """This year's edition of the survey, open today."""
    return SurveyEditionFactory()


@pytest.fixture
def german_focal_point(db):
    return make_focal_point("fp-germany", "DEU")


@pytest.fixture
def other_german_focal_point(db):
    return make_focal_point("fp-germany-2", "DEU")


@pytest.fixture
def french_focal_point(db):
    return make_focal_point("fp-france", "FRA")
