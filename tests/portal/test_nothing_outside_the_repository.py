"""A fresh clone is the whole project: no tracked file reads the research folder that once sat beside
the checkout (its data now lives in fixtures/sources/). Markdown may tell that history; nothing that
runs (code, Makefile, CI script, configuration) may depend on it."""

import re
import subprocess
from pathlib import Path

from django.conf import settings

from thresholds.seed import RESEARCH_CSV

ROOT = Path(settings.BASE_DIR)
# Written in pieces so that this file does not match itself.
SIBLING = "sha" + "red"
READS_THE_SIBLING_FOLDER = re.compile(
    rf"\.\./{SIBLING}\b"  # a relative path out of the checkout
    rf"|\.\.[\\/]+{SIBLING}\b"
    rf"|[\"']{SIBLING}[\"']"  # a path part, as in Path(BASE_DIR).parent / "..." / "data"
    rf"|\bparents?\b[^\n]*\b{SIBLING}\b"
)
# What a checkout builds or installs for itself, which git ignores.
SKIPPED_FOLDERS = {".git", ".venv", ".venv-bench", ".lock-venv", ".pytest_cache", ".ruff_cache", "__pycache__"}
SKIPPED_FOLDERS |= {"node_modules", "staticfiles", "media", "backups"}


def tracked_files() -> list[Path]:
    """The files git tracks; outside a git checkout (an unpacked archive), every file but the
    local ones a checkout never holds."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    except FileNotFoundError:  # no git on this machine
        listed = None
    if listed and listed.returncode == 0 and listed.stdout:
        return [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    return [
        path
        for path in ROOT.rglob("*")
        if path.is_file()
        and not SKIPPED_FOLDERS.intersection(path.relative_to(ROOT).parts)
        and not any(part.endswith(".egg-info") for part in path.relative_to(ROOT).parts)
    ]


def test_no_tracked_file_but_the_docs_reads_outside_the_repository():
    offenders = []
    files = tracked_files()
    assert len(files) > 100, "the repository's files were not found"
    for path in files:
        if path.suffix == ".md" or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # images, compiled catalogs, workbooks
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if READS_THE_SIBLING_FOLDER.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "Files that read outside the repository:\n" + "\n".join(offenders)


def test_the_check_would_see_the_old_paths():
    """A test that cannot fail is worse than none: the old ways of reaching the research file match."""
    old = [
        f'RESEARCH_CSV = Path(settings.BASE_DIR).parent / "{SIBLING}" / "data" / "thresholds_seed.csv"',
        f"help = 'Convert ../{SIBLING}/data/thresholds_seed.csv'",
        f'd=$(mktemp -d) && ln -s "$PWD/../{SIBLING}" "$d/{SIBLING}"',
    ]
    assert all(READS_THE_SIBLING_FOLDER.search(line) for line in old)
    assert not READS_THE_SIBLING_FOLDER.search("cache shared by every server process")


def test_the_research_file_and_its_sources_are_in_the_repository():
    assert RESEARCH_CSV.is_relative_to(ROOT / "fixtures" / "sources")
    readme = (RESEARCH_CSV.parent / "README.md").read_text(encoding="utf-8")
    assert "source_url" in readme and "Caveats" in readme and "627" in readme
