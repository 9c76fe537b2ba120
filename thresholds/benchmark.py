"""Benchmarking a draft: where each value a country proposes sits among the values in force elsewhere.

The draft is a spreadsheet in the import template's columns, read as the import reads it
(importing.plan_draft: the same file checks, the same reading of pollutants, units, land uses and
tiers). Nothing is stored. Each proposed value, in mg/kg, is compared with the published values of
instruments in force (ThresholdValue.objects.public().current()) for the same pollutant, land use and
tier, the draft's own country left out:

- a jurisdiction (a country, or a state or province within it) counts once: where it holds several
  values (pH bands, soil classes, several instruments) its figure is their median;
- a value set for any land use applies to every land use, so a jurisdiction without a value for the
  draft's land use is compared by its value for any land use; a draft value for any land use is
  compared with values set for any land use only.

The figures (median, percentile rank, "more than an order of magnitude from the median") are
thresholds.distribution's, so the benchmark, the analysis and the pollutant pages agree.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reference.localisation import country_name
from reference.models import Pollutant
from thresholds import distribution
from thresholds.charts import BOTTOM, PLOT_WIDTH, TOP, log_axis_frame
from thresholds.filters import ANY_LAND_USE
from thresholds.importing import Problem, plan_draft
from thresholds.models import ThresholdValue, value_numbers

# A draft is a country's proposal, a few hundred values at most; anyone may send one, so it is bounded.
MAX_DRAFT_ROWS = 2000

ABOVE, BELOW = "above", "below"


@dataclass
class Jurisdiction:
    """One jurisdiction's figure for a proposed value's pollutant, land use and tier."""

    name: str
    mg_kg: float  # the median of its values
    values: int
    any_land_use: bool  # compared by its value for any land use


@dataclass
class Benchmark:
    """One proposed value and where it sits among the jurisdictions' figures."""

    row: int
    pollutant: Pollutant
    land_use: object  # reference.models.LandUseClass
    tier: object  # reference.models.Tier
    value_text: str
    qualifier: str
    unit_label: str
    value_mg_kg: Decimal
    read_as: str  # how the matcher read the row's words, where that was a proposal or approximate
    jurisdictions: list[Jurisdiction] = field(default_factory=list)

    @property
    def numbers(self) -> list[float]:
        return [item.mg_kg for item in self.jurisdictions]

    @property
    def count(self) -> int:
        return len(self.jurisdictions)

    @property
    def low(self) -> float | None:
        return min(self.numbers, default=None)

    @property
    def high(self) -> float | None:
        return max(self.numbers, default=None)

    @property
    def median(self) -> float | None:
        return distribution.median(self.numbers)

    @property
    def percentile(self) -> float | None:
        return distribution.percentile_rank(self.numbers, self.value_mg_kg)

    @property
    def far(self) -> str:
        """ABOVE or BELOW when the value is more than an order of magnitude from the median, else ""."""
        median = self.median
        if not distribution.far_from(self.value_mg_kg, median):
            return ""
        return ABOVE if float(self.value_mg_kg) > median else BELOW

    @property
    def shown(self) -> dict[str, Decimal | int | None]:
        """The figures for people: three significant figures, the percentile as a whole number."""
        percentile = self.percentile
        return {
            "low": distribution.significant(self.low),
            "median": distribution.significant(self.median),
            "high": distribution.significant(self.high),
            "percentile": None if percentile is None else round(percentile),
        }

    @property
    def label(self) -> str:
        return f"{self.land_use.local_name} · {self.tier.local_name}"


@dataclass
class DraftBenchmark:
    file_name: str
    rows_total: int = 0
    benchmarks: list[Benchmark] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refused: bool = False  # the file as a whole was refused (unsafe, unreadable, wrong header, too long)

    def by_pollutant(self) -> list[tuple[Pollutant, list[Benchmark]]]:
        """The proposed values grouped by pollutant, in the draft's order."""
        groups: dict[int, list[Benchmark]] = {}
        for item in self.benchmarks:
            groups.setdefault(item.pollutant.pk, []).append(item)
        return [(members[0].pollutant, members) for members in groups.values()]


def benchmark_draft(*, file_name: str, content: bytes) -> DraftBenchmark:
    """Read a draft and place each of its values among the values in force elsewhere. Stores nothing;
    a bounded number of queries whatever the draft's length (the import's lookups and one query for
    every value compared)."""
    plan = plan_draft(file_name=file_name, content=content, max_rows=MAX_DRAFT_ROWS)
    result = DraftBenchmark(file_name=file_name, rows_total=plan.rows_total, problems=list(plan.problems))
    if plan.rows_total > MAX_DRAFT_ROWS or any(problem.row <= 1 for problem in plan.problems):
        result.refused = True
        return result

    matcher = plan.matcher
    land_uses, tiers = matcher.classes["land_use"], matcher.classes["tier"]
    any_land_use = next((pk for pk, item in land_uses.items() if item.code == ANY_LAND_USE), None)
    proposed = []  # (planned row, value in mg/kg, the draft's country)
    for planned in plan.rows:
        fields = planned.fields
        if fields["pollutant_id"] is None:
            result.problems.append(
                Problem(
                    planned.row,
                    "pollutant",
                    fields["pollutant_label"],
                    _("%(pollutant)s is not among the portal's pollutants yet: there are no values to compare with.")
                    % {"pollutant": fields["pollutant_label"]},
                )
            )
            continue
        _number, mg_kg = value_numbers(fields["value_text"], matcher.units.get(fields["unit_id"]))
        if mg_kg is None:
            result.problems.append(
                Problem(
                    planned.row,
                    "unit",
                    fields["unit_label"],
                    _('unit "%(unit)s" does not convert to mg/kg, in which the values are compared.')
                    % {"unit": fields["unit_label"]},
                )
            )
            continue
        proposed.append((planned, mg_kg))
    result.problems.sort(key=lambda problem: problem.row)
    if not proposed:
        return result

    pollutants = Pollutant.objects.in_bulk({planned.fields["pollutant_id"] for planned, _mg_kg in proposed})
    compared = _values_in_force(
        pollutant_ids=set(pollutants),
        tier_ids={planned.fields["tier_id"] for planned, _mg_kg in proposed},
        land_use_ids={planned.fields["land_use_id"] for planned, _mg_kg in proposed} | {any_land_use},
    )
    for planned, mg_kg in proposed:
        fields = planned.fields
        country_id = planned.instrument[0]
        benchmark = Benchmark(
            row=planned.row,
            pollutant=pollutants[fields["pollutant_id"]],
            land_use=land_uses[fields["land_use_id"]],
            tier=tiers[fields["tier_id"]],
            value_text=fields["value_text"],
            qualifier=fields["qualifier"],
            unit_label=fields["unit_label"],
            value_mg_kg=mg_kg,
            read_as=fields["review_note"],
        )
        candidates = [
            value
            for value in compared.get((fields["pollutant_id"], fields["tier_id"]), [])
            if value["country_id"] != country_id and value["land_use_id"] in (fields["land_use_id"], any_land_use)
        ]
        benchmark.jurisdictions = _jurisdictions(candidates, land_use_id=fields["land_use_id"])
        result.benchmarks.append(benchmark)
    return result


def _values_in_force(*, pollutant_ids: set, tier_ids: set, land_use_ids: set) -> dict[tuple, list[dict]]:
    """{(pollutant id, tier id): values} of the published values of instruments in force, in mg/kg, for
    the draft's pollutants, tiers and land uses (and any land use): one query for the whole draft."""
    found = defaultdict(list)
    rows = (
        ThresholdValue.objects.public()
        .current()
        .filter(
            value_mg_kg__isnull=False,
            pollutant_id__in=pollutant_ids,
            tier_id__in=tier_ids,
            land_use_id__in=land_use_ids,
        )
        .values(
            "pollutant_id",
            "tier_id",
            "land_use_id",
            "value_mg_kg",
            country_id=F("instrument__country_id"),
            iso2=F("instrument__country__iso2"),
            country=F("instrument__country__name"),
            jurisdiction=F("instrument__jurisdiction"),
        )
    )
    for row in rows:
        found[(row["pollutant_id"], row["tier_id"])].append(row)
    return found


def _jurisdictions(values: list[dict], *, land_use_id: int) -> list[Jurisdiction]:
    """Each jurisdiction once, by the median of its values for the land use, else of its values for
    any land use; sorted from the lowest."""
    by_jurisdiction: dict[tuple, list[dict]] = defaultdict(list)
    for value in values:
        by_jurisdiction[(value["country_id"], value["jurisdiction"])].append(value)
    found = []
    for members in by_jurisdiction.values():
        specific = [value for value in members if value["land_use_id"] == land_use_id]
        chosen = specific or members
        figure = distribution.median(value["value_mg_kg"] for value in chosen)
        if figure is None:
            continue
        name = country_name(members[0]["iso2"], members[0]["country"])
        if members[0]["jurisdiction"]:
            name = f"{name}, {members[0]['jurisdiction']}"
        found.append(Jurisdiction(name=name, mg_kg=figure, values=len(chosen), any_land_use=not specific))
    return sorted(found, key=lambda item: (item.mg_kg, item.name))


# ---- the comparison as a table ---------------------------------------------------------------------

TABLE_HEADER = [
    "row",
    "pollutant",
    "cas",
    "land_use",
    "tier",
    "qualifier",
    "value",
    "unit",
    "value_mg_kg",
    "jurisdictions",
    "min_mg_kg",
    "median_mg_kg",
    "max_mg_kg",
    "percentile",
    "order_of_magnitude_from_median",
    "column",
    "problem",
]


def _text(number) -> str:
    """A number for a machine: a point as decimal separator, three significant figures, never the
    visitor's locale."""
    shown = distribution.significant(number)
    return "" if shown is None else format(shown, "f")


def benchmark_table(result: DraftBenchmark) -> list[list[str]]:
    """The comparison as rows of TABLE_HEADER, for the CSV and XLSX downloads: one row per proposed
    value, then one per problem, in the draft's row order."""
    rows = []
    for item in result.benchmarks:
        rows.append(
            [
                str(item.row),
                item.pollutant.name,
                item.pollutant.cas_rn,
                item.land_use.code,
                item.tier.code,
                item.qualifier,
                item.value_text,
                item.unit_label,
                format(item.value_mg_kg.normalize(), "f"),
                str(item.count),
                _text(item.low),
                _text(item.median),
                _text(item.high),
                "" if item.percentile is None else str(round(item.percentile)),
                item.far,
                "",
                "",
            ]
        )
    for problem in result.problems:
        rows.append([str(problem.row), *[""] * 14, problem.column, problem.message])
    return sorted(rows, key=lambda row: int(row[0]))


# ---- the chart: a draft among the world's values ---------------------------------------------------

BENCHMARK_LABEL_WIDTH = 290
BENCHMARK_ROW_HEIGHT = 28


def benchmark_chart(benchmarks, *, rtl: bool = False) -> dict | None:
    """Geometry for templates/thresholds/benchmark.html's chart: one row per proposed value of a
    pollutant (its land use and tier), a point per jurisdiction in force elsewhere, the median, and the
    draft's value marked, on a logarithmic mg/kg axis. Mirrored right to left as comparison_chart is."""
    numbers = [float(item.value_mg_kg) for item in benchmarks if item.value_mg_kg > 0]
    numbers += [jurisdiction.mg_kg for item in benchmarks for jurisdiction in item.jurisdictions]
    if not numbers:
        return None
    low = math.floor(math.log10(min(numbers)))
    high = max(math.ceil(math.log10(max(numbers))), low + 1)
    width = BENCHMARK_LABEL_WIDTH + PLOT_WIDTH + 20
    plot_left = 20 if rtl else BENCHMARK_LABEL_WIDTH
    plot_right = plot_left + PLOT_WIDTH

    def x_of(number: float) -> float:
        share = (math.log10(number) - low) / (high - low)
        return round(plot_right - share * PLOT_WIDTH if rtl else plot_left + share * PLOT_WIDTH, 1)

    def amount(number) -> str:
        return number_format(Decimal(str(number)).normalize(), use_l10n=True)

    rows = []
    for index, item in enumerate(benchmarks):
        y = TOP + index * BENCHMARK_ROW_HEIGHT + BENCHMARK_ROW_HEIGHT / 2
        points = [
            {"x": x_of(jurisdiction.mg_kg), "title": f"{jurisdiction.name}: {amount(jurisdiction.mg_kg)} mg/kg"}
            for jurisdiction in item.jurisdictions
        ]
        median = item.median
        rows.append(
            {
                "y": y,
                "label": _("row %(row)s: %(label)s") % {"row": item.row, "label": item.label},
                "label_y": y + 4,
                "top": y - 10,
                "bottom": y + 10,
                "points": points,
                "median": None
                if median is None
                else {
                    "x": x_of(median),
                    "title": _("Median elsewhere: %(median)s mg/kg") % {"median": amount(median)},
                },
                "draft": None
                if item.value_mg_kg <= 0
                else {
                    "x": x_of(float(item.value_mg_kg)),
                    "title": _("Draft, row %(row)s: %(value)s mg/kg")
                    % {"row": item.row, "value": amount(item.value_mg_kg)},
                },
            }
        )
    height = TOP + len(benchmarks) * BENCHMARK_ROW_HEIGHT + BOTTOM
    return {
        "width": width,
        "height": height,
        **log_axis_frame(
            plot_left=plot_left, plot_right=plot_right, height=height, low=low, high=high, x_of=x_of, rtl=rtl
        ),
        "rows": rows,
        "axis_label": _("mg/kg, logarithmic scale"),
    }
