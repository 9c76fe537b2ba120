"""Recognising applicability conditions in a source's own condition text.

Only patterns that read unambiguously are recognised; everything else stays in the text, which
is always kept. Each recognition comes with a sentence the import preview shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

NUMBER = r"(\d+(?:[.,]\d+)?)"
PH = r"(?:soil\s+)?pH"
# "<" and "<=" as sources write them: ASCII, mathematical and full-width (Chinese and Japanese tables).
BELOW = r"(?:<=|≤|≦|＜=|<|＜)"
ABOVE = r"(?:>=|≥|≧|＞=|>|＞)"


@dataclass
class Recognised:
    values: dict[str, object] = field(default_factory=dict)
    explanations: list[str] = field(default_factory=list)

    def add(self, explanation: str, **values) -> None:
        for name, value in values.items():
            self.values.setdefault(name, value)
        self.explanations.append(explanation)


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


# Order matters: the two-sided patterns are tried before the one-sided ones.
PH_PATTERNS: list[tuple[re.Pattern, callable]] = [
    (re.compile(rf"{NUMBER}\s*{BELOW}\s*pH\s*{BELOW}\s*{NUMBER}", re.I), lambda a, b: {"ph_min": a, "ph_max": b}),
    (re.compile(rf"{NUMBER}\s*{ABOVE}\s*pH\s*{ABOVE}\s*{NUMBER}", re.I), lambda a, b: {"ph_min": b, "ph_max": a}),
    (
        re.compile(rf"{PH}\s*(?:from\s*)?{NUMBER}\s*(?:to|-|–)\s*{NUMBER}", re.I),
        lambda a, b: {"ph_min": a, "ph_max": b},
    ),
    (re.compile(rf"{PH}\s*{BELOW}\s*{NUMBER}", re.I), lambda a: {"ph_max": a}),
    (re.compile(rf"{PH}\s*{ABOVE}\s*{NUMBER}", re.I), lambda a: {"ph_min": a}),
    (re.compile(rf"{PH}\s*(?:=\s*)?{NUMBER}\b(?!\s*(?:to|-|–))", re.I), lambda a: {"ph_min": a, "ph_max": a}),
]

TEXTURE_WORDS = [
    (re.compile(r"\bloam\s*/\s*silt\b|\bLehm\s*/\s*Schluff\b", re.I), "loam_silt"),
    (re.compile(r"\bsand(?:y)?\b|\bBodenart\s+Sand\b", re.I), "sand"),
    (re.compile(r"\bclay(?:ey)?\b(?!\s*(?:%|content|≥|>|<))|\bBodenart\s+Ton\b", re.I), "clay"),
    (re.compile(r"\bpeat(?:y)?\b|\borganic soils?\b", re.I), "organic"),
]

TOC_PATTERNS: list[tuple[re.Pattern, callable]] = [
    (
        re.compile(rf"TOC\s*>\s*{NUMBER}\s*%?\s*(?:to|-|–)\s*{NUMBER}\s*%", re.I),
        lambda a, b: {"toc_min": a, "toc_max": b},
    ),
    (re.compile(rf"TOC\s*(?:<=|≤|<)\s*{NUMBER}\s*%", re.I), lambda a: {"toc_max": a}),
    (re.compile(rf"TOC\s*(?:>=|≥|>)\s*{NUMBER}\s*%", re.I), lambda a: {"toc_min": a}),
]

EXTRACTION_WORDS = [
    (re.compile(r"aqua\s+regia|Königswasser|acqua\s+regia", re.I), "aqua_regia"),
    (re.compile(r"\bEDTA\b"), "edta"),
    (re.compile(r"\bDTPA\b"), "dtpa"),
    (re.compile(r"\bCaCl2\b|calcium chloride", re.I), "cacl2"),
    (re.compile(r"\bNH4NO3\b|ammonium nitrate", re.I), "nh4no3"),
    (re.compile(r"Mehlich[- ]?(?:3|III)", re.I), "mehlich3"),
    (re.compile(r"nitric acid|HNO3", re.I), "nitric_acid"),
]

NEGATION = re.compile(r"\b(?:not|non|except|excluding|other than)\b[\w\s-]{0,12}$", re.I)


def _negated(text: str, start: int) -> bool:
    """True when the words just before a match deny it ("not the paddy-field column")."""
    return bool(NEGATION.search(text[max(0, start - 25) : start]))


CROP_WORDS = [(re.compile(r"\bpadd(?:y|ies)\b|水田|田に限る", re.I), "paddy")]

TEXTURE_NAMES = {
    "sand": gettext_lazy("sandy soils"),
    "loam_silt": gettext_lazy("loamy or silty soils"),
    "clay": gettext_lazy("clayey soils"),
    "organic": gettext_lazy("organic (peat) soils"),
}


def recognise_conditions(text: str) -> Recognised:
    """Structured conditions found in `text`, e.g. "5.5<pH<=6.5" -> ph_min 5.5, ph_max 6.5, each
    explained in the active language."""
    found = Recognised()
    if not text:
        return found
    for pattern, build in PH_PATTERNS:
        match = pattern.search(text)
        if match:
            values = build(*(_number(group) for group in match.groups()))
            low, high = values.get("ph_min"), values.get("ph_max")
            ends = ph_band_ends(match.group(0), low, high)
            found.add(
                _("pH %(band)s from “%(text)s”") % {"band": _band(low, high, ends), "text": match.group(0)}, **values
            )
            break
    for pattern, code in TEXTURE_WORDS:
        match = pattern.search(text)
        if match and not _negated(text, match.start()):
            explanation = _("soil texture: %(texture)s from “%(text)s”") % {
                "texture": TEXTURE_NAMES[code],
                "text": match.group(0),
            }
            found.add(explanation, texture=code)
            break
    for pattern, build in TOC_PATTERNS:
        match = pattern.search(text)
        if match:
            values = build(*(_number(group) for group in match.groups()))
            band = _band(values.get("toc_min"), values.get("toc_max"))
            found.add(
                _("organic carbon (TOC) %(band)s %% from “%(text)s”") % {"band": band, "text": match.group(0)}, **values
            )
            break
    for pattern, code in EXTRACTION_WORDS:
        match = pattern.search(text)
        if match:
            found.add(
                _("extraction: %(code)s from “%(text)s”") % {"code": code, "text": match.group(0)}, extraction=code
            )
            break
    for pattern, crop in CROP_WORDS:
        match = pattern.search(text)
        if match and not _negated(text, match.start()):
            found.add(
                _("crop or field type: %(crop)s from “%(text)s”") % {"crop": crop, "text": match.group(0)}, crop=crop
            )
            break
    return found


def _band(low, high, ends: tuple[bool, bool] = (False, False)) -> str:
    """A band in words: "from 5.5 to 6.5", "above 5.5 to below 6.5", "at least 7", "below 5"."""
    low_open, high_open = ends
    numbers = {"low": low, "high": high}
    if low is not None and high is not None:
        if low == high:
            return f"= {low}"
        if low_open and high_open:
            return _("above %(low)s to below %(high)s") % numbers
        if low_open:
            return _("above %(low)s to %(high)s") % numbers
        if high_open:
            return _("from %(low)s to below %(high)s") % numbers
        return _("from %(low)s to %(high)s") % numbers
    if low is not None:
        return (_("above %(low)s") if low_open else _("at least %(low)s")) % numbers
    return (_("below %(high)s") if high_open else _("at most %(high)s")) % numbers


# A comparison between a number and the pH, in either order: which end of the band it states and
# whether it leaves the number out ("5.5<pH": the lower end, 5.5 left out; "pH<=6.5": the upper end,
# 6.5 kept). Words as well as signs, in English.
_LEFT_OUT = {"<", "＜", ">", "＞", "above", "below", "over", "under", "greater than", "less than", "more than"}
_ON_THE_LEFT = re.compile(rf"{NUMBER}\s*({BELOW}|{ABOVE})\s*pH", re.I)
_ON_THE_RIGHT = re.compile(
    rf"pH\s*(?:value\s*)?(?:is\s*)?({BELOW}|{ABOVE}|above|below|over|under|greater than|less than|more than"
    rf"|at least|at most|not (?:more|less) than)\s*{NUMBER}",
    re.I,
)
_UPPER_ON_THE_RIGHT = {"<", "<=", "≤", "≦", "＜", "＜=", "below", "under", "less than", "at most", "not more than"}
_UPPER_ON_THE_LEFT = {">", ">=", "≥", "≧", "＞", "＞="}


def within_band(
    number: Decimal, low: Decimal | None, high: Decimal | None, *, low_open: bool = False, high_open: bool = False
) -> bool:
    """Whether `number` lies in the band from `low` to `high` (None: no bound on that side), an end
    left out where `low_open`/`high_open` says so: the same rule as the values API's `ph` filter."""
    above_low = low is None or number > low or (number == low and not low_open)
    below_high = high is None or number < high or (number == high and not high_open)
    return above_low and below_high


def ph_band_ends(text: str, ph_min: Decimal | None, ph_max: Decimal | None) -> tuple[bool, bool]:
    """Whether the source's own words leave out the pH band's lower and upper end: "5.5<pH<=6.5"
    -> (True, False), so that a soil of pH 5.5 falls in the band "pH<=5.5" and not in this one;
    "pH>7.5" -> (True, False). An end counts only where the text states it for the stored bound;
    a band the text does not state with signs keeps both ends ("pH 6 to 7": 6 and 7 included)."""
    low_open = high_open = False
    if not text or (ph_min is None and ph_max is None):
        return low_open, high_open
    statements: list[tuple[str, Decimal, bool]] = []  # (which end, number, left out)
    for match in _ON_THE_LEFT.finditer(text):
        number, operator = _number(match.group(1)), match.group(2).lower()
        statements.append(("upper" if operator in _UPPER_ON_THE_LEFT else "lower", number, operator in _LEFT_OUT))
    for match in _ON_THE_RIGHT.finditer(text):
        operator, number = " ".join(match.group(1).lower().split()), _number(match.group(2))
        statements.append(("upper" if operator in _UPPER_ON_THE_RIGHT else "lower", number, operator in _LEFT_OUT))
    for end, number, left_out in statements:
        if end == "lower" and ph_min is not None and number == ph_min:
            low_open = left_out
        elif end == "upper" and ph_max is not None and number == ph_max:
            high_open = left_out
    return low_open, high_open
