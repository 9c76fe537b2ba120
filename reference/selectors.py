"""Reads of reference data that several places need."""

from __future__ import annotations

import difflib
import time
from functools import lru_cache

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


# How long a process keeps the pollutants' names in each language. A synonym saved or deleted in the
# process is seen at once (reference/apps.py); other processes see it within this time.
POLLUTANT_NAMES_SECONDS = 60


def pollutant_local_names() -> dict[tuple[int, str], str]:
    """{(pollutant id, language): name}: each pollutant's first synonym in each language, the name
    pages show (Pollutant.local_name). Read once per process and period, so a page of hundreds of
    values costs no query per row."""
    return _pollutant_local_names(int(time.monotonic() // POLLUTANT_NAMES_SECONDS))


@lru_cache(maxsize=1)
def _pollutant_local_names(period: int) -> dict[tuple[int, str], str]:
    names: dict[tuple[int, str], str] = {}
    synonyms = PollutantSynonym.objects.exclude(language="").order_by("id")
    for pollutant_id, language, name in synonyms.values_list("pollutant_id", "language", "name"):
        names.setdefault((pollutant_id, language), name)
    return names


def pollutant_local_names_forget(**signal) -> None:
    """Read the names again on next use (a synonym was saved or deleted)."""
    _pollutant_local_names.cache_clear()


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
