"""How a set of threshold values (one pollutant, one tier, in mg/kg) is spread: the figures the
analysis, the pollutant pages and the benchmark of a draft share, so each is computed one way.

Threshold values span orders of magnitude, so the centre is the median or the geometric mean (never
the arithmetic mean) and the spread is in orders of magnitude (log10 of highest over lowest). The
percentiles interpolate linearly between the sorted values (the "inclusive" method, Hyndman and Fan's
type 7, what spreadsheets' PERCENTILE.INC gives), so a reader can check them by hand.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from decimal import Decimal

# A draft value this many times above or below the median is flagged ("more than an order of magnitude").
FAR_FROM_MEDIAN = 10


def _positive(values: Iterable) -> list[float]:
    """The values as floats, sorted; zero, negative and missing values left out (no logarithm)."""
    return sorted(float(value) for value in values if value is not None and value > 0)


def geometric_mean(values: Iterable) -> float | None:
    numbers = _positive(values)
    return statistics.geometric_mean(numbers) if numbers else None


def median(values: Iterable) -> float | None:
    numbers = _positive(values)
    return statistics.median(numbers) if numbers else None


def quantile(values: Iterable, fraction: float) -> float | None:
    """The value below which `fraction` (0 to 1) of the values lie, interpolated linearly (type 7)."""
    numbers = _positive(values)
    if not numbers:
        return None
    position = (len(numbers) - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, len(numbers) - 1)
    return numbers[below] + (numbers[above] - numbers[below]) * (position - below)


def percentile_rank(values: Iterable, value) -> float | None:
    """Where `value` sits among `values`, 0 to 100: the share of values below it, counting values equal
    to it as half below (the mid-rank, so a value equal to all of them sits at 50)."""
    numbers = _positive(values)
    if not numbers or value is None:
        return None
    value = float(value)
    below = sum(1 for number in numbers if number < value)
    equal = sum(1 for number in numbers if number == value)
    return 100 * (below + equal / 2) / len(numbers)


def orders_of_magnitude(values: Iterable) -> float | None:
    """log10(highest / lowest): 0 when all agree, 1 when they span a factor of ten."""
    numbers = _positive(values)
    return math.log10(numbers[-1] / numbers[0]) if numbers else None


def far_from(value, centre) -> bool:
    """Whether `value` is more than FAR_FROM_MEDIAN times above or below `centre`."""
    if value is None or centre is None or value <= 0 or centre <= 0:
        return False
    ratio = float(value) / float(centre)
    return ratio > FAR_FROM_MEDIAN or ratio < 1 / FAR_FROM_MEDIAN


def significant(number: float | None, digits: int = 3) -> Decimal | None:
    """`number` to `digits` significant figures, as a Decimal for display and CSV (never 12 decimals)."""
    if number is None:
        return None
    if number == 0:
        return Decimal(0)
    places = digits - 1 - math.floor(math.log10(abs(number)))
    if places <= 0:
        return Decimal(int(round(number, places)))
    text = f"{round(number, places):.{places}f}".rstrip("0").rstrip(".")
    return Decimal(text)
