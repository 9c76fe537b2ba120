"""The curl, pandas and R examples of docs/api.md, run as written against a running portal.

The curl and R examples are in the `tools` tier (`make test-all`, which installs curl, r-base-core and
r-cran-jsonlite when it can); the pandas one needs nothing beyond the Python dependencies.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from thresholds.models import ThresholdValue

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
DOCUMENTED_SITE = "http://127.0.0.1:8000"


def examples(language: str) -> list[str]:
    """The code blocks of a language in the docs' examples section."""
    section = DOCS.read_text(encoding="utf-8").split("## Examples (against `make run`)", 1)[1]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


def against(server, code: str) -> str:
    assert DOCUMENTED_SITE in code
    return code.replace(DOCUMENTED_SITE, server.url)


@pytest.mark.tools
def test_the_curl_examples_work(portal_server, tmp_path):
    [block] = examples("sh")
    for command in block.strip().splitlines():
        completed = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", against(portal_server, command)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert completed.returncode == 0, (command, completed.stderr)
    assert (tmp_path / "asia-metals.csv").read_text(encoding="utf-8-sig").startswith("country,")


def test_the_pandas_example_works(portal_server):
    [block] = examples("python")
    namespace: dict = {}
    exec(against(portal_server, block), namespace)  # noqa: S102 - our own documentation
    assert set(namespace["lead"]["pollutant.name"]) == {"Lead"} and len(namespace["lead"]) > 40
    public = ThresholdValue.objects.public().count()
    assert len(namespace["everything"]) == public and namespace["everything"]["value"].dtype == object


@pytest.mark.tools
def test_the_r_example_works(portal_server, tmp_path):
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is needed to check the R example: apt-get install r-base-core r-cran-jsonlite"
    [block] = examples("r")
    script = tmp_path / "example.R"
    script.write_text(against(portal_server, block) + '\ncat("rows:", nrow(all_values), "\\n")\n', encoding="utf-8")
    completed = subprocess.run([rscript, str(script)], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert f"rows: {ThresholdValue.objects.public().count()}" in completed.stdout and "DEU" in completed.stdout
