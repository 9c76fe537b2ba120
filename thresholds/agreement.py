"""Where the world agrees: how far apart the values of one pollutant and tier are across
jurisdictions, which identical values several jurisdictions share (a probable common origin), and
which values a curator recorded as adopted from another (`ThresholdValue.adopted_from`).

Over the values of instruments in force with a value in mg/kg (values that do not convert are left
out and counted). A jurisdiction is a country, or a state or province within it, counted once. The
figures are those of thresholds.distribution, shared with the benchmark of a draft.

Every pollutant at once costs one query over the values (plain tuples, no model instances), one
over the tiers, and one more for the lineage when it is asked for and there is any.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from reference.localisation import country_name
from reference.models import Tier
from thresholds.distribution import geometric_mean, median, orders_of_magnitude, quantile, significant
from thresholds.filters import ANY_LAND_USE

# The distribution is counted in bins of half a decade (1 to 3.16, 3.16 to 10, ...).
BINS_PER_DECADE = 2
# log10 of a power of ten can come out a hair below the integer: a value on a bin's edge belongs to
# the bin above it.
_EDGE = 1e-9


@dataclass
class Bin:
    low: float
    high: float
    count: int


@dataclass
class CommonOrigin:
    """An identical value (in mg/kg, same tier) set by several jurisdictions."""

    value_mg_kg: Decimal
    jurisdictions: list[str]


@dataclass
class Adoption:
    """A value a curator recorded as copied from another (`adopted_from`)."""

    value_mg_kg: Decimal | None
    where: str
    instrument: str
    source_where: str
    source_instrument: str


@dataclass
class TierAgreement:
    """How one pollutant's values of one tier are spread. The figures are floats as computed; `shown`
    gives them to three significant figures for people."""

    pollutant_id: int
    tier: Tier
    values: int  # in mg/kg, those the figures are over
    left_out: int  # of this pollutant and tier, without a value in mg/kg
    jurisdictions: int
    geometric_mean: float | None
    median: float | None
    p10: float | None
    p90: float | None
    low: Decimal | None
    high: Decimal | None
    orders_of_magnitude: float | None
    bins: list[Bin] = field(default_factory=list)
    common_origins: list[CommonOrigin] = field(default_factory=list)
    adoptions: list[Adoption] = field(default_factory=list)

    @property
    def factor(self) -> float | None:
        """Highest over lowest: 10 to the orders of magnitude."""
        return float(self.high / self.low) if self.low and self.high else None

    @property
    def shown(self) -> dict:
        return {
            "geometric_mean": significant(self.geometric_mean),
            "median": significant(self.median),
            "p10": significant(self.p10),
            "p90": significant(self.p90),
            "orders_of_magnitude": significant(self.orders_of_magnitude, 2),
            "factor": significant(self.factor, 2),
        }


@dataclass
class Agreement:
    """Per pollutant and tier (`tiers`, each pollutant's tiers in the tiers' order), how many
    jurisdictions each pollutant has over all its tiers, and how many values were left out for want
    of a value in mg/kg."""

    tiers: list[TierAgreement]
    jurisdictions_by_pollutant: dict[int, int]
    left_out: int

    def of_pollutant(self, pollutant_id: int) -> list[TierAgreement]:
        return [item for item in self.tiers if item.pollutant_id == pollutant_id]


def world_agreement(values: QuerySet, *, land_use: str = "", tier: str = "", lineage: bool = False) -> Agreement:
    """How far apart the world's values are, over `values` (what the reader may read, e.g.
    `ThresholdValue.objects.public()` or `thresholds_visible_to(user)`, perhaps of one pollutant),
    of instruments in force only. `land_use` (a code) keeps that land use's values and those set
    for any land use, which apply there too; `tier` (a code) keeps one tier. `lineage` also reads
    who adopted which value from whom."""
    selected = values.current()
    if land_use:
        selected = selected.filter(Q(land_use__code=land_use) | Q(land_use__code=ANY_LAND_USE))
    if tier:
        selected = selected.filter(tier__code=tier)
    rows = selected.order_by().values_list(
        "id",
        "pollutant_id",
        "tier_id",
        "value_mg_kg",
        "instrument__country_id",
        "instrument__country__iso2",
        "instrument__country__name",
        "instrument__jurisdiction",
        "adopted_from_id",
        named=True,
    )
    groups: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    left_out: dict[tuple[int, int], int] = defaultdict(int)
    jurisdictions_by_pollutant: dict[int, set] = defaultdict(set)
    adopting: dict[int, int] = {}  # adopting value id: the id of the value it copies
    for row in rows.iterator(chunk_size=5000):
        key = (row.pollutant_id, row.tier_id)
        if row.value_mg_kg is None or row.value_mg_kg <= 0:
            left_out[key] += 1
            continue
        groups[key].append(row)
        jurisdictions_by_pollutant[row.pollutant_id].add(_place(row))
        if row.adopted_from_id and lineage:
            adopting[row.id] = row.adopted_from_id
    tiers = Tier.objects.in_bulk(list({tier_id for (pollutant_id, tier_id) in groups}))
    adoptions = _adopted_from(values, adopting) if adopting else {}
    found = [
        _tier_agreement(pollutant_id, tiers[tier_id], members, left_out[pollutant_id, tier_id], adoptions)
        for (pollutant_id, tier_id), members in groups.items()
    ]
    found.sort(key=lambda item: (item.pollutant_id, item.tier.sort_order, item.tier.code))
    return Agreement(
        tiers=found,
        jurisdictions_by_pollutant={
            pollutant_id: len(places) for pollutant_id, places in jurisdictions_by_pollutant.items()
        },
        left_out=sum(left_out.values()),
    )


def _tier_agreement(
    pollutant_id: int, tier: Tier, members: list[tuple], left_out: int, lineage: dict[int, tuple[str, str, str]]
) -> TierAgreement:
    numbers = [row.value_mg_kg for row in members]
    by_value: dict[Decimal, dict[tuple, str]] = defaultdict(dict)
    for row in members:
        by_value[row.value_mg_kg.normalize()][_place(row)] = _where_of(row)
    common = [
        CommonOrigin(value_mg_kg=value, jurisdictions=sorted(places.values()))
        for value, places in sorted(by_value.items())
        if len(places) > 1
    ]
    adoptions = [
        Adoption(
            value_mg_kg=row.value_mg_kg.normalize(),
            where=_where_of(row),
            instrument=lineage[row.id][0],
            source_where=lineage[row.id][1],
            source_instrument=lineage[row.id][2],
        )
        for row in members
        if row.id in lineage
    ]
    adoptions.sort(key=lambda adoption: (adoption.where, adoption.instrument))
    return TierAgreement(
        pollutant_id=pollutant_id,
        tier=tier,
        values=len(numbers),
        left_out=left_out,
        jurisdictions=len({_place(row) for row in members}),
        geometric_mean=geometric_mean(numbers),
        median=median(numbers),
        p10=quantile(numbers, 0.1),
        p90=quantile(numbers, 0.9),
        low=min(numbers).normalize(),
        high=max(numbers).normalize(),
        orders_of_magnitude=orders_of_magnitude(numbers),
        bins=_bins(numbers),
        common_origins=common,
        adoptions=adoptions,
    )


def _place(row) -> tuple[int, str]:
    """A jurisdiction: the country, and the state or province within it (blank: national)."""
    return row.instrument__country_id, row.instrument__jurisdiction


def _where_of(row) -> str:
    return _where(row.instrument__country__iso2, row.instrument__country__name, row.instrument__jurisdiction)


def _where(iso2: str, name: str, jurisdiction: str) -> str:
    country = country_name(iso2, name)
    return f"{country}, {jurisdiction}" if jurisdiction else country


def _bin_of(number: float) -> int:
    return math.floor(math.log10(number) * BINS_PER_DECADE + _EDGE)


def _bins(numbers: list[Decimal]) -> list[Bin]:
    """How many values fall in each half decade, from the lowest value's to the highest's (empty
    ones included, so the gaps show)."""
    counts: dict[int, int] = defaultdict(int)
    for number in numbers:
        counts[_bin_of(float(number))] += 1
    return [
        Bin(low=10 ** (index / BINS_PER_DECADE), high=10 ** ((index + 1) / BINS_PER_DECADE), count=counts[index])
        for index in range(min(counts), max(counts) + 1)
    ]


def _adopted_from(values: QuerySet, adopting: dict[int, int]) -> dict[int, tuple[str, str, str]]:
    """{adopting value id: (its instrument, where the value it copies is set, that value's instrument)},
    in one query, for the copied values the reader may read (of any instrument status: a value may
    be adopted from a text since repealed)."""
    wanted = {*adopting, *adopting.values()}
    rows = values.filter(id__in=sorted(wanted)).values_list(
        "id",
        "instrument__short_name",
        "instrument__title",
        "instrument__country__iso2",
        "instrument__country__name",
        "instrument__jurisdiction",
    )
    found = {
        value_id: (_where(iso2, name, jurisdiction), short_name or title)
        for value_id, short_name, title, iso2, name, jurisdiction in rows
    }
    return {
        value_id: (found[value_id][1], *found[source_id])
        for value_id, source_id in adopting.items()
        if value_id in found and source_id in found
    }


def span_in_words(item: TierAgreement) -> str:
    """ "The values span 3.2 orders of magnitude, a factor of 1,600." in the reader's language."""
    from django.utils.formats import number_format

    shown = item.shown
    if item.values < 2:
        return ""
    if not item.orders_of_magnitude:
        return _("The values are all the same.")
    return _("The values span %(orders)s orders of magnitude, a factor of %(factor)s.") % {
        "orders": number_format(shown["orders_of_magnitude"], use_l10n=True),
        "factor": number_format(shown["factor"], use_l10n=True, force_grouping=True),
    }
