"""Recognising applicability conditions in a source's own condition text.

Only patterns that read unambiguously are recognised; everything else stays in the text, which
is always kept. Each recognition comes with a sentence the import preview shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

NUMBER = r"(\d+(?:[.,]\d+)?)"
PH = r"(?:soil\s+)?pH"


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
    (re.compile(rf"{NUMBER}\s*<=?\s*pH\s*<=?\s*{NUMBER}", re.I), lambda a, b: {"ph_min": a, "ph_max": b}),
    (
        re.compile(rf"{PH}\s*(?:from\s*)?{NUMBER}\s*(?:to|-|–)\s*{NUMBER}", re.I),
        lambda a, b: {"ph_min": a, "ph_max": b},
    ),
    (re.compile(rf"{PH}\s*(?:<=|≤|<)\s*{NUMBER}", re.I), lambda a: {"ph_max": a}),
    (re.compile(rf"{PH}\s*(?:>=|≥|>)\s*{NUMBER}", re.I), lambda a: {"ph_min": a}),
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
    "sand": "sandy soils",
    "loam_silt": "loamy or silty soils",
    "clay": "clayey soils",
    "organic": "organic (peat) soils",
}


def recognise_conditions(text: str) -> Recognised:
    """Structured conditions found in `text`, e.g. "5.5<pH<=6.5" -> ph_min 5.5, ph_max 6.5."""
    found = Recognised()
    if not text:
        return found
    for pattern, build in PH_PATTERNS:
        match = pattern.search(text)
        if match:
            values = build(*(_number(group) for group in match.groups()))
            found.add(f"pH {_band(values.get('ph_min'), values.get('ph_max'))} from “{match.group(0)}”", **values)
            break
    for pattern, code in TEXTURE_WORDS:
        match = pattern.search(text)
        if match and not _negated(text, match.start()):
            found.add(f"soil texture: {TEXTURE_NAMES[code]} from “{match.group(0)}”", texture=code)
            break
    for pattern, build in TOC_PATTERNS:
        match = pattern.search(text)
        if match:
            values = build(*(_number(group) for group in match.groups()))
            band = _band(values.get("toc_min"), values.get("toc_max"))
            found.add(f"organic carbon (TOC) {band} % from “{match.group(0)}”", **values)
            break
    for pattern, code in EXTRACTION_WORDS:
        match = pattern.search(text)
        if match:
            found.add(f"extraction: {code} from “{match.group(0)}”", extraction=code)
            break
    for pattern, crop in CROP_WORDS:
        match = pattern.search(text)
        if match and not _negated(text, match.start()):
            found.add(f"crop or field type: {crop} from “{match.group(0)}”", crop=crop)
            break
    return found


def _band(low, high) -> str:
    if low is not None and high is not None:
        return f"= {low}" if low == high else f"{low} to {high}"
    if low is not None:
        return f"above {low}"
    return f"at most {high}"
