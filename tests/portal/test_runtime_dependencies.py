"""What the portal's code imports is installed by `make run`, which installs the runtime dependencies only.

The test tier installs the dev extra as well, so a module the portal needs but that only a development tool
pulls in would pass every other test and still stop `make run` (and the Docker image) on a user's machine.
"""

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _portal_packages() -> list[str]:
    return list(_pyproject()["tool"]["importlinter"]["root_packages"])


def _imported_top_level_modules(package: str) -> dict[str, Path]:
    """Every absolute import in the package's modules, by top-level name, with one file that makes it."""
    found: dict[str, Path] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path.relative_to(ROOT))
    return found


def _runtime_closure() -> set[str]:
    """The distributions `pip install .` brings: the declared dependencies, their extras, and theirs."""
    wanted = [Requirement(text) for text in _pyproject()["project"]["dependencies"]]
    closure: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        name = canonicalize_name(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in closure:
            continue
        closure.add(key)
        closure.add(name)
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in extras):
                wanted.append(needed)
    return {key for key in closure if "[" not in key}


def test_every_module_the_portal_imports_comes_with_its_runtime_dependencies():
    local = set(_portal_packages())
    distributions = metadata.packages_distributions()
    runtime = _runtime_closure()
    missing = []
    for package in _portal_packages():
        for module, where in _imported_top_level_modules(package).items():
            if module in local or module in sys.stdlib_module_names or module == "__future__":
                continue
            providers = {canonicalize_name(name) for name in distributions.get(module, [])}
            assert providers, f"{where} imports {module}, which no installed distribution provides"
            if not providers & runtime:
                missing.append(f"{where} imports {module} ({', '.join(sorted(providers))})")
    assert not missing, "Not among [project] dependencies in pyproject.toml:\n" + "\n".join(missing)


def test_a_development_tool_imported_by_the_portal_is_caught():
    """The check itself can fail: pytest comes with the dev extra only."""
    distributions = metadata.packages_distributions()
    providers = {canonicalize_name(name) for name in distributions["pytest"]}
    assert providers and not providers & _runtime_closure()
    assert {"django", "orjson", "asgiref"} <= _runtime_closure()
