"""Shared fixtures: the reference data loaded once, and the people who use the portal."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from core.roles import CURATORS_GROUP
from reference.services import reference_data_load
from tests.factories import SurveyEditionFactory, UserFactory, focal_point


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

    from thresholds.selectors import _list_lookups

    cache.clear()
    _list_lookups.cache_clear()


@pytest.fixture
def portal_server(live_server):
    """The portal served on a free port with the seed data. Tests that use a live server end by
    emptying the database, so the data is loaded again when it is missing."""
    from thresholds.models import ThresholdValue

    if not ThresholdValue.objects.exists():
        reference_data_load()
        call_command("load_seed", verbosity=0, stdout=io.StringIO())
    return live_server


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
    return focal_point("fp-germany", "DEU")


@pytest.fixture
def other_german_focal_point(db):
    return focal_point("fp-germany-2", "DEU")


@pytest.fixture
def french_focal_point(db):
    return focal_point("fp-france", "FRA")
