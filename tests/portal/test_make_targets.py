"""What the Makefile promises a newcomer: `make run` installs only what serving the portal needs and
points the links in its e-mails at the port it serves; the test and lint tools come with `make test`.

Make runs in an empty folder with the repository's Makefile, so no local .env or venv interferes."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MAKEFILE = Path(settings.BASE_DIR) / "Makefile"
# Stands in for manage.py: prints the address e-mail links would use, and the runserver arguments.
FAKE_MANAGE = (
    f'{sys.executable} -c \'import os, sys; print(os.environ.get("PORTAL_BASE_URL", "unset"), *sys.argv[1:])\''
)


def make(folder: Path, *arguments: str, **environment: str) -> str:
    env = {key: value for key, value in os.environ.items() if key != "PORTAL_BASE_URL"}
    env.update(environment)
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(folder), "-f", str(MAKEFILE), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def serve(folder: Path, *arguments: str, **environment: str) -> str:
    """`make run` with its set-up (venv, database, seed) taken as done and a stand-in for the server."""
    return make(folder, "-s", "-o", "seed", "run", f"MANAGE={FAKE_MANAGE}", *arguments, **environment)


def test_e_mail_links_point_at_the_port_make_run_serves(tmp_path):
    assert serve(tmp_path, "PORT=8123").splitlines()[-1] == "http://127.0.0.1:8123 runserver 127.0.0.1:8123"
    assert serve(tmp_path).splitlines()[-1] == "http://127.0.0.1:8000 runserver 127.0.0.1:8000"


def test_an_address_set_in_the_environment_or_in_dot_env_wins(tmp_path):
    chosen = serve(tmp_path, "PORT=8123", PORTAL_BASE_URL="https://portal.example.org")
    assert chosen.splitlines()[-1] == "https://portal.example.org runserver 127.0.0.1:8123"
    (tmp_path / ".env").write_text("PORTAL_BASE_URL=https://portal.example.org\n", encoding="utf-8")
    # Left to the settings, which read .env.
    assert serve(tmp_path, "PORT=8123").splitlines()[-1] == "unset runserver 127.0.0.1:8123"


def plan(folder: Path, target: str) -> list[str]:
    """The commands `make -n` would run on a fresh clone (the files the install depends on exist)."""
    for name in ("pyproject.toml", "requirements.lock"):
        (folder / name).touch()
    return make(folder, "-n", target).splitlines()


def test_make_run_installs_the_portal_without_the_test_and_lint_tools(tmp_path):
    planned = plan(tmp_path, "run")
    installs = [line for line in planned if "pip install" in line and "requirements.lock" in line]
    assert installs == [".venv/bin/python -m pip install --quiet -c requirements.lock -e ."]


def test_make_test_installs_the_tools_and_runs_the_fast_tier_on_two_workers(tmp_path):
    planned = plan(tmp_path, "test")
    assert '.venv/bin/python -m pip install --quiet -c requirements.lock -e ".[dev]"' in planned
    assert planned[-1] == ".venv/bin/python -m pytest -n 2"
