"""The floors (docs/architecture.md): an app imports only from the apps below it, and the import-linter
contract in pyproject.toml that `make lint` runs says so for every app."""

import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [contract for contract in config["contracts"] if contract["type"] == "layers"]
    return layers


def test_every_import_runs_down_the_floors():
    result = subprocess.run([LINT_IMPORTS], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_names_every_app_of_the_project():
    apps = {name for name in settings.INSTALLED_APPS if (ROOT / name / "apps.py").exists()}
    layers = _contract()["layers"]
    assert set(layers) == apps | {"insop_portal"}
    # INSTALLED_APPS lists them bottom to top, the contract top to bottom.
    assert [name for name in settings.INSTALLED_APPS if name in apps] == list(reversed(layers))[: len(apps)]


def test_an_import_up_a_floor_breaks_the_contract(tmp_path):
    """The same contract, on two empty apps where the ground floor imports one above it."""
    layers = _contract()["layers"]
    for name in layers:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / "core" / "ids.py").write_text("import thresholds.models  # noqa\n")
    (tmp_path / "thresholds" / "models.py").write_text("")
    quoted = ", ".join(f'"{name}"' for name in layers)
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.importlinter]\nroot_packages = [{quoted}]\n\n"
        f'[[tool.importlinter.contracts]]\nname = "floors"\ntype = "layers"\nlayers = [{quoted}]\n'
    )
    result = subprocess.run([LINT_IMPORTS], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "core is not allowed to import thresholds" in result.stdout
    assert "core.ids -> thresholds.models" in result.stdout
