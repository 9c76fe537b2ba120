"""The reliability suite reports what each drill measured at the end of the run (docs/reliability.md)."""

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
