"""Checking a soil sample against threshold values: which values apply to the sample's soil, why, and
whether the sample exceeds them.

A value applies when every condition it sets is met by the site: its land use (a value set for any
land use applies to every one), its pH band (with the ends its source states), texture, clay,
organic matter and CEC bands, and crop. Where a value depends on a property the site does not give,
it neither applies nor fails: it "depends", naming what is missing, and the caller shows the values
it could be. Nothing is guessed.

Where a law corrects its values for the soil by a formula (thresholds.models.SoilCorrection), the
value the sample is compared with is the corrected one, and the reasons say so; without the clay or
organic matter the formula needs, the value depends on them.

`check` runs the whole check for many samples in a bounded number of queries: one for the values of
every pollutant asked, one for their soil corrections, whatever the number of samples; a value's
applicability to a site is decided once per distinct site.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from thresholds.conditions import within_band
from thresholds.filters import ANY_LAND_USE
from thresholds.models import SoilCorrection, ThresholdValue
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
    depth: str | None = None  # shown beside the values' own depths, not compared: sources write depth freely


APPLIES, DOES_NOT_APPLY, DEPENDS = "applies", "does_not_apply", "depends"


@dataclass
class Applicability:
    """Whether a value applies to a site: APPLIES (with the conditions that matched, in words),
    DOES_NOT_APPLY (with the condition that failed), or DEPENDS (on the properties in `missing`; the
    reasons then hold the conditions, met or not yet known, that say where the value applies)."""

    outcome: str
    reasons: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


class Wording:
    """The sentences a check writes, translated once per check and, for a value's conditions, once per
    value: gettext costs microseconds, and a check of 10,000 samples would ask it millions of times."""

    def __init__(self):
        self.names = {
            "ph": _("soil pH"),
            "texture": _("soil texture"),
            "clay": _("clay content"),
            "toc": _("organic matter"),
            "cec": _("cation exchange capacity"),
            "crop": _("crop or field type"),
        }
        self.any_land_use = _("set for any land use")
        self._values: dict[int, dict] = {}

    def of(self, value: ThresholdValue) -> dict:
        """A value's conditions in words, keyed by property (None where it sets no condition)."""
        words = self._values.get(value.pk) if value.pk else None
        if words is None:
            land_use = {"land_use": value.land_use.local_name}
            words = {
                "ph": ph_band_in_words(value),
                "texture": texture_in_words(value),
                **{name: soil_band_in_words(value, name) for name in ("clay", "toc", "cec")},
                "crop": _("crop: %(crop)s") % {"crop": value.crop} if value.crop else None,
                "this_land_use": _("set for this land use: %(land_use)s") % land_use,
                "another_land_use": _("set for another land use: %(land_use)s") % land_use,
            }
            if value.pk:
                self._values[value.pk] = words
        return words


def applicability(value: ThresholdValue, site: Site, wording: Wording | None = None) -> Applicability:
    """How `value`'s conditions meet `site` (see the module's docstring)."""
    wording = wording or Wording()
    words = wording.of(value)
    reasons: list[str] = []
    missing: list[str] = []
    failed: list[str] = []

    def band(name: str, given: Decimal | None, low, high, low_open=False, high_open=False) -> None:
        if low is None and high is None:
            return
        if given is None:
            missing.append(wording.names[name])
            reasons.append(words[name])  # where the value applies: the caller shows it beside the value
        elif within_band(given, low, high, low_open=low_open, high_open=high_open):
            reasons.append(words[name])
        else:
            failed.append(words[name])

    if site.land_use and value.land_use.code not in (site.land_use, ANY_LAND_USE):
        failed.append(words["another_land_use"])
    elif site.land_use and value.land_use.code == ANY_LAND_USE:
        reasons.append(wording.any_land_use)
    elif site.land_use:
        reasons.append(words["this_land_use"])
    band("ph", site.ph, value.ph_min, value.ph_max, value.ph_min_exclusive, value.ph_max_exclusive)
    if value.texture:
        if site.texture is None:
            missing.append(wording.names["texture"])
            reasons.append(words["texture"])
        elif site.texture == value.texture:
            reasons.append(words["texture"])
        else:
            failed.append(words["texture"])
    for name, given in (("clay", site.clay), ("toc", site.toc), ("cec", site.cec)):
        band(name, given, getattr(value, f"{name}_min"), getattr(value, f"{name}_max"))
    if value.crop:
        if site.crop is None:
            missing.append(wording.names["crop"])
            reasons.append(words["crop"])
        elif site.crop.strip().casefold() == value.crop.strip().casefold():
            reasons.append(words["crop"])
        else:
            failed.append(words["crop"])
    if failed:
        return Applicability(DOES_NOT_APPLY, reasons=failed)
    if missing:
        return Applicability(DEPENDS, reasons=reasons, missing=missing)
    return Applicability(APPLIES, reasons=reasons)


@dataclass
class Verdict:
    """A value that applies (or may apply) to a sample's soil, and how the sample compares with it."""

    value: ThresholdValue
    applicability: Applicability
    # What the sample is compared with, in mg/kg: the value itself, or corrected for the soil.
    applicable_mg_kg: Decimal | None
    correction: SoilCorrection | None = None
    # The sample's concentration over the applicable value; None when there is none to compare with.
    ratio: Decimal | None = None

    @property
    def exceeds(self) -> bool | None:
        return None if self.ratio is None else self.ratio > 1

    @property
    def outcome(self) -> str:
        return self.applicability.outcome


def _number(value: Decimal) -> str:
    return number_format(value.normalize(), use_l10n=True)


def corrected_for_soil(value: ThresholdValue, correction: SoilCorrection | None, site: Site, wording: Wording):
    """(mg/kg to compare with, reason, missing): the value corrected by its law's formula for the
    site's clay and organic matter; with either missing, the standard soil's value and what is missing."""
    if correction is None or value.value_mg_kg is None:
        return value.value_mg_kg, None, []
    missing = [wording.names[name] for name, given in (("clay", site.clay), ("toc", site.toc)) if given is None]
    if missing:
        return value.value_mg_kg, None, missing
    corrected = correction.corrected(value.value_mg_kg, clay=site.clay, organic_matter=site.toc)
    clay, organic_matter = correction.soil_used(clay=site.clay, organic_matter=site.toc)
    reason = _(
        "corrected for this soil (%(clay)s %% clay, %(om)s %% organic matter) from %(standard)s mg/kg for the "
        "standard soil (%(standard_clay)s %% clay, %(standard_om)s %% organic matter) by the law's formula"
    ) % {
        "clay": _number(clay),
        "om": _number(organic_matter),
        "standard": _number(value.value_mg_kg),
        "standard_clay": _number(correction.standard_clay),
        "standard_om": _number(correction.standard_organic_matter),
    }
    return corrected, reason, []


def verdicts(concentration_mg_kg: Decimal, values, site: Site, corrections=None) -> list[Verdict]:
    """The values (of one pollutant) that apply or may apply to `site`, each with the ratio of the
    sample's concentration to it, strictest first; values that do not apply are left out.
    `corrections`: {(instrument id, pollutant id): SoilCorrection}."""
    found = [
        _with_ratio(verdict, concentration_mg_kg)
        for verdict in applying_to_site(values, site, corrections or {}, Wording())
    ]
    return sorted(found, key=strictest_first)


def applying_to_site(values, site: Site, corrections: dict, wording: Wording) -> list[Verdict]:
    """Each value that applies or may apply to `site`, with the value to compare with; no ratio yet."""
    found = []
    for value in values:
        fit = applicability(value, site, wording)
        if fit.outcome == DOES_NOT_APPLY:
            continue
        correction = corrections.get((value.instrument_id, value.pollutant_id))
        applicable, reason, missing = corrected_for_soil(value, correction, site, wording)
        if reason:
            fit = Applicability(fit.outcome, reasons=[*fit.reasons, reason], missing=fit.missing)
        elif missing:
            fit = Applicability(DEPENDS, reasons=fit.reasons, missing=[*fit.missing, *missing])
        found.append(Verdict(value, fit, applicable, correction if applicable is not None else None))
    return found


def _with_ratio(verdict: Verdict, concentration_mg_kg: Decimal) -> Verdict:
    ratio = None
    if verdict.applicable_mg_kg:
        ratio = (concentration_mg_kg / verdict.applicable_mg_kg).quantize(Decimal("0.001"))
    return Verdict(verdict.value, verdict.applicability, verdict.applicable_mg_kg, verdict.correction, ratio)


def strictest_first(verdict: Verdict) -> tuple:
    return (verdict.applicable_mg_kg is None, verdict.applicable_mg_kg or 0, verdict.value.pk or 0)


@dataclass
class Finding:
    """What one jurisdiction's tier says of a sample: the value that applies, or, where the value
    depends on a property not given, every value it could be (`verdicts`, strictest first)."""

    verdicts: list[Verdict]
    # Worked out once (a check of 10,000 samples reads them for hundreds of thousands of findings).
    outcome: str = field(init=False)
    missing: list[str] = field(init=False)
    # True when the sample exceeds every value it could be, False when none, None when it depends
    # (or a value does not convert to mg/kg).
    exceeds: bool | None = field(init=False)

    def __post_init__(self):
        if len(self.verdicts) == 1:
            only = self.verdicts[0]
            self.outcome, self.missing, self.exceeds = only.outcome, only.applicability.missing, only.exceeds
            return
        self.outcome = DEPENDS if any(verdict.outcome == DEPENDS for verdict in self.verdicts) else APPLIES
        self.missing = list(dict.fromkeys(name for verdict in self.verdicts for name in verdict.applicability.missing))
        answers = {verdict.exceeds for verdict in self.verdicts}
        self.exceeds = answers.pop() if len(answers) == 1 else None

    @property
    def first(self) -> Verdict:
        return self.verdicts[0]

    @property
    def strictest_mg_kg(self) -> Decimal | None:
        return self.first.applicable_mg_kg


@dataclass
class SampleResult:
    sample: object  # thresholds.samples.Sample
    findings: list[Finding]

    @property
    def exceeded(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.exceeds]


def _finding_key(verdict: Verdict) -> tuple:
    value = verdict.value
    return (value.instrument_id, value.tier_id, value.land_use_id, value.extraction_id)


def findings(found: list[Verdict]) -> list[Finding]:
    """The verdicts grouped by jurisdiction's instrument, tier, land use and extraction: a value that
    applies is a finding of its own; the values that depend on a missing property are one finding
    together (the values the tier could be)."""
    grouped: dict[tuple, list[Verdict]] = defaultdict(list)
    result = []
    for verdict in found:
        if verdict.outcome == DEPENDS:
            grouped[_finding_key(verdict)].append(verdict)
        else:
            result.append(Finding([verdict]))
    result.extend(Finding(sorted(group, key=strictest_first)) for group in grouped.values())
    return sorted(result, key=lambda finding: strictest_first(finding.first))


def check(samples, values, corrections: dict) -> list[SampleResult]:
    """Each sample against `values` (every value of the samples' pollutants that the caller chose:
    in force, of some countries or tiers), strictest first. A value's applicability to a site is
    decided once per distinct (pollutant, site), however many samples share them."""
    by_pollutant: dict[int, list[ThresholdValue]] = defaultdict(list)
    for value in values:
        by_pollutant[value.pollutant_id].append(value)
    seen: dict[tuple, list[Verdict]] = {}
    wording = Wording()
    results = []
    for sample in samples:
        key = (sample.pollutant_id, sample.site)
        if key not in seen:
            seen[key] = applying_to_site(by_pollutant.get(sample.pollutant_id, []), sample.site, corrections, wording)
        found = [_with_ratio(verdict, sample.concentration_mg_kg) for verdict in seen[key]]
        results.append(SampleResult(sample, findings(found)))
    return results


def with_soil_corrections(rows, *, clay: Decimal | None = None, organic_matter: Decimal | None = None) -> list:
    """Mark each of `rows` (threshold values) that its law corrects for the soil (`row.soil_correction`)
    and, for a soil of `clay` and `organic_matter` %, set `row.for_your_soil` (mg/kg). One query."""
    rows = list(rows)
    pairs = {(row.instrument_id, row.pollutant_id) for row in rows}
    corrections = {}
    if pairs:
        found = SoilCorrection.objects.filter(
            instrument_id__in={instrument for instrument, _pollutant in pairs},
            pollutant_id__in={pollutant for _instrument, pollutant in pairs},
        )
        corrections = {(item.instrument_id, item.pollutant_id): item for item in found}
    for row in rows:
        row.soil_correction = corrections.get((row.instrument_id, row.pollutant_id))
        row.for_your_soil = None
        if row.soil_correction and row.value_mg_kg is not None and clay is not None and organic_matter is not None:
            row.for_your_soil = row.soil_correction.corrected(row.value_mg_kg, clay=clay, organic_matter=organic_matter)
    return rows
