"""Reads of reference data that several places need."""

from __future__ import annotations

import difflib

from django.db import connection
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


# A suggestion reads at most this much of what was typed: enough for any name, cheap for anyone.
SUGGESTION_TEXT_LIMIT = 100


def pollutant_suggestions(text: str, *, limit: int = 3) -> list[str]:
    """The known pollutant names closest to `text` (a typo, another spelling), best first, for a
    "did you mean". PostgreSQL: trigram similarity over the synonyms; elsewhere difflib."""
    text = (text or "").strip()[:SUGGESTION_TEXT_LIMIT]
    if not text:
        return []
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        close = (
            PollutantSynonym.objects.annotate(similarity=TrigramSimilarity("name", text))
            .filter(similarity__gte=0.3)
            .order_by("-similarity", "name")
            .values_list("pollutant__name", flat=True)[: limit * 4]
        )
        names = list(close)
    else:
        synonyms = dict(PollutantSynonym.objects.values_list("name", "pollutant__name"))
        names = [synonyms[name] for name in difflib.get_close_matches(text, list(synonyms), n=limit * 4, cutoff=0.6)]
    return list(dict.fromkeys(names))[:limit]


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
