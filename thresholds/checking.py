"""Checking a soil sample against threshold values: which values apply to the sample's soil, why, and
whether the sample exceeds them.

A value applies when every condition it sets is met by the site: its land use (a value set for any
land use applies to every one), its pH band (with the ends its source states), texture, clay,
organic matter and CEC bands, and crop. Where a value depends on a property the site does not give,
it neither applies nor fails: it "depends", naming what is missing, and the caller shows the values
it could be. Nothing is guessed.

The first part of issue 21 (the check's rules); the page and API build on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from thresholds.conditions import within_band
from thresholds.filters import ANY_LAND_USE
from thresholds.models import ThresholdValue
from thresholds.wording import ph_band_in_words, soil_band_in_words, texture_in_words


@dataclass(frozen=True)
class Site:
    """Where a sample was taken: each property optional (None: not given)."""

    land_use: str | None = None  # harmonised land-use code
    ph: Decimal | None = None
    texture: str | None = None  # ThresholdValue.Texture
    clay: Decimal | None = None  # %
    toc: Decimal | None = None  # organic matter or TOC, %
    cec: Decimal | None = None  # cmol/kg
    crop: str | None = None


APPLIES, DOES_NOT_APPLY, DEPENDS = "applies", "does_not_apply", "depends"


@dataclass
class Applicability:
    """Whether a value applies to a site: APPLIES (with the conditions that matched, in words),
    DOES_NOT_APPLY (with the condition that failed), or DEPENDS (on the properties in `missing`)."""

    outcome: str
    reasons: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def applicability(value: ThresholdValue, site: Site) -> Applicability:
    """How `value`'s conditions meet `site` (see the module's docstring)."""
    reasons: list[str] = []
    missing: list[str] = []
    failed: list[str] = []

    def band(name: str, given: Decimal | None, low, high, low_open=False, high_open=False, words=None) -> None:
        if low is None and high is None:
            return
        if given is None:
            missing.append(name)
        elif within_band(given, low, high, low_open=low_open, high_open=high_open):
            reasons.append(words)
        else:
            failed.append(words)

    if site.land_use and value.land_use.code not in (site.land_use, ANY_LAND_USE):
        failed.append(_("set for another land use: %(land_use)s") % {"land_use": value.land_use.local_name})
    elif site.land_use and value.land_use.code == ANY_LAND_USE:
        reasons.append(_("set for any land use"))
    band(
        _("soil pH"),
        site.ph,
        value.ph_min,
        value.ph_max,
        value.ph_min_exclusive,
        value.ph_max_exclusive,
        words=ph_band_in_words(value),
    )
    if value.texture:
        if site.texture is None:
            missing.append(_("soil texture"))
        elif site.texture == value.texture:
            reasons.append(texture_in_words(value))
        else:
            failed.append(texture_in_words(value))
    for field_name, name, given in (
        ("clay", _("clay content"), site.clay),
        ("toc", _("organic matter"), site.toc),
        ("cec", _("cation exchange capacity"), site.cec),
    ):
        low, high = getattr(value, f"{field_name}_min"), getattr(value, f"{field_name}_max")
        band(name, given, low, high, words=soil_band_in_words(value, field_name))
    if value.crop:
        if site.crop is None:
            missing.append(_("crop or field type"))
        elif site.crop.strip().casefold() == value.crop.strip().casefold():
            reasons.append(_("crop: %(crop)s") % {"crop": value.crop})
        else:
            failed.append(_("crop: %(crop)s") % {"crop": value.crop})
    if failed:
        return Applicability(DOES_NOT_APPLY, reasons=failed)
    if missing:
        return Applicability(DEPENDS, reasons=reasons, missing=missing)
    return Applicability(APPLIES, reasons=reasons)


@dataclass
class Verdict:
    """A value that applies (or may apply) to a sample, and how the sample compares with it."""

    value: ThresholdValue
    applicability: Applicability
    # The sample's concentration over the value, both in mg/kg; None when the value does not convert.
    ratio: Decimal | None

    @property
    def exceeds(self) -> bool | None:
        return None if self.ratio is None else self.ratio > 1


def verdicts(concentration_mg_kg: Decimal, values, site: Site) -> list[Verdict]:
    """The values (of one pollutant) that apply or may apply to `site`, each with the ratio of the
    sample's concentration to it, strictest first; values that do not apply are left out."""
    found = []
    for value in values:
        fit = applicability(value, site)
        if fit.outcome == DOES_NOT_APPLY:
            continue
        ratio = None
        if value.value_mg_kg:
            ratio = (concentration_mg_kg / value.value_mg_kg).quantize(Decimal("0.001"))
        found.append(Verdict(value, fit, ratio))
    return sorted(found, key=lambda verdict: (verdict.value.value_mg_kg is None, verdict.value.value_mg_kg or 0))
