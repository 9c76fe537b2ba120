"""The matcher measured on real wording from jurisdictions the seed does not have.

tests/thresholds/data/matcher_evaluation.yaml holds land-use and tier labels, unit spellings and
pollutant names copied from public sources, each with what a careful curator accepts (README.md
beside it lists the sources). A reading counts as right when it is what the curator accepts, wrong
when it names something else (or reads a text that should be refused), missed when the matcher
reads nothing where the curator would. Precision = right / (right + wrong); recall = right / texts
with an expected reading.

    .venv/bin/pytest tests/thresholds/test_matcher_evaluation.py -s -p no:randomly

prints the table that docs/importing.md quotes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from thresholds.matching import Matcher

DATA = Path(__file__).parent / "data" / "matcher_evaluation.yaml"
PRECISION_AT_LEAST = 0.95


def predicted(matcher: Matcher, item: dict) -> str | None:
    kind, text = item["kind"], str(item["text"])
    if kind == "pollutant":
        reading = matcher.pollutant(text, str(item.get("cas") or ""))
        if not reading.matched:
            return None
        return "new" if reading.new_pollutant else reading.target_code
    if kind == "unit":
        reading = matcher.unit(text)
        return f"{reading.target_code} {reading.basis or 'unspecified'}" if reading.matched else None
    reading = matcher.label(kind, text)
    return reading.target_code if reading.matched else None


def evaluate(matcher: Matcher) -> tuple[dict[str, Counter], list[str]]:
    items = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    counts: dict[str, Counter] = {}
    wrong = []
    for item in items:
        expected = item["expected"]
        expected = None if expected is None else str(expected)
        found = predicted(matcher, item)
        tally = counts.setdefault(item["kind"], Counter())
        tally["texts"] += 1
        tally["expected"] += expected is not None
        if found is None:
            tally["missed" if expected is not None else "refused rightly"] += 1
        elif found == expected:
            tally["right"] += 1
        else:
            tally["wrong"] += 1
            wrong.append(
                f"{item['kind']} {item['text']!r} ({item['jurisdiction']}): read as {found}, expected {expected}"
            )
    return counts, wrong


def table(counts: dict[str, Counter]) -> str:
    lines = ["| kind | texts | right | wrong | missed | refused rightly | precision | recall |", "|---|" + "---:|" * 7]
    total = Counter()
    for kind, tally in [*sorted(counts.items()), ("all", None)]:
        tally = tally or total
        if kind != "all":
            total.update(tally)
        read = tally["right"] + tally["wrong"]
        precision = tally["right"] / read if read else 1.0
        recall = tally["right"] / tally["expected"] if tally["expected"] else 1.0
        lines.append(
            f"| {kind} | {tally['texts']} | {tally['right']} | {tally['wrong']} | {tally['missed']} | "
            f"{tally['refused rightly']} | {precision:.1%} | {recall:.1%} |"
        )
    return "\n".join(lines)


@pytest.mark.django_db
def test_the_matcher_reads_real_wording_with_at_least_95_percent_precision():
    counts, wrong = evaluate(Matcher())
    total = sum(counts.values(), Counter())
    print("\n" + table(counts))
    print("\nWrong readings:\n  " + "\n  ".join(wrong or ["none"]))
    assert total["texts"] >= 150
    read = total["right"] + total["wrong"]
    assert total["right"] / read >= PRECISION_AT_LEAST, "\n".join(wrong)


def test_the_evaluation_set_is_real_and_wide():
    """At least 150 texts from at least 15 jurisdictions outside the seed, each with its source."""
    items = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    seeded = {"AUS", "BRA", "CAN", "CHN", "DEU", "DNK", "EUU", "GBR", "ITA", "JPN", "KOR", "NLD"}
    jurisdictions = {item["jurisdiction"] for item in items}
    assert len(items) >= 150
    assert len(jurisdictions) >= 15
    assert not {jurisdiction.split("-")[0] for jurisdiction in jurisdictions} & seeded
    assert all(str(item["source"]).startswith("http") for item in items)
    assert {item["kind"] for item in items} == {"land_use", "tier", "unit", "pollutant"}
