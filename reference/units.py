"""Unit conversion to mg/kg, done by the pint units library."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import pint

TARGET = "mg/kg"


@cache
def unit_registry() -> pint.UnitRegistry:
    registry = pint.UnitRegistry()
    # pint knows ppm but not ppb.
    registry.define("ppb = 1e-9 = parts_per_billion")
    return registry


def factor_to_mg_kg(pint_expression: str) -> Decimal:
    """How many mg/kg one of this unit is, e.g. "ug/kg" -> 0.001, "percent" -> 10000.

    Raises ValueError when pint does not know the unit or it is not a mass fraction.
    """
    registry = unit_registry()
    try:
        quantity = registry.Quantity(1, pint_expression)
    except Exception as exc:
        # pint's expression parser meets free text here and fails in many ways: "a-b" is a TypeError
        # inside it, "(" a tokenize.TokenError, "1/0" a ZeroDivisionError. Each is "cannot read".
        raise ValueError(f"the units library cannot read {pint_expression!r} ({exc})") from exc
    try:
        magnitude = quantity.to(TARGET).magnitude
    except pint.errors.PintError as exc:  # dimensionality, offset units (degC/kg) and the like
        raise ValueError(f"{pint_expression!r} is not a mass fraction, so it does not convert to mg/kg") from exc
    # Twelve significant digits remove binary floating-point noise (1e-06 not 1.0000000000000002e-06).
    return Decimal(f"{magnitude:.12g}")
