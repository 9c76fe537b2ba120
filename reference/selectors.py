"""Reads of reference data that several places need."""

from __future__ import annotations

from reference.cas import looks_like_cas
from reference.models import Pollutant, PollutantSynonym, Unit, UnitAlias
from reference.text import match_key, unit_key


def pollutant_match(text: str) -> Pollutant | None:
    """The pollutant a source means by `text`: a CAS number, a name or a synonym in any language."""
    text = (text or "").strip()
    if not text:
        return None
    if looks_like_cas(text):
        found = Pollutant.objects.filter(cas_rn=text).first()
        if found:
            return found
    synonym = PollutantSynonym.objects.select_related("pollutant").filter(key=match_key(text)).first()
    return synonym.pollutant if synonym else None


def unit_match(text: str) -> Unit | None:
    """The unit a source means by `text` ("mg/kg dry matter" -> mg/kg), or None."""
    alias = UnitAlias.objects.select_related("unit").filter(key=unit_key(text or "")).first()
    return alias.unit if alias else None
