"""Reading the words sources use: pollutant names, unit spellings, land-use and tier labels.

The one matcher behind every way values arrive: the spreadsheet import, the API's writes and the
survey's form, paste and template (all through thresholds.importing). For each distinct text it
says what the text is and how that was found, in this order:

- "table": a curated table holds this exact text (pollutant synonyms and CAS numbers, unit
  aliases, label classifications, the vocabulary's whole terms) or it is a harmonised code or name;
- "rule": a rule reads it with certainty: a unit spelling parsed by pint (reference.units.read_unit),
  a CAS number written without hyphens, a name that is a known name plus its abbreviation, a sum
  whose members are listed;
- "proposal": a reading a curator must accept before it is used: a label's words found in the
  vocabulary (reference.models.LabelTerm), a name with a qualifier dropped, a new pollutant from a
  valid CAS number. It carries its reason and a confidence; values read through it are flagged;
- "none": nothing fits; the reason says why, with a suggestion where one is close.

Nothing here writes: accepted proposals are written by thresholds.services with the import.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from reference.cas import cas_check_digit
from reference.models import LabelTerm, LandUseClass, Pollutant, PollutantSynonym, Tier, Unit, UnitAlias
from reference.text import match_key, unit_key
from reference.units import UnitNotRead, read_unit, unit_basis
from thresholds.models import LabelClassification

TABLE, RULE, PROPOSAL, NONE = "table", "rule", "proposal", "none"
KINDS = ("pollutant", "unit", "land_use", "tier")

# Confidence of a proposal from a label's words: terms of one class; terms that only roughly fit it.
# Terms of two classes are not a proposal: the label names both, a curator must choose.
AGREEING_WORDS, ROUGH_FIT = 0.9, 0.7
# A term that fits its class only roughly is proposed when it is most of the label ("allotments",
# "mindre känslig markanvändning"), not when the label says much else the vocabulary does not know.
ROUGH_FIT_COVERS = 0.5
# A qualifier that does not change what is measured, and one that may (a curator should look).
PLAIN_QUALIFIER, MEANINGFUL_QUALIFIER = 0.9, 0.7
NEW_POLLUTANT = 0.8

# A qualifier after or before a pollutant's name that leaves the substance the same: dropped by a
# proposal. "(VI)", "(III)" and other bracketed words are kept: chromium (VI) is not chromium.
PLAIN_QUALIFIERS = [
    r"and (?:its|their) compounds",
    r"(?:and|\+) compounds",
    r"compounds?",
    r"\(?total\)?",
    r"\(?as [a-z]{1,2}\)?",
    r"\(?elemental\)?",
    r"\(?metallic\)?",
    r"\(?sum\)?",
]
MEANINGFUL_QUALIFIERS = [r"\(?inorganic\)?", r"\(?soluble\)?", r"\(?available\)?", r"\(?extractable\)?"]
_TRAILING_QUALIFIER = {
    confidence: re.compile(r"^(?P<name>.+?)[\s,;]+(?P<qualifier>" + "|".join(words) + r")\s*$", re.IGNORECASE)
    for confidence, words in ((PLAIN_QUALIFIER, PLAIN_QUALIFIERS), (MEANINGFUL_QUALIFIER, MEANINGFUL_QUALIFIERS))
}
_LEADING_QUALIFIER = re.compile(r"^(?P<qualifier>total|inorganic|soluble|elemental)\s+(?P<name>.+)$", re.IGNORECASE)
_BRACKETED = re.compile(r"^(?P<name>.+?)\s*[(\[](?P<inner>[^()\[\]]+)[)\]]\s*$")
_ROMAN = re.compile(r"^(?:i{1,3}|iv|v|vi{0,3}|ix|x)\+?$", re.IGNORECASE)
_CAS_DIGITS = re.compile(r"^\s*(\d{2,7})-?(\d{2})-?(\d)\s*$")
_SUM_WORDS = re.compile(
    r"^(?:sum of|sum|total of|σ|∑|somme (?:des|de)|summe (?:der|von)|suma de|soma de)\s*(?::|of)?\s*", re.IGNORECASE
)
_SUM_SEPARATORS = re.compile(r"\s*(?:\+|,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", re.IGNORECASE)
_CONGENER_LIST = re.compile(r"^(?P<family>pcb|bde|pbde)s?\s*(?P<numbers>\d+(?:\s*(?:,|\+|and|&|/)\s*\d+)+)$", re.I)
# Scripts written without spaces between words (and Arabic, whose articles and prepositions are
# joined to the word): a term may stand anywhere inside a label.
_UNSPACED = re.compile(r"[\u0600-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A term right after one of these words is negated: "non residential", "other than agricultural",
# "autres que", "nicht", "не", "นอกเหนือจาก" (Thai: other than), "غیر"/"غير" (Persian, Arabic: non-).
# "以外" (Chinese, Japanese: other than) comes after its word and is not handled.
_NEGATED = re.compile(
    r"(?:(?<!\w)(?:non|not|no|other than|except|excluding|nicht|kein|keine|ausser|sans|hors|autres? que|sin|"
    r"salvo|excepto|sem|exceto|ne|не|кроме|без)\s*|นอกเหนือจาก\s*|ยกเว้น\s*|غیر\s*|غير\s*)$"
)
# The longest text each kind is read from: the fields that keep them (ThresholdValue.pollutant_label,
# unit_label, land_use_label, tier_label) hold no more.
LONGEST_TEXT = {"pollutant": 200, "unit": 60, "land_use": 300, "tier": 300}
SUGGESTIONS_PER_FILE = 200
# A term this long or longer may be followed by more letters (inflections: Prüfwerte, сельскохозяйственного).
INFLECTED_FROM = 5


@dataclass(frozen=True)
class Reading:
    """What the matcher made of one text."""

    kind: str  # pollutant, unit, land_use or tier
    text: str
    how: str  # table, rule, proposal or none
    target_id: int | None = None
    target: str = ""  # what it was read as, for people (a class's name, a pollutant's name, a unit's code)
    target_code: str = ""  # a class's or unit's code, a pollutant's name: what a curator's change names
    reason: str = ""
    confidence: float = 0.0
    approximate: bool = False
    basis: str = ""  # units: dry, fresh or "" (not stated)
    factor: Decimal | None = None  # units: one of this unit in mg/kg
    cas: str = ""  # pollutants: the CAS number the text came with
    new_pollutant: bool = False  # a proposal of a pollutant the portal does not have yet (name + CAS)
    new_name: str = ""  # its name: the text without a CAS number or qualifier written into it
    suggestion: str = ""  # none: the closest known name
    cas_problem: bool = False  # none: it is the CAS number that is wrong
    unit_not_read: bool = False  # none: no unit could be read in the text (not a unit of another kind)

    @cached_property
    def key(self) -> str:
        """Identifies the reading among a file's: the same text (and CAS) reads the same everywhere."""
        text = unit_key(self.text) if self.kind == "unit" else match_key(self.text)
        return f"{self.kind}:{text}" + (f"|{self.cas}" if self.cas else "")

    @property
    def matched(self) -> bool:
        return self.how != NONE

    @property
    def is_proposal(self) -> bool:
        return self.how == PROPOSAL

    def describe(self) -> str:
        """e.g. 'tier label "Interventiewaarde" read as Intervention or action (the word ...)'."""
        words = {"text": self.text, "target": self.target, "reason": self.reason}
        if self.kind == "pollutant":
            return _("pollutant “%(text)s” read as %(target)s (%(reason)s)") % words
        if self.kind == "unit":
            return _("unit “%(text)s” read as %(target)s (%(reason)s)") % words
        if self.kind == "land_use":
            return _("land-use label “%(text)s” read as %(target)s (%(reason)s)") % words
        return _("tier label “%(text)s” read as %(target)s (%(reason)s)") % words


@dataclass
class _Term:
    key: str
    class_id: int
    term: str
    language: str
    approximate: bool
    note: str


@dataclass
class Matcher:
    """Everything texts are matched against, read once (a few queries); readings cached per text
    and language (a reading's reason is a sentence in the language active when it was read)."""

    _cache: dict = field(default_factory=dict)
    _suggestions_left: int = SUGGESTIONS_PER_FILE

    def __post_init__(self):
        self.pollutant_by_key = dict(PollutantSynonym.objects.values_list("key", "pollutant_id"))
        self.pollutant_by_cas = dict(Pollutant.objects.exclude(cas_rn="").values_list("cas_rn", "id"))
        self.pollutant_names = dict(Pollutant.objects.values_list("id", "name"))
        self.pollutant_by_name = {name: pk for pk, name in self.pollutant_names.items()}
        self.metals = set(Pollutant.objects.filter(group=Pollutant.Group.METAL).values_list("id", flat=True))
        self.synonym_names = list(PollutantSynonym.objects.values_list("name", flat=True))
        members: dict[int, set] = {}
        for sum_id, member_id in Pollutant.members.through.objects.values_list("from_pollutant_id", "to_pollutant_id"):
            members.setdefault(sum_id, set()).add(member_id)
        self.sums: dict[frozenset, int] = {frozenset(ids): sum_id for sum_id, ids in members.items()}
        self.units = {unit.id: unit for unit in Unit.objects.all()}
        self.unit_by_alias = dict(UnitAlias.objects.values_list("key", "unit_id"))
        self.unit_by_code = {unit.code: unit for unit in self.units.values()}
        self.classes = {
            "land_use": {item.id: item for item in LandUseClass.objects.all()},
            "tier": {item.id: item for item in Tier.objects.all()},
        }
        self._codes = {
            kind: [item.code for item in sorted(classes.values(), key=lambda item: (item.sort_order, item.code))]
            for kind, classes in self.classes.items()
        }
        self.class_by_word: dict[str, dict[str, int]] = {}
        for kind, classes in self.classes.items():
            found = {}
            for item in classes.values():
                found[match_key(item.code)] = item.id
                found[match_key(item.name)] = item.id
            self.class_by_word[kind] = found
        self.labels: dict[tuple[str, str], LabelClassification] = {
            (item.kind, item.key): item for item in LabelClassification.objects.all()
        }
        self.terms: dict[str, dict[str, _Term]] = {"land_use": {}, "tier": {}}
        for term in LabelTerm.objects.all():
            class_id = term.land_use_id if term.kind == LabelTerm.Kind.LAND_USE else term.tier_id
            self.terms[term.kind][term.key] = _Term(
                term.key, class_id, term.term, term.language, term.approximate, term.note
            )
        # The curated table's labels of two words or more are terms too: "Commercial / industrial outdoor
        # worker" holds the curated "commercial/industrial".
        for (kind, key), item in self.labels.items():
            if " " in key and key not in self.terms[kind]:
                self.terms[kind][key] = _Term(
                    key, item.land_use_id or item.tier_id, item.label, "curated table", item.approximate, item.note
                )
        self.term_patterns = {kind: _terms_pattern(terms) for kind, terms in self.terms.items()}

    def codes(self, kind: str) -> list[str]:
        """The harmonised codes of land uses or tiers, in their order."""
        return self._codes[kind]

    def target_for_change(self, reading: Reading, change: str) -> tuple[int | None, str, str] | None:
        """(id, name, code) a curator's change of a proposal names, or None when it names nothing the
        reading may become: a class of the same kind, a unit, a pollutant, or "new" for a new pollutant."""
        change = change.strip()
        if reading.kind in ("land_use", "tier"):
            class_id = self.class_by_word[reading.kind].get(match_key(change))
            if class_id is None:
                return None
            item = self.classes[reading.kind][class_id]
            return item.id, item.name, item.code
        if reading.kind == "unit":
            unit = self.unit_by_code.get(change)
            return (unit.id, unit.code, unit.code) if unit else None
        if change == "new":
            return (None, reading.target, "new") if reading.new_pollutant else None
        found = self.pollutant_by_name.get(change) or self.pollutant_by_key.get(match_key(change))
        return (found, self.pollutant_names[found], self.pollutant_names[found]) if found else None

    # ---- the four kinds -----------------------------------------------------------------------

    def read(self, kind: str, text: str, cas: str = "") -> Reading:
        cache_key = (kind, text, cas, get_language())
        cached = self._cache.get(cache_key)
        if cached is None:
            if len(text) > LONGEST_TEXT[kind]:
                # Longer than any field holds: not read at all, so a huge cell costs nothing here.
                longest = LONGEST_TEXT[kind]
                reason = ngettext("longer than %(limit)s character", "longer than %(limit)s characters", longest) % {
                    "limit": longest
                }
                cached = Reading(kind, text, NONE, reason=reason, cas=cas)
            elif kind == "pollutant":
                cached = self._pollutant(text, cas)
            elif kind == "unit":
                cached = self._unit(text)
            else:
                cached = self._label(kind, text)
            self._cache[cache_key] = cached
        return cached

    def pollutant(self, text: str, cas: str = "") -> Reading:
        return self.read("pollutant", text.strip(), (normalised_cas(cas) or cas.strip()) if cas else "")

    def unit(self, text: str) -> Reading:
        return self.read("unit", text.strip())

    def label(self, kind: str, text: str) -> Reading:
        return self.read(kind, text.strip())

    # ---- pollutants ---------------------------------------------------------------------------

    def _pollutant_reading(self, text: str, cas: str, pk: int, how: str, reason: str, confidence: float) -> Reading:
        name = self.pollutant_names[pk]
        return Reading("pollutant", text, how, pk, name, name, reason, confidence, cas=cas)

    def _known_name(self, text: str) -> int | None:
        """A pollutant by one of its names, or by a CAS number written as its name."""
        found = self.pollutant_by_key.get(match_key(text))
        if found is None and (cas := normalised_cas(text)):
            found = self.pollutant_by_cas.get(cas)
        return found

    def _pollutant(self, text: str, cas: str) -> Reading:
        if cas and not valid_cas(cas):
            return Reading("pollutant", text, NONE, reason=_cas_problem(cas), cas=cas, cas_problem=True)
        by_cas = self.pollutant_by_cas.get(cas) if cas else None
        if text and (found := self._known_name(text)) is not None:
            how = TABLE if match_key(text) in self.pollutant_by_key or text.strip() == cas else RULE
            if by_cas is not None and by_cas != found:
                return Reading(
                    "pollutant",
                    text,
                    NONE,
                    reason=_("cas %(cas)s is %(by_cas)s, but pollutant %(text)s is %(by_name)s: correct one of them")
                    % {
                        "cas": cas,
                        "by_cas": self.pollutant_names[by_cas],
                        "text": repr(text),
                        "by_name": self.pollutant_names[found],
                    },
                    cas=cas,
                    cas_problem=True,
                )
            reason = _("a known name") if how == TABLE else _("a CAS number given as the name")
            return self._pollutant_reading(text, cas, found, how, reason, 1.0)
        if by_cas is not None and not text:
            return self._pollutant_reading(text, cas, by_cas, TABLE, f"CAS {cas}", 1.0)
        if by_cas is not None:
            # The CAS number is certain; the name is new (another language, or a typing error): proposed.
            reason = _("its CAS number %(cas)s; the name “%(text)s” is new to the portal") % {"cas": cas, "text": text}
            return self._pollutant_reading(text, cas, by_cas, PROPOSAL, reason, PLAIN_QUALIFIER)
        if text:
            for reading in (self._by_abbreviation(text, cas), self._by_sum(text, cas), self._by_qualifier(text, cas)):
                if reading is not None:
                    return reading
        if cas and text and valid_cas(cas):
            return Reading(
                "pollutant",
                text,
                PROPOSAL,
                None,
                _("a new pollutant “%(name)s”, CAS %(cas)s") % {"name": _bare_name(text), "cas": cas},
                "new",
                _("no pollutant has CAS %(cas)s or this name; the CAS check digit is right") % {"cas": cas},
                NEW_POLLUTANT,
                cas=cas,
                new_pollutant=True,
                new_name=_bare_name(text),
            )
        suggestion = []
        if text and self._suggestions_left > 0:
            # A did-you-mean costs about a millisecond against a thousand names: given for the first
            # unknown names of a file, which is where a person reads them.
            self._suggestions_left -= 1
            suggestion = difflib.get_close_matches(text, self.synonym_names, n=1, cutoff=0.75)
        return Reading(
            "pollutant",
            text,
            NONE,
            reason=_("no pollutant has this name or CAS %(cas)s") % {"cas": cas}
            if cas
            else _("no pollutant has this name"),
            cas=cas,
            suggestion=suggestion[0] if suggestion else "",
        )

    def _by_abbreviation(self, text: str, cas: str) -> Reading | None:
        """ "Benzo(a)pyrene (BaP)", "Lindane (γ-HCH)": a known name followed by another name or its
        abbreviation in brackets. Both known and the same: a rule; an unknown abbreviation whose
        letters are the name's initials: a proposal. "Chromium (VI)" never loses its "(VI)"."""
        match = _BRACKETED.match(text)
        if not match:
            return None
        name, inner = match.group("name").strip(), match.group("inner").strip()
        outer_id, inner_id = self._known_name(name), self._known_name(inner)
        if outer_id is not None and outer_id == inner_id:
            reason = _("“%(name)s” and “%(other)s” both name it") % {"name": name, "other": inner}
            return self._pollutant_reading(text, cas, outer_id, RULE, reason, 1.0)
        if outer_id is None and inner_id is not None and _is_abbreviation(name, self.pollutant_names[inner_id]):
            reason = _("“%(short)s” taken as the abbreviation of “%(name)s”") % {"short": name, "name": inner}
            return self._pollutant_reading(text, cas, inner_id, PROPOSAL, reason, PLAIN_QUALIFIER)
        if outer_id is not None and inner_id is None and not _ROMAN.match(inner) and _is_abbreviation(inner, name):
            reason = _("“%(short)s” taken as the abbreviation of “%(name)s”") % {"short": inner, "name": name}
            return self._pollutant_reading(text, cas, outer_id, PROPOSAL, reason, PLAIN_QUALIFIER)
        return None

    def _by_sum(self, text: str, cas: str) -> Reading | None:
        """A sum written out by its members ("DDT + DDD + DDE", "sum of PCB 28, 52, 101, 138, 153, 180"):
        the sum parameter with exactly these members, or nothing."""
        body = _SUM_WORDS.sub("", text.strip()).strip(" ()")
        congeners = _CONGENER_LIST.match(body)
        if congeners:
            family = congeners.group("family").upper().rstrip("S")
            parts = [f"{family} {number}" for number in re.findall(r"\d+", congeners.group("numbers"))]
        else:
            parts = [part.strip(" ()") for part in _SUM_SEPARATORS.split(body) if part.strip(" ()")]
        if len(parts) < 2:
            return None
        member_ids = [self._known_name(part) for part in parts]
        if None in member_ids:
            return None
        sum_id = self.sums.get(frozenset(member_ids))
        if sum_id is None:
            return None
        names = ", ".join(self.pollutant_names[pk] for pk in member_ids)
        return self._pollutant_reading(
            text, cas, sum_id, RULE, _("the sum of exactly %(names)s") % {"names": names}, 1.0
        )

    def _by_qualifier(self, text: str, cas: str) -> Reading | None:
        """ "Arsenic and its compounds", "Lead (total)", "inorganic mercury": a metal's name with a word
        about its form dropped. Only for metals, whose values the portal holds as the element's content;
        elsewhere the word changes the substance (total cyanide is not free cyanide)."""
        for confidence, pattern in _TRAILING_QUALIFIER.items():
            match = pattern.match(text)
            if match and (found := self._known_name(match.group("name"))) in self.metals:
                return self._qualified(text, cas, found, match.group("qualifier"), confidence)
        match = _LEADING_QUALIFIER.match(text)
        if match and (found := self._known_name(match.group("name"))) in self.metals:
            qualifier = match.group("qualifier")
            confidence = PLAIN_QUALIFIER if qualifier.lower() in ("total", "elemental") else MEANINGFUL_QUALIFIER
            return self._qualified(text, cas, found, qualifier, confidence)
        return None

    def _qualified(self, text, cas, found, qualifier, confidence) -> Reading:
        qualifier = qualifier.strip("() ")
        if confidence < PLAIN_QUALIFIER:
            reason = _("“%(qualifier)s” dropped; check that the value is of %(name)s as the portal holds it") % {
                "qualifier": qualifier,
                "name": self.pollutant_names[found],
            }
        else:
            reason = _("“%(qualifier)s” dropped") % {"qualifier": qualifier}
        return self._pollutant_reading(text, cas, found, PROPOSAL, reason, confidence)

    # ---- units ----------------------------------------------------------------------------------

    def _unit(self, text: str) -> Reading:
        if not text:
            return Reading("unit", text, NONE, reason=_("no unit given"), unit_not_read=True)
        basis = unit_basis(text)
        unit_id = self.unit_by_alias.get(unit_key(text))
        if unit_id is not None:
            unit = self.units[unit_id]
            return Reading(
                "unit", text, TABLE, unit.id, unit.code, unit.code, _("a known spelling"), 1.0,
                basis=basis, factor=unit.factor_to_mg_kg,
            )  # fmt: skip
        try:
            reading = read_unit(text)
        except ValueError as exc:
            return Reading("unit", text, NONE, reason=str(exc), unit_not_read=isinstance(exc, UnitNotRead))
        unit = self._unit_with_factor(reading.expression, reading.factor_to_mg_kg)
        if unit is None:
            return Reading(
                "unit",
                text,
                NONE,
                reason=_(
                    "a mass fraction (%(explanation)s) that no unit of the portal has (1 = %(factor)s mg/kg); "
                    "a curator can add the unit"
                )
                % {"explanation": reading.explanation, "factor": f"{reading.factor_to_mg_kg.normalize():f}"},
            )
        return Reading(
            "unit", text, RULE, unit.id, unit.code, unit.code,
            _("read by the units library: %(explanation)s") % {"explanation": reading.explanation},
            1.0, basis=reading.basis, factor=unit.factor_to_mg_kg,
        )  # fmt: skip

    def _unit_with_factor(self, expression: str, factor: Decimal) -> Unit | None:
        """The portal's mass-fraction unit for this factor: the one of the same spelling first (ppm
        and mg/kg are the same factor; a source that writes ppm keeps ppm)."""
        candidates = [
            unit
            for unit in self.units.values()
            if unit.kind == Unit.Kind.MASS_FRACTION and unit.factor_to_mg_kg is not None
            and unit.factor_to_mg_kg.normalize() == factor.normalize()
        ]  # fmt: skip
        for unit in candidates:
            if unit.pint_expression == expression or unit.code == expression:
                return unit
        return min(candidates, key=lambda unit: unit.code.startswith("pp"), default=None)

    # ---- land-use and tier labels -----------------------------------------------------------------

    def _class_reading(self, kind, text, class_id, how, reason, confidence, approximate=False) -> Reading:
        target = self.classes[kind][class_id]
        return Reading(kind, text, how, class_id, target.name, target.code, reason, confidence, approximate)

    def _label(self, kind: str, text: str) -> Reading:
        key = match_key(text)
        if not key:
            return Reading(kind, text, NONE, reason=_("no words to read"))
        classification = self.labels.get((kind, key))
        if classification is not None:
            class_id = classification.land_use_id or classification.tier_id
            if classification.approximate and classification.note:
                reason = _("the curated label table (approximately: %(note)s)") % {"note": classification.note}
            else:
                reason = _("the curated label table")
            return self._class_reading(kind, text, class_id, TABLE, reason, 1.0, classification.approximate)
        if (class_id := self.class_by_word[kind].get(key)) is not None:
            return self._class_reading(kind, text, class_id, TABLE, _("a harmonised code or name"), 1.0)
        term = self.terms[kind].get(key)
        if term is not None:
            words = {"language": term.language, "term": term.term, "note": term.note}
            if term.approximate:
                reason = _("the %(language)s term “%(term)s” (approximately: %(note)s)") % words
            else:
                reason = _("the %(language)s term “%(term)s”") % words
            return self._class_reading(kind, text, term.class_id, TABLE, reason, 1.0, term.approximate)
        hits = self._terms_in(kind, key)
        if not hits:
            return Reading(kind, text, NONE, reason=_("none of its words is in the vocabulary"))
        classes = list(dict.fromkeys(hit.class_id for hit in hits))
        words = ", ".join(f"“{hit.term}” ({hit.language})" for hit in hits[:4])
        if len(classes) > 1:
            names = " and ".join(self.classes[kind][pk].name for pk in classes)
            reason = _("its words %(words)s name more than one class (%(names)s)") % {"words": words, "names": names}
            return Reading(kind, text, NONE, reason=reason)
        approximate = all(hit.approximate for hit in hits)
        if approximate and _coverage(hits, key) < ROUGH_FIT_COVERS:
            return Reading(
                kind,
                text,
                NONE,
                reason=ngettext(
                    "only %(words)s, which fits its class roughly, and words the vocabulary does not know",
                    "only %(words)s, which fit its class roughly, and words the vocabulary does not know",
                    len(hits),
                )
                % {"words": words},
            )
        reason = ngettext("the word %(words)s", "the words %(words)s", len(hits)) % {"words": words}
        if approximate:
            notes = "; ".join(dict.fromkeys(hit.note for hit in hits if hit.approximate and hit.note))
            if notes:
                reason = _("%(reason)s, a rough fit: %(notes)s") % {"reason": reason, "notes": notes}
            else:
                reason = _("%(reason)s, a rough fit") % {"reason": reason}
        confidence = ROUGH_FIT if approximate else AGREEING_WORDS
        return self._class_reading(kind, text, classes[0], PROPOSAL, reason, confidence, approximate)

    def _terms_in(self, kind: str, key: str) -> list[_Term]:
        """The vocabulary's terms in a label's key, in order, leaving out those it negates
        ("non-residential", "other than agricultural")."""
        pattern = self.term_patterns[kind]
        if pattern is None:
            return []
        return [
            self.terms[kind][match.group(0)]
            for match in pattern.finditer(key)
            if match.group(0) in self.terms[kind] and not _NEGATED.search(key[: match.start()])
        ]


def _terms_pattern(terms: dict[str, _Term]) -> re.Pattern | None:
    """One expression finding every term in a label's key, longest first where they start alike. A
    term starts at a word's start and, if short, ends at a word's end; in unspaced scripts anywhere."""
    if not terms:
        return None
    parts = []
    for key in sorted(terms, key=len, reverse=True):
        escaped = re.escape(key)
        if _UNSPACED.search(key):
            parts.append(escaped)
        elif len(key) >= INFLECTED_FROM:
            parts.append(rf"(?<!\w){escaped}")
        else:
            parts.append(rf"(?<!\w){escaped}(?!\w)")
    return re.compile("|".join(parts))


def _coverage(hits: list[_Term], key: str) -> float:
    """The share of a label's letters that its vocabulary terms account for."""
    letters = len(key.replace(" ", ""))
    return sum(len(hit.key.replace(" ", "")) for hit in hits) / letters if letters else 0.0


def _bare_name(text: str) -> str:
    """A new pollutant's name: the text without a trailing CAS number or qualifier."""
    text = re.sub(r"\s*[(\[]?\s*(?:CAS\s*(?:RN|No\.?)?\s*:?\s*)?\d{2,7}-\d{2}-\d\s*[)\]]?\s*$", "", text.strip())
    return unicodedata.normalize("NFC", text).strip(" ,;") or text


def _is_abbreviation(short: str, name: str) -> bool:
    """ "BaP" for "Benzo(a)pyrene", "PCP" for "Pentachlorophenol": 2-10 letters, mostly capitals,
    starting with the name's first letter and found in the name in order."""
    letters = [ch for ch in short if ch.isalnum()]
    if not 2 <= len(letters) <= 10 or sum(ch.isupper() for ch in letters) < 2:
        return False
    name_letters = [ch for ch in match_key(name) if ch.isalnum()]
    if not name_letters or letters[0].casefold() != name_letters[0]:
        return False
    position = 0
    for letter in (ch.casefold() for ch in letters):
        try:
            position = name_letters.index(letter, position) + 1
        except ValueError:
            return False
    return True


def normalised_cas(text: str) -> str:
    """ "7440439" or "7440-43-9" -> "7440-43-9"; "" for anything that is not CAS-shaped."""
    match = _CAS_DIGITS.match(text or "")
    return "-".join(match.groups()) if match else ""


def valid_cas(cas: str) -> bool:
    match = _CAS_DIGITS.match(cas or "")
    return bool(match) and cas_check_digit(match.group(1) + match.group(2)) == int(match.group(3))


def _cas_problem(cas: str) -> str:
    match = _CAS_DIGITS.match(cas)
    if not match:
        return _("“%(cas)s” is not a CAS number (digits like 7440-43-9)") % {"cas": cas}
    expected = cas_check_digit(match.group(1) + match.group(2))
    return _("CAS %(cas)s has a wrong check digit (%(given)s, expected %(expected)s): check it against the source") % {
        "cas": cas,
        "given": match.group(3),
        "expected": expected,
    }
