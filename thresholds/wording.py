"""Threshold conditions in plain, translatable words, for people who do not read spreadsheets."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from sops.selectors import how_to_measure, measuring_sops
from thresholds.models import ThresholdValue


def _number(value: Decimal) -> str:
    return number_format(value.normalize(), use_l10n=True)


def _band(low, high, *, both: str, at_least: str, at_most: str, single: str) -> str | None:
    if low is not None and high is not None:
        if low == high:
            return single % {"number": _number(low)}
        return both % {"low": _number(low), "high": _number(high)}
    if low is not None:
        return at_least % {"low": _number(low)}
    if high is not None:
        return at_most % {"high": _number(high)}
    return None


def ph_band_in_words(value: ThresholdValue) -> str | None:
    """The pH band with its ends as the source states them: "above 5.5 and at most 6.5" is not
    "from 5.5 to 6.5" (a soil of pH 5.5 falls in the band below)."""
    low_open, high_open = value.ph_min_exclusive, value.ph_max_exclusive
    if value.ph_min is not None and value.ph_max is not None and value.ph_min != value.ph_max:
        both = {
            (False, False): _("applies where soil pH is from %(low)s to %(high)s"),
            (True, False): _("applies where soil pH is above %(low)s and at most %(high)s"),
            (False, True): _("applies where soil pH is at least %(low)s and below %(high)s"),
            (True, True): _("applies where soil pH is above %(low)s and below %(high)s"),
        }[(low_open, high_open)]
    else:
        both = ""
    return _band(
        value.ph_min,
        value.ph_max,
        both=both,
        at_least=_("applies where soil pH is above %(low)s")
        if low_open
        else _("applies where soil pH is at least %(low)s"),
        at_most=_("applies where soil pH is below %(high)s")
        if high_open
        else _("applies where soil pH is at most %(high)s"),
        single=_("applies at soil pH %(number)s"),
    )


def texture_in_words(value: ThresholdValue) -> str | None:
    """The soil texture a value is set for, in words ("sandy soils"), or None."""
    return {
        ThresholdValue.Texture.SAND: _("sandy soils"),
        ThresholdValue.Texture.LOAM_SILT: _("loamy or silty soils"),
        ThresholdValue.Texture.LOAM: _("loamy soils"),
        ThresholdValue.Texture.SILT: _("silty soils"),
        ThresholdValue.Texture.CLAY: _("clayey soils"),
        ThresholdValue.Texture.ORGANIC: _("organic (peat) soils"),
    }.get(value.texture)


def soil_band_in_words(value: ThresholdValue, name: str) -> str | None:
    """A value's clay ("clay"), organic matter ("toc") or CEC ("cec") band in words, or None."""
    low, high = getattr(value, f"{name}_min"), getattr(value, f"{name}_max")
    if name == "clay":
        return _band(
            low,
            high,
            both=_("clay content from %(low)s to %(high)s %%"),
            at_least=_("clay content at least %(low)s %%"),
            at_most=_("clay content at most %(high)s %%"),
            single=_("clay content %(number)s %%"),
        )
    if name == "toc":
        return _band(
            low,
            high,
            both=_("organic matter from %(low)s to %(high)s %%"),
            at_least=_("organic matter at least %(low)s %%"),
            at_most=_("organic matter at most %(high)s %%"),
            single=_("organic matter %(number)s %%"),
        )
    return _band(
        low,
        high,
        both=_("cation exchange capacity from %(low)s to %(high)s cmol/kg"),
        at_least=_("cation exchange capacity at least %(low)s cmol/kg"),
        at_most=_("cation exchange capacity at most %(high)s cmol/kg"),
        single=_("cation exchange capacity %(number)s cmol/kg"),
    )


def conditions_in_words(value: ThresholdValue) -> list[str]:
    """e.g. ["applies where soil pH is at most 5.5", "aqua regia extract", "sandy soils"]."""
    if not value.extraction_id:
        extraction = None
    elif value.extraction.code == "total":
        extraction = _("total content")
    else:
        extraction = _("%(method)s extract") % {"method": value.extraction.local_name}
    phrases = [
        ph_band_in_words(value),
        texture_in_words(value),
        *(soil_band_in_words(value, name) for name in ("clay", "toc", "cec")),
        extraction,
        _("crop: %(crop)s") % {"crop": value.crop} if value.crop else None,
        _("soil depth %(depth)s") % {"depth": value.depth} if value.depth else None,
    ]
    return [phrase for phrase in phrases if phrase]


def _range_key(value: ThresholdValue) -> tuple:
    return (value.instrument_id, value.pollutant_id, value.land_use_id, value.tier_id, value.conditions_key)


def values_as_written(rows: list[ThresholdValue]) -> None:
    """Set each row's `as_written`: its number and unit as the source writes them, the qualifier in
    words. The two ends of a range the source gives ("1-3 mg/kg", stored as a lower and an upper
    bound) read "from 1 to 3 mg/kg" on both rows when both are among `rows`, else "from 1 mg/kg"
    (lower end) or "up to 3 mg/kg" (upper end); never the qualifier's code."""
    Qualifier = ThresholdValue.Qualifier
    ends: dict[tuple, dict[str, ThresholdValue]] = {}
    for row in rows:
        if row.qualifier in (Qualifier.RANGE_MIN, Qualifier.RANGE_MAX):
            ends.setdefault(_range_key(row), {})[row.qualifier] = row
    for row in rows:
        written = f"{row.value_text} {row.unit_label}".strip()
        if row.qualifier in (Qualifier.RANGE_MIN, Qualifier.RANGE_MAX):
            pair = ends[_range_key(row)]
            low, high = pair.get(Qualifier.RANGE_MIN), pair.get(Qualifier.RANGE_MAX)
            if low is not None and high is not None and low.unit_label == high.unit_label:
                row.as_written = _("from %(low)s to %(high)s %(unit)s") % {
                    "low": low.value_text,
                    "high": high.value_text,
                    "unit": row.unit_label,
                }
                row.range_end = _("lower end") if row is low else _("upper end")
            elif row.qualifier == Qualifier.RANGE_MIN:
                row.as_written, row.range_end = _("from %(value)s") % {"value": written}, _("lower end of a range")
            else:
                row.as_written, row.range_end = _("up to %(value)s") % {"value": written}, _("upper end of a range")
        else:
            sign = "" if row.qualifier in ("", Qualifier.EQUAL) else f"{row.get_qualifier_display()} "
            row.as_written, row.range_end = f"{sign}{written}", ""


def values_in_words(values):
    """The rows with their conditions in words (`words`), their value as written with its qualifier
    in words (`as_written`, `range_end`) and how to measure them (sops.selectors.how_to_measure)."""
    rows = list(values)
    measuring = measuring_sops() if rows else ({}, set())
    values_as_written(rows)
    for row in rows:
        row.words = conditions_in_words(row)
        row.how_to_measure = how_to_measure(
            extraction_id=row.extraction_id,
            pollutant_id=row.pollutant_id,
            pollutant_slug=row.pollutant.slug,
            measuring=measuring,
        )
    return rows
