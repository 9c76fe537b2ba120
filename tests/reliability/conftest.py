"""The reliability suite reports what each drill measured at the end of the run (docs/reliability.md)."""

import io

import pytest

_measured: list[str] = []


@pytest.fixture
def report(request):
    """report("…") adds a line to the summary printed after the run."""

    def add(text: str) -> None:
        _measured.append(f"{request.node.name}: {text}")

    return add


def pytest_terminal_summary(terminalreporter):
    if _measured:
        terminalreporter.section("reliability measurements")
        for line in _measured:
            terminalreporter.write_line(line)


@pytest.fixture
def loaded_data(transactional_db):
    """For the drills, on a live PostgreSQL database (transaction=True): the reference and seed data,
    loaded again when an earlier such test emptied the tables. Returns a superuser for the curator's
    part (the curators' group, made by a migration, does not survive the emptying)."""
    from django.core.management import call_command
    from django.db import connection

    assert connection.vendor == "postgresql", "the drills need DATABASE_URL on PostgreSQL"

    from reference.models import Pollutant
    from reference.services import reference_data_load
    from tests.factories import UserFactory

    if not Pollutant.objects.exists():
        reference_data_load()
        call_command("load_seed", verbosity=0, stdout=io.StringIO())
    return UserFactory(username="drill-curator", is_staff=True, is_superuser=True)
