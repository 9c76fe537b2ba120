"""Reads of reference data that several places need."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from reference.cas import looks_like_cas
from reference.localisation import collation_key, territory_names
from reference.models import Country, Pollutant, PollutantSynonym, Unit, UnitAlias
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


def countries_matching_text(text: str) -> QuerySet[Country]:
    """Countries whose name (in English or the visitor's language) or official name contains `text`,
    or whose ISO3 code it is: "Allemagne" finds Germany for a French visitor, accents optional."""
    wanted = collation_key(text)
    local = [iso2 for iso2, name in territory_names().items() if wanted and wanted in collation_key(name)]
    return Country.objects.filter(
        Q(name__icontains=text) | Q(official_name__icontains=text) | Q(iso3__iexact=text) | Q(iso2__in=local)
    ).order_by("name")
