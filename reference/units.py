"""Unit conversion to mg/kg, done by the pint units library, and reading unit spellings with their basis."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

import pint
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from pint.util import to_units_container

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


# Reading unit spellings the alias table does not have
#
# A unit cell in an imported file says two things: the mass fraction ("mg kg-1", "µg/g", "%") and often the
# basis the value refers to ("DM", "Trockenmasse", "peso seco"). read_unit() separates the two, rewrites the
# fraction into an expression pint parses, and accepts it only when it really is mass per mass of soil.
#
# Basis words are listed as sources write them; where a source was checked, it is named:
#   "mg/kg TM" (Trockenmasse): BBodSchV Anlage 1, https://gesetze.legal/bund/bbodschv/anlage_1
#   "mg/kg MS" (matière sèche): France, Légifrance article LEGIARTI000026975404 (limits for spreading, table 1a),
#       https://legal.tricoteuses.fr/articles/LEGIARTI000026975404
#   "mg/kg suelo seco": Costa Rica, Decreto Ejecutivo 37757, art. 6,
#       http://www.pgrweb.go.cr/scij/Busqueda/Normativa/Normas/nrm_articulo.aspx?param1=NRA&nValor1=1&nValor2=75223&nValor3=93682&nValor5=7
#   "mg/kg suchej masy": Poland, Dz.U. 2002 nr 37 poz. 344, annex,
#       http://www.wodr-bratoszewice.agro.pl/Prawo/rozporzadzenia/2002/r25_2002.htm
#   "mg.kg-1 sušiny": Czech Republic, vyhláška 257/2009 Sb., příloha 3,
#       https://meandre.cz/index.php/sluzby/2-uncategorised/11-priloha-c-3
#   "мг/кг почвы": USSR Ministry of Health list of 19.11.1991 N 6229-91, appendix 3,
#       https://base.garant.ru/5370060/3e22e51c74db8e0b182fad67b502e640/
#   "мг/кг воздушно-сухой массы": Russian soil MPC tables, https://studfile.net/preview/11315349/page:4

DRY = "dry"
FRESH = "fresh"
BASIS_WORDS = {
    DRY: gettext_lazy("dry matter"),
    FRESH: gettext_lazy("fresh matter"),
    "": gettext_lazy("basis not stated"),
}
MAX_UNIT_LENGTH = 60

_DRY_TERMS = [
    # English
    "dry matter",
    "dry weight",
    "dry wt.",
    "dry mass",
    "dry soil",
    "dry substance",
    "dry basis",
    "dry",
    "d.w.",
    "d.m.",
    "dwt",
    # German: Trockenmasse, Trockensubstanz, Trockengewicht
    "trockenmasse",
    "trockensubstanz",
    "trockengewicht",
    "t.m.",
    "t.s.",
    # Dutch: droge stof
    "droge stof",
    "d.s.",
    # Italian: sostanza secca, peso secco
    "sostanza secca",
    "peso secco",
    "s.s.",
    # Spanish and Portuguese: peso seco, materia seca, matéria seca, suelo seco, base seca
    "peso seco",
    "materia seca",
    "matéria seca",
    "suelo seco",
    "solo seco",
    "base seca",
    "p.s.",
    # French: matière sèche, sol sec
    "matière sèche",
    "sol sec",
    "m.s.",
    # Swedish, Danish, Norwegian, Finnish: torrsubstans (TS), tørstof, tørrstoff, kuiva-aine
    "torrsubstans",
    "torrvikt",
    "tørstof",
    "tørrstoff",
    "kuiva-aine",
    "kuiva-ainetta",
    # Polish, Czech
    "suchej masy",
    "sušiny",
    "sušina",
    "sušině",
    # Russian
    "сухого вещества",
    "сухой массы",
    "сухой почвы",
    "воздушно-сухой массы",
    "воздушно-сухой почвы",
    # Vietnamese: đất khô (dry soil)
    "đất khô",
    # Chinese, Japanese, Korean
    "干重",
    "乾重",
    "干土",
    "乾土",
    "건조중량",
]
_FRESH_TERMS = [
    "fresh weight",
    "fresh wt.",
    "wet weight",
    "wet wt.",
    "fresh matter",
    "fresh mass",
    "wet mass",
    "fresh",
    "wet",
    "f.w.",
    "w.w.",
    "f.m.",
    "frischmasse",
    "feuchtmasse",
    "frischgewicht",
    "peso fresco",
    "鲜重",
    "鮮重",
    "湿重",
]
# Words that say "of soil" or "by mass" and nothing about the basis.
_FILLER_TERMS = [
    "soil",
    "sol",
    "boden",
    "bodens",
    "suelo",
    "solo",
    "terreno",
    "bodem",
    "почвы",
    "почве",
    "jord",
    "mark",
    "maaperä",
    "gleby",
    "půdy",
    "土壤",
    "đất",
    "ดิน",
    "w/w",
    "m/m",
    "by weight",
    "by mass",
    "wt.",
    "weight",
    "mass",
]
_DASHES = str.maketrans({"−": "-", "‐": "-", "‑": "-", "–": "-", "—": "-", "·": " ", "⋅": " ", "∙": " ", "×": "*"})
_CONNECTOR = r"(?:(?:of|in|on an?|on|de|du|di|del|da|do|der|des|in der)\s+)?"
_BEFORE = r"(?<![^\s,;:(\[{%-])"  # start of text, a space, a bracket, a comma or a hyphen ("mg/kg-dw")
_AFTER = r"(?![^\s,;:)\]}%])"  # never "/" or a digit, so "dm" in "mg/dm3" and "mg dm-3" stays a unit


def _fold(text: str) -> str:
    """Case, accents, compatibility forms (superscripts, the micro sign, full-width signs) folded away."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", without_accents).casefold()


def _term_pattern(term: str) -> str:
    """A term as a regular expression: dots optional ("d.w." is also "dw"), any run of spaces."""
    folded = _fold(term)
    pattern = re.escape(folded).replace(r"\.", r"\.?\s*").replace(r"\ ", r"\s+")
    if any(ord(ch) >= 0x2E80 for ch in folded):  # CJK is written without spaces: "mg/kg干重"
        return pattern
    return _BEFORE + _CONNECTOR + pattern + r"(?:\s+basis)?" + _AFTER


def _terms_regex(terms: list[str]) -> re.Pattern:
    longest_first = sorted(terms, key=lambda term: len(_fold(term)), reverse=True)
    return re.compile("|".join(_term_pattern(term) for term in longest_first))


_BASIS_REGEXES = {DRY: _terms_regex(_DRY_TERMS), FRESH: _terms_regex(_FRESH_TERMS)}
_FILLER_REGEX = _terms_regex(_FILLER_TERMS)

_REFUSALS = [
    (
        re.compile(r"teq|(?<![a-z])te(?![a-z])|toxic equivalent"),
        gettext_lazy("toxic equivalents are not a mass fraction; the unit table converts them"),
    ),
    (
        re.compile(r"(?<![a-z])[kmgnpμu]?bq(?![a-z])|becquerel|(?<![a-z])[np]ci(?![a-z])|curie"),
        gettext_lazy("an activity (becquerel or curie) is not a mass fraction"),
    ),
    (
        re.compile(r"(?<![a-z])ppt(?![a-z])"),
        gettext_lazy("ppt is ambiguous (parts per thousand or per trillion); write ‰, ng/g or ng/kg"),
    ),
    (
        re.compile(r"w\s*/\s*v|(?<![a-z])m\s*/\s*v(?![a-z])"),
        gettext_lazy("w/v is a concentration per volume, and soil thresholds are per mass of soil"),
    ),
    (
        re.compile(r"v\s*/\s*v|(?<![a-z])pp[mb]v(?![a-z])|vol\.?\s*%|%\s*vol"),
        gettext_lazy("a volume fraction is not a mass fraction, and soil thresholds are per mass of soil"),
    ),
]

# Unit names written out in other languages and scripts, folded (no accents, lower case), longest first:
# "毫克/公斤" (zh), "มิลลิกรัม/กิโลกรัม" (th), "в миллиграммах на килограмм" (ru), "miligramos por kilogramo" (es).
_GRAM_ENDINGS = r"gram(?:me|mo|ma|mi|a|o|e)?s?"
_ZWNJ = "\u200c"  # Persian writes میلی‌گرم with a zero-width non-joiner
_NAMED_UNITS = [
    (
        "毫克|ミリグラム|밀리그램|มิลลิกรัม|миллиграмм[а-я]*|mili?" + _GRAM_ENDINGS + f"|ملغم|ملغ|مجم|میلی[{_ZWNJ} ]?گرم",
        " mg ",
    ),
    ("微克|マイクログラム|마이크로그램|ไมโครกรัม|микрограмм[а-я]*|micro?" + _GRAM_ENDINGS + "|ميكروغرام", " ug "),
    ("纳克|奈克|ナノグラム|나노그램|นาโนกรัม|нанограмм[а-я]*|nano" + _GRAM_ENDINGS, " ng "),
    (
        "千克|公斤|キログラム|킬로그램|กิโลกรัม|килограмм[а-я]*|(?:k|qu)ilo"
        + _GRAM_ENDINGS
        + f"|كغم|كجم|كغ|کیلو[{_ZWNJ} ]?گرم",
        " kg ",
    ),
    ("(?<![毫微纳奈千])克|グラム|그램|(?<![ลโนอ])กรัม|(?<![а-я])грамм[а-я]*|(?<![a-z])" + _GRAM_ENDINGS, " g "),
    (r"(?<![a-z])(?:por|pour|par|pro|je|pe|na)(?![a-z])|(?<![а-я])на(?![а-я])|ต่อ|当たり|당", " / "),
    (r"(?<![а-я])в(?![а-я])|(?<![a-z])(?:en|in)(?![a-z])", " "),
]
# Folded as the text they are matched in is (_fold: a katakana グ loses its voicing mark there).
_NAMED_UNITS = [(re.compile(_fold(pattern)), replacement) for pattern, replacement in _NAMED_UNITS]
_CYRILLIC_UNITS = {"мкг": "ug", "мг": "mg", "нг": "ng", "кг": "kg", "г": "g", "т": "t", "л": "l", "дм": "dm", "м": "m"}
_WORDS = [
    (re.compile(r"parts?\s+per\s+million"), " ppm "),
    (re.compile(r"parts?\s+per\s+billion"), " ppb "),
    (re.compile(r"parts?\s+per\s+thousand|per\s+mill?e?(?![a-z])|‰"), " permille "),
    (re.compile(r"per\s*cent|percent|%"), " percent "),
    (re.compile(r"(?<![a-z])(pp[mb])w(?![a-z])"), r" \1 "),
    (re.compile(r"(?<![a-z])per(?![a-z])"), "/"),
    (re.compile(r"(?<![a-z])mcg(?![a-z])"), "ug"),
    (re.compile(r"μ"), "u"),
    (re.compile(r"gramme"), "gram"),
]
_NUMBERED_MASS = re.compile(r"(?<![\w.*])(\d+(?:[.,]\d+)?)\s*(kg|g)(?![a-z])")
_NUMBERED_MASS_UNITS = {("1", "kg"): "kg", ("1", "g"): "g", ("1000", "g"): "kg", ("100", "g"): "hg"}
_EXPONENT = re.compile(r"(?<=[a-z])\s*(?:\^|\*\*)?\s*(-\s*)?(\d+)(?![\d.])")
_DIVIDED_BY_NEGATIVE_POWER = re.compile(r"/\s*[a-z]+\*\*-")
_PINT_CHARACTERS = re.compile(r"[a-z_*/()\s\d-]+")


class UnitNotRead(ValueError):
    """No unit could be read in the text at all (as against a unit of another kind than a mass fraction)."""


@dataclass(frozen=True)
class UnitReading:
    """What a unit spelling means: the mass fraction, its factor to mg/kg and the basis it states."""

    expression: str
    factor_to_mg_kg: Decimal
    basis: str
    explanation: str


@lru_cache(maxsize=4096)
def unit_basis(text: str) -> str:
    """The basis the words of a unit spelling state: "dry", "fresh", or "" when none or both are stated.

    Table matches use it too: the alias table says which unit "mg/kg TS" is, this says it is per dry matter.
    """
    if not isinstance(text, str):
        return ""
    folded = _fold(text)
    found = {basis for basis, regex in _BASIS_REGEXES.items() if regex.search(folded)}
    return found.pop() if len(found) == 1 else ""


def read_unit(text: str) -> UnitReading:
    """Read a mass-fraction unit however it is written ("µg g-1 DW", "mg/kg Trockenmasse", "% w/w").

    Raises ValueError saying why when the text is not a mass fraction per mass of soil: a concentration per
    volume or area, an activity, a toxic equivalent, an ambiguous or unreadable spelling.
    """
    if not isinstance(text, str):
        raise ValueError(f"a unit is written as text, not as {type(text).__name__}")
    if not text.strip():
        raise UnitNotRead(_("no unit given"))
    if len(text) > MAX_UNIT_LENGTH:
        raise ValueError(
            ngettext(
                "a unit of more than %(limit)s character is not read: %(start)s…",
                "a unit of more than %(limit)s characters is not read: %(start)s…",
                MAX_UNIT_LENGTH,
            )
            % {"limit": MAX_UNIT_LENGTH, "start": repr(text[:MAX_UNIT_LENGTH])}
        )
    # The explanation is in the active language: cached per language.
    return _read_unit(text.strip(), get_language())


@lru_cache(maxsize=4096)
def _read_unit(text: str, language: str | None = None) -> UnitReading:
    if re.search(r"(?<![A-Za-z])Mg(?![A-Za-z])", text):
        raise ValueError(
            _('"Mg" in %(text)s is a megagram (or magnesium); write "mg" for milligram') % {"text": repr(text)}
        )
    folded = " ".join(_fold(text).translate(_DASHES).split())
    for regex, reason in _REFUSALS:
        if regex.search(folded):
            raise ValueError(_("%(text)s: %(reason)s") % {"text": repr(text), "reason": reason})

    bases = set()
    for basis, regex in _BASIS_REGEXES.items():
        folded, count = regex.subn(" ", folded)
        if count:
            bases.add(basis)
    if len(bases) > 1:
        raise ValueError(_("%(text)s states both a dry and a fresh basis") % {"text": repr(text)})
    basis = bases.pop() if bases else ""
    folded = _FILLER_REGEX.sub(" ", folded)

    main, glosses = _split_glosses(re.sub(r"[,;:=]", " ", folded))
    if not main.strip():
        raise UnitNotRead(
            _('cannot read the unit "%(text)s": it has words about the basis or the soil but no unit') % {"text": text}
        )
    expression, factor = _mass_fraction(main, text)
    for gloss in glosses:
        gloss_expression, gloss_factor = _mass_fraction(gloss, text)
        if gloss_factor != factor:
            raise ValueError(
                _("%(text)s: %(unit)s and %(other)s in brackets are not the same unit")
                % {"text": repr(text), "unit": expression, "other": gloss_expression}
            )

    conversion = "" if factor == 1 else f" (= {factor:f} mg/kg)"
    explanation = f"{text}: {expression}{conversion}, {BASIS_WORDS[basis]}"
    return UnitReading(expression=expression, factor_to_mg_kg=factor, basis=basis, explanation=explanation)


def _split_glosses(text: str) -> tuple[str, list[str]]:
    """Separate "ppm (mg/kg)" into the unit and its gloss; unwrap "[mg/kg]"; keep grouping as in "mg/(100 g)"."""
    text = text.strip()
    empty = re.compile(r"[(\[{]\s*[)\]}]")
    while empty.search(text):
        text = empty.sub(" ", text).strip()
    group = re.compile(r"[(\[{]([^()\[\]{}]*)[)\]}]")
    while (whole := group.fullmatch(text)) is not None:
        text = whole.group(1).strip()
    glosses = []

    def take(match: re.Match) -> str:
        before, after = text[: match.start()].rstrip(), text[match.end() :].lstrip()
        if before.endswith(("/", "*")) or after.startswith(("*", "^", "-")):
            return f" {match.group(1)} "
        glosses.append(match.group(1))
        return " "

    return group.sub(take, text), glosses


def _mass_fraction(written: str, text: str) -> tuple[str, Decimal]:
    """The pint expression and factor of one written fraction, checked to be mass per mass."""
    cannot_read = _('cannot read the unit "%(text)s"') % {"text": text}
    expression = written
    for cyrillic, latin in _CYRILLIC_UNITS.items():
        expression = re.sub(rf"(?<![а-я]){cyrillic}(?![а-я])", latin, expression)
    for regex, replacement in _WORDS:
        expression = regex.sub(replacement, expression)
    for regex, replacement in _NAMED_UNITS:
        expression = regex.sub(replacement, expression)
    expression = re.sub(r"(?<=[a-z])\.(?=\s*[a-z])", " ", expression)
    expression = re.sub(r"-(?!\s*\d)", " ", expression)  # what is left of "mg/kg-DW" once DW is read

    def numbered_mass(match: re.Match) -> str:
        unit = _NUMBERED_MASS_UNITS.get((match.group(1), match.group(2)))
        if unit is None:
            raise UnitNotRead(
                _('cannot read the unit "%(text)s": only "100 g", "1000 g" and "1 kg" are read as a reference mass')
                % {"text": text}
            )
        return f" {unit} "

    expression = _NUMBERED_MASS.sub(numbered_mass, expression)
    expression = _EXPONENT.sub(lambda m: "**" + ("-" if m.group(1) else "") + m.group(2), expression)
    expression = " ".join(expression.split())
    if _DIVIDED_BY_NEGATIVE_POWER.search(expression):
        raise ValueError(
            _('%(text)s is ambiguous: it divides by a negative power; write "mg/kg" or "mg kg-1"')
            % {"text": repr(text)}
        )
    if not expression or not _PINT_CHARACTERS.fullmatch(expression):
        raise UnitNotRead(cannot_read)
    if any(abs(int(power)) > 3 for power in re.findall(r"\*\*(-?\d+)", expression)):
        raise UnitNotRead(cannot_read)
    if re.search(r"(?<!\*\*)(?<!\*\*-)\b\d", expression):
        raise UnitNotRead(cannot_read)

    registry = unit_registry()
    try:
        units = registry.parse_units(expression)
        written_units = [registry.parse_units(name) for name in re.findall(r"[a-z_]+", expression)]
    except Exception as exc:  # pint's parser fails in many ways on free text; each means "cannot read"
        raise UnitNotRead(cannot_read) from exc
    _check_mass_per_mass(units, written_units, text)
    pint_expression = _canonical(units, written_units, registry)
    factor = factor_to_mg_kg(pint_expression)
    if factor > 1_000_000:
        raise ValueError(
            _("%(text)s would be more than 1 kg per kg; check the case of the prefixes") % {"text": repr(text)}
        )
    return pint_expression, factor


def _check_mass_per_mass(units, written_units, text: str) -> None:
    """Refuse whatever is not mass per mass, saying what it is instead."""
    dimensions = dict(units.dimensionality)
    length = dimensions.get("[length]", 0)
    if length == -3:
        raise ValueError(
            _("%(text)s is a concentration per volume, and soil thresholds are per mass of soil") % {"text": repr(text)}
        )
    if length == -2:
        raise ValueError(
            _("%(text)s is a quantity per area, and soil thresholds are per mass of soil") % {"text": repr(text)}
        )
    if dimensions:
        raise ValueError(
            _("%(text)s is not a mass fraction (its dimension is %(dimension)s)")
            % {"text": repr(text), "dimension": units.dimensionality}
        )
    for unit in written_units:
        if dict(unit.dimensionality) not in ({}, {"[mass]": 1}):
            raise ValueError(
                _("%(text)s is a ratio of %(dimension)s, not a mass fraction")
                % {"text": repr(text), "dimension": unit.dimensionality}
            )
    powers = sorted(dict(to_units_container(units)).values())
    masses = sum(1 for unit in written_units if unit.dimensionality)
    single = {(): masses == 2 == len(written_units), (1,): masses == 0, (-1, 1): masses == 2 == len(written_units)}
    if not single.get(tuple(powers), False):
        raise ValueError(_("%(text)s is not a single mass fraction") % {"text": repr(text)})


def _canonical(units, written_units, registry) -> str:
    """The expression kept for a reading ("mg/kg", "ug/kg", "g/hg", "ppm", "percent"); factor_to_mg_kg reads it."""

    def symbol(name: str) -> str:
        return registry.get_symbol(name).replace("µ", "u")

    powers = dict(to_units_container(units))
    if not powers:  # "g/g" or "kg/kg" cancel to a plain 1
        name = next(iter(to_units_container(written_units[0])))
        return f"{symbol(name)}/{symbol(name)}"
    numerator = next(name for name, power in powers.items() if power == 1)
    denominators = [name for name, power in powers.items() if power == -1]
    if not denominators:
        return registry.get_name(numerator)
    return f"{symbol(numerator)}/{symbol(denominators[0])}"
