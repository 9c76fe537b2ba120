"""A curator imports real values from jurisdictions the portal has never seen, in their sources' words.

tests/thresholds/data/unseen_jurisdictions.csv holds 91 values from 12 jurisdictions outside the seed
(README_unseen.md lists the sources); unseen_jurisdictions_expected.csv says what a careful curator
accepts for each row. Where the source states no land use because the value applies to all soils,
the curator writes the code `any`, as the import requires; rows whose class the source does not let
a curator decide (blank in the expected file) are left out, since no reading of the words can settle
them. The rest is imported as a curator would: once without --accept-proposals (nothing written, the
proposals listed once each), then in one pass with the proposals accepted and the labels nothing
could read classified by the curator, once each.

    .venv/bin/pytest tests/thresholds/test_unseen_jurisdictions_import.py -s

prints the figures docs/importing.md quotes.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from thresholds.importing import Decisions, plan_records
from thresholds.models import ImportBatch, LabelClassification, ThresholdValue
from thresholds.record import TEMPLATE_COLUMNS
from thresholds.services import threshold_import

DATA = Path(__file__).parent / "data"
# Distinct labels the matcher cannot read, which the curator classifies in the preview (docs/importing.md).
AT_MOST_NEEDING_A_CURATOR = 8

pytestmark = pytest.mark.django_db


def curators_file() -> tuple[list[dict], dict[int, dict], list[int]]:
    """(rows as the curator imports them, expected by row, the rows the source leaves undecidable)."""
    rows = list(csv.DictReader((DATA / "unseen_jurisdictions.csv").open(encoding="utf-8")))
    expected = {int(row["row"]): row for row in csv.DictReader((DATA / "unseen_jurisdictions_expected.csv").open())}
    taken, undecidable = [], []
    for number, row in enumerate(rows, start=2):
        wanted = expected[number]
        if not wanted["land_use"] or not wanted["tier"]:
            undecidable.append(number)
            continue
        row = {**row, "source_row": number}
        if not row["land_use_label"] and wanted["land_use"] == "any":
            row["land_use"] = "any"
        taken.append(row)
    return taken, expected, undecidable


def write_csv(path: Path, rows: list[dict]) -> Path:
    columns = [name for name in TEMPLATE_COLUMNS if any(name in row for row in rows)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_curator_imports_a_dozen_unseen_jurisdictions_in_their_own_words(tmp_path, curator):
    rows, expected, undecidable = curators_file()
    assert len({row["country"] for row in rows}) >= 10
    records = [{name: text for name, text in row.items() if name != "source_row"} for row in rows]
    path = write_csv(tmp_path / "unseen.csv", records)

    # Without --accept-proposals: every proposal printed once with its fix, nothing written.
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_thresholds", str(path), user=curator.username, stderr=errors, stdout=io.StringIO())
    proposals = [line for line in errors.getvalue().splitlines() if ": proposal: " in line]
    assert proposals and len(proposals) == len({line.split(": proposal: ")[1] for line in proposals})
    assert not ThresholdValue.objects.filter(instrument__country__iso3__in={row["country"] for row in rows}).exists()

    # What the words leave to the curator: labels nothing could read, each classified once in the
    # preview (Decisions.changes, as the admin's select sends it), as the expected file says.
    plan = plan_records(records, file_name="unseen", decisions=Decisions(accept_all=True))
    unread = [use for use in plan.readings.values() if use.reading.how == "none"]
    assert {problem.column for problem in plan.problems} <= {"land_use_label", "tier_label"}
    choices = {use.reading.key: expected[rows[use.rows[0] - 2]["source_row"]][use.reading.kind] for use in unread}
    print(
        f"\n{len(rows) + len(undecidable)} rows, {len(undecidable)} undecidable from the source; of {len(rows)} "
        f"decidable rows {len({row for use in unread for row in use.rows})} rest on {len(unread)} labels the "
        f"curator classifies; {len(plan.proposals)} proposals accepted as shown:"
    )
    for use in unread:
        print(f"  {use.column} {use.reading.text!r} ({use.count} rows): {use.reading.reason}")
    assert len(unread) <= AT_MOST_NEEDING_A_CURATOR

    # One pass: every row in, every class a careful curator accepts, every mg/kg exact.
    result = threshold_import(
        file_name="unseen.csv",
        content=path.read_bytes(),
        user=curator,
        decisions=Decisions(accept_all=True, changes=choices),
    )
    batch = result.batch
    assert batch.status == ImportBatch.Status.COMMITTED and batch.created_count == len(rows)
    values = ThresholdValue.objects.filter(import_batch=batch).select_related("land_use", "tier", "pollutant")
    by_row = {
        (value.instrument.title, value.pollutant_label, value.source_quote, value.value_text): value for value in values
    }
    wrong = []
    for row in rows:
        value = by_row[(row["instrument"], row["pollutant"], row["source_quote"], row["value"])]
        want = expected[row["source_row"]]
        got = (value.land_use.code, value.tier.code, value.pollutant.name, value.value_mg_kg.normalize())
        if got != (want["land_use"], want["tier"], want["pollutant"], Decimal(want["mg_kg"]).normalize()):
            wrong.append((row["source_row"], got, want))
    print(f"  imported {len(rows)} rows in one pass; {len(batch.accepted_proposals)} readings added to the tables")
    assert wrong == []

    # Accepted proposals and the curator's classifications are in the curated tables, with who, when and
    # which batch; values read through a proposal are flagged, those the curator classified are not.
    added = LabelClassification.objects.filter(import_batch=batch)
    assert added.count() == len(unread) + sum(1 for use in plan.proposals if use.reading.kind != "pollutant")
    assert all(entry.added_by == curator and entry.added_at for entry in added)
    flagged = values.filter(needs_review=True)
    assert flagged.exists() and all(
        "read as" in value.review_note or "approximately" in value.review_note for value in flagged
    )

    # The same file again, now read from the tables: nothing to change, no proposal, no choice.
    again = io.StringIO()
    call_command("import_thresholds", str(path), user=curator.username, stdout=again, stderr=io.StringIO())
    assert "Nothing to change" in again.getvalue()


def test_a_broken_file_with_proposals_writes_nothing(tmp_path, curator):
    rows, _expected, _undecidable = curators_file()
    broken = [*rows[:10], {**rows[10], "value": "1,5"}]
    path = write_csv(tmp_path / "broken.csv", broken)
    before = (ThresholdValue.objects.count(), LabelClassification.objects.count(), ImportBatch.objects.count())
    with pytest.raises(CommandError):
        call_command("import_thresholds", str(path), user=curator.username, accept_proposals=True, stderr=io.StringIO())
    assert (ThresholdValue.objects.count(), LabelClassification.objects.count(), ImportBatch.objects.count()) == before
