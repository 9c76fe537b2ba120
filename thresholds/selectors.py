"""Reads of threshold data that more than one place needs."""

import hashlib
import re
import time
from collections import defaultdict
from functools import lru_cache, reduce
from operator import or_

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from core.conditional import last_changed
from core.roles import sees_value_drafts as user_sees_drafts  # the pages ask it too
from reference.models import Country, ExtractionMethod, LandUseClass, Pollutant, PollutantSynonym, Tier
from sops.models import Sop, SopVersion
from thresholds.models import LegalInstrument, ThresholdValue

# Everything a threshold, instrument or country response shows (a value links to the SOPs that
# measure it); the history tables also see deletions.
DATA_CHANGES = (
    (ThresholdValue, "updated_at"),
    (ThresholdValue.history.model, "history_date"),
    (LegalInstrument, "updated_at"),
    (LegalInstrument.history.model, "history_date"),
    (Country, "updated_at"),
    (Pollutant, "updated_at"),
    (LandUseClass, "updated_at"),
    (Tier, "updated_at"),
    (ExtractionMethod, "updated_at"),
    (Sop.history.model, "history_date"),
    (SopVersion.history.model, "history_date"),
)

_PUBLISHED = ThresholdValue.Status.PUBLISHED
_PUBLIC_SOP_VERSIONS = Q(status__in=[SopVersion.Status.PUBLISHED, SopVersion.Status.SUPERSEDED])
# The same, seen by visitors who read only published data: drafts being written, imported or changed
# move nothing (their Last-Modified and the pages kept for them stay put). A value counts while it
# is published, and its history rows once it was published or withdrawn (a withdrawal or deletion
# of a published value); an instrument or SOP while it has something public.
PUBLIC_DATA_CHANGES = (
    (ThresholdValue, "updated_at", Q(status=_PUBLISHED)),
    (ThresholdValue.history.model, "history_date", ~Q(status=ThresholdValue.Status.DRAFT)),
    # EXISTS, not a join: a join reads every value of every instrument (250 ms at a million values).
    (
        LegalInstrument,
        "updated_at",
        Q(Exists(ThresholdValue.objects.filter(instrument=OuterRef("pk"), status=_PUBLISHED))),
    ),
    (
        LegalInstrument.history.model,
        "history_date",
        Q(id__in=ThresholdValue.objects.filter(status=_PUBLISHED).values("instrument_id")),
    ),
    *DATA_CHANGES[4:9],
    (Sop.history.model, "history_date", Q(id__in=SopVersion.objects.filter(_PUBLIC_SOP_VERSIONS).values("sop_id"))),
    (SopVersion.history.model, "history_date", _PUBLIC_SOP_VERSIONS),
)


def data_changes_seen_by(user) -> tuple:
    """DATA_CHANGES for those who see drafts, PUBLIC_DATA_CHANGES for everyone else."""
    return DATA_CHANGES if user_sees_drafts(user) else PUBLIC_DATA_CHANGES


# What is read once and kept under the time the data last changed (`last_changed(DATA_CHANGES)`) is
# also kept at most this long: two writes committing out of timestamp order could leave it behind.
CHANGE_STAMP_SECONDS = 300


def thresholds_visible_to(user) -> QuerySet[ThresholdValue]:
    """The values a user may read (ThresholdValueQuerySet.visible_to), with everything their
    representation needs in one query."""
    return ThresholdValue.objects.visible_to(user).select_related(
        "instrument__country", "pollutant", "land_use", "tier", "extraction", "from_survey__edition"
    )


def instruments_readable_by(user) -> QuerySet[LegalInstrument]:
    """The instruments `user` may know of, title included (LegalInstrumentQuerySet.visible_to)."""
    return LegalInstrument.objects.visible_to(user)


def values_held_by(country: Country) -> QuerySet[ThresholdValue]:
    """What the database says `country` holds today: its public values of instruments still in force
    or being drafted, benchmark data left out. The survey pre-fills a response with these and its
    review lists those a response no longer reports."""
    return ThresholdValue.objects.public().current().of_country(country).exclude(instrument__is_synthetic=True)


def instruments_held_by(country: Country) -> QuerySet[LegalInstrument]:
    """The instruments of values_held_by(country), by construction the same ones."""
    return LegalInstrument.objects.filter(id__in=values_held_by(country).values("instrument_id"))


def instruments_visible_to(user) -> QuerySet[LegalInstrument]:
    """Instruments a user may read, each with how many of its values they may read, and what it
    supersedes only when they may read that too (else None)."""
    visible = Q() if user_sees_drafts(user) else Q(values__status=_PUBLISHED)  # the instruments are public()
    return (
        instruments_readable_by(user)
        .select_related("country")
        .prefetch_related(Prefetch("supersedes", queryset=instruments_readable_by(user)))
        .annotate(value_count=Count("values", filter=visible))
    )


def country_coverage(*, country_ids: list[int], user, current: bool = True) -> dict[int, dict]:
    """For each country: how many instruments and readable values it has, per pollutant group; only
    of instruments in force (or in draft) when `current`, as the public pages show by default.

    Counted for every country at once (two queries over the values table) and cached until the
    data next changes, so a list of countries costs a cache read on a large database.
    """
    scope = "all" if user_sees_drafts(user) else "public"
    coverage = kept_until_changed(
        f"thresholds:coverage:{scope}:{'current' if current else 'all'}",
        lambda: _coverage_of_every_country(user, current=current),
        stamp=last_changed(DATA_CHANGES),
    )
    return {country_id: coverage[country_id] for country_id in country_ids if country_id in coverage}


def empty_coverage() -> dict:
    """A country's coverage (country_coverage) when it has no values at all."""
    return {"instruments": 0, "values": 0, "values_by_group": {}, "national_values": 0, "supranational_values": 0}


def _coverage_of_every_country(user, *, current: bool) -> dict[int, dict]:
    """Per country: its own instruments and values (`values`, per group in `values_by_group`), how many
    of them are national (of instruments with no sub-national jurisdiction), and apart from them the
    values of the supranational bodies it belongs to (`supranational_values`, e.g. the EU's for its
    member states): a body's values are its own once, never added to its members' own counts."""
    values = thresholds_visible_to(user)
    if current:
        values = values.current()
    coverage: dict[int, dict] = defaultdict(empty_coverage)
    for row in values.values("instrument__country_id").annotate(instruments=Count("instrument", distinct=True)):
        coverage[row["instrument__country_id"]]["instruments"] = row["instruments"]
    national = Count("id", filter=Q(instrument__jurisdiction=""))
    by_group = values.values("instrument__country_id", "pollutant__group")
    for row in by_group.annotate(count=Count("id"), national=national).order_by():
        entry = coverage[row["instrument__country_id"]]
        entry["values_by_group"][row["pollutant__group"]] = row["count"]
        entry["values"] += row["count"]
        entry["national_values"] += row["national"]
    bodies = {country_id: entry["values"] for country_id, entry in coverage.items() if entry["values"]}
    memberships = Country.member_of.through.objects.filter(to_country_id__in=list(bodies))
    for member_id, body_id in memberships.values_list("from_country_id", "to_country_id"):
        coverage[member_id]["supranational_values"] += bodies[body_id]
    return dict(coverage)


def kept_until_changed(key: str, compute, *, stamp, seconds: int = CHANGE_STAMP_SECONDS):
    """compute(), kept in Django's cache under `key` and the time the data last changed (`stamp`, from
    last_changed(DATA_CHANGES)), for at most `seconds` (0: not kept) and CHANGE_STAMP_SECONDS: counts
    over a million values and pages of the API are read once per change instead of once per visit."""
    if not seconds:
        return compute()
    digest = hashlib.blake2b(f"{key}|{stamp.isoformat() if stamp else 'empty'}".encode(), digest_size=16)
    cache_key = f"thresholds:kept:{digest.hexdigest()}"
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, min(seconds, CHANGE_STAMP_SECONDS))
    return value


def counts_by(values: QuerySet[ThresholdValue], field: str, *, user, selection: str = "", stamp) -> dict:
    """How many of `values` (the values `user` may read, filtered as `selection` says: the page's
    query) there are per `field`, kept until the data changes."""
    scope = "all" if user_sees_drafts(user) else "public"
    return kept_until_changed(
        f"thresholds:counts:{scope}:{field}:{selection}",
        lambda: dict(values.order_by().values_list(field).annotate(count=Count("id"))),
        stamp=stamp,
    )


def list_lookups(stamp) -> dict:
    """What a list shows without joining more tables or running subqueries per row: {id: code} of the
    land-use classes ("land_use"), tiers ("tier") and extraction methods ("extraction"), and how to
    measure ("sops": sops.selectors.measuring_sops). Kept per process under the data's last change
    `stamp` (DATA_CHANGES covers all of them)."""
    return _list_lookups(stamp, int(time.monotonic() // CHANGE_STAMP_SECONDS))


@lru_cache(maxsize=4)
def _list_lookups(stamp, period: int) -> dict:
    from sops.selectors import measuring_sops

    return {
        "land_use": dict(LandUseClass.objects.values_list("id", "code")),
        "tier": dict(Tier.objects.values_list("id", "code")),
        "extraction": dict(ExtractionMethod.objects.values_list("id", "code")),
        "sops": measuring_sops(),
    }


# A search is a few words ("cadmium BBodSchV"); each costs a few lookups in the small pollutant and
# instrument tables. Past these limits a request is refused (400) before any query runs.
MAX_SEARCH_WORDS = 10
MAX_SEARCH_CHARACTERS = 300


class SearchTooLong(ValueError):
    """The search text has more words or characters than a search needs; the message says the limit."""


def search_words(text: str) -> list[str]:
    """The distinct words of a search (case-insensitively), or SearchTooLong past the limits: at most
    MAX_SEARCH_WORDS different words of MAX_SEARCH_CHARACTERS in all (a word repeated counts once)."""
    words = list({word.casefold(): word for word in reversed((text or "").split())}.values())[::-1]
    if len(words) > MAX_SEARCH_WORDS:
        raise SearchTooLong(
            f"The search has {len(words):,} different words; search for at most {MAX_SEARCH_WORDS} words."
        )
    characters = len(" ".join(words))
    if characters > MAX_SEARCH_CHARACTERS:
        raise SearchTooLong(
            f"The search's words are {characters:,} characters long; search for at most {MAX_SEARCH_CHARACTERS} "
            "characters (a few words)."
        )
    return words


def thresholds_matching_text(values: QuerySet[ThresholdValue], text: str) -> QuerySet[ThresholdValue]:
    """Values whose pollutant (name, synonym in any language, CAS) or instrument (title, short name)
    matches every word of `text` (SearchTooLong past the limits of search_words).

    The words are first looked up in the small pollutant and instrument tables (PostgreSQL: trigram
    similarity for names, so "cadmum" finds Cadmium, and full text for titles; elsewhere a plain
    case-insensitive lookup); the values are then filtered by the ids that satisfy every word at once,
    one IN per table, never one filter per word (PostgreSQL 15 plans many IN lists on one column in a
    loop that no timeout interrupts).
    """
    words = search_words(text)
    if not words:
        return values
    matches = [(set(_pollutants_matching(word)), set(_instruments_matching(word))) for word in words]
    condition = _matching_every_word(matches)
    return values.filter(condition) if condition is not None else values.none()


def _matching_every_word(matches: list[tuple[set[int], set[int]]]) -> Q | None:
    """A value matches a word through its pollutant or its instrument. Pollutants are grouped by the
    words they do not match; their values need an instrument that matches all of those words."""
    every_word = frozenset(range(len(matches)))
    words_of_pollutant: dict[int, set[int]] = defaultdict(set)
    for index, (pollutants, _) in enumerate(matches):
        for pollutant_id in pollutants:
            words_of_pollutant[pollutant_id].add(index)
    pollutants_missing: dict[frozenset[int], list[int]] = defaultdict(list)
    for pollutant_id, indexes in words_of_pollutant.items():
        pollutants_missing[every_word - indexes].append(pollutant_id)

    def instruments_matching_all(indexes: frozenset[int]) -> set[int]:
        return set.intersection(*(matches[index][1] for index in indexes))

    terms = []
    if instruments := instruments_matching_all(every_word):
        terms.append(Q(instrument_id__in=sorted(instruments)))
    for missing, pollutant_ids in pollutants_missing.items():
        if not missing:
            terms.append(Q(pollutant_id__in=sorted(pollutant_ids)))
        elif instruments := instruments_matching_all(missing):
            terms.append(Q(pollutant_id__in=sorted(pollutant_ids), instrument_id__in=sorted(instruments)))
    return reduce(or_, terms) if terms else None


TYPO_SIMILARITY = 0.45  # "cadmum" ~ "cadmium" is 0.5; "cadmium" ~ "chromium" only 0.31


# A single letter is found inside nearly every name and title: such a word matches whole words only.
SHORTEST_PART_OF_A_WORD = 2


def _whole_word(field: str, word: str) -> Q:
    return Q(**{f"{field}__iregex": rf"(^|\W){re.escape(word)}(\W|$)"})


def _pollutants_matching(word: str) -> list[int]:
    if len(word) < SHORTEST_PART_OF_A_WORD:
        synonyms = PollutantSynonym.objects.filter(name__iexact=word)
        return list({*synonyms.values_list("pollutant_id", flat=True)})
    synonyms = PollutantSynonym.objects.filter(name__icontains=word)
    if connection.vendor == "postgresql" and not synonyms.exists():
        # Nothing contains the word: perhaps a typo. Trigram similarity finds the intended name.
        from django.contrib.postgres.search import TrigramSimilarity

        synonyms = PollutantSynonym.objects.annotate(similarity=TrigramSimilarity("name", word)).filter(
            similarity__gte=TYPO_SIMILARITY
        )
    by_cas = Pollutant.objects.filter(cas_rn=word).values_list("id", flat=True)
    return list({*synonyms.values_list("pollutant_id", flat=True), *by_cas})


def _instruments_matching(word: str) -> list[int]:
    if len(word) < SHORTEST_PART_OF_A_WORD:
        found = _whole_word("title", word) | _whole_word("title_en", word) | _whole_word("short_name", word)
        return list(LegalInstrument.objects.filter(found).values_list("id", flat=True))
    found = Q(title__icontains=word) | Q(title_en__icontains=word) | Q(short_name__icontains=word)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("title", "title_en", "short_name", config="simple")
        matches = LegalInstrument.objects.annotate(search=vector).filter(
            Q(search=SearchQuery(word, config="simple")) | found
        )
        return list(matches.values_list("id", flat=True))
    return list(LegalInstrument.objects.filter(found).values_list("id", flat=True))


# ---- public pages ------------------------------------------------------------------------------


def countries_with_coverage(user, *, current: bool = True) -> list[Country]:
    """Every country and territory, each with its `coverage` (what `user` may see; of instruments in
    force only when `current`), in region order."""
    countries = list(Country.objects.order_by("m49_region", "name"))
    coverage = country_coverage(country_ids=[country.id for country in countries], user=user, current=current)
    for country in countries:
        country.coverage = coverage.get(country.id) or empty_coverage()
    return countries


def recent_values(user, *, limit: int = 8, current: bool = True) -> QuerySet[ThresholdValue]:
    """The values changed last (of instruments in force only when `current`, as the home page shows)."""
    values = thresholds_visible_to(user)
    return (values.current() if current else values).order_by("-updated_at", "-id")[:limit]


def country_values(country: Country, user) -> QuerySet[ThresholdValue]:
    """What a country's page shows, in one query: the country's own values and those of the
    supranational bodies it belongs to (the EU's on a member state's page), which apply there too."""
    own_or_bodies = Q(instrument__country=country) | Q(instrument__country__in=country.member_of.all())
    return thresholds_visible_to(user).filter(own_or_bodies).select_related("unit")


def instruments_with_lineage(user) -> QuerySet[LegalInstrument]:
    """Readable instruments with what they supersede and what supersedes them (readable ones only)."""
    later = instruments_readable_by(user).order_by("-year")
    return instruments_visible_to(user).prefetch_related(Prefetch("superseded_by", queryset=later))


def country_instruments(country: Country, user) -> tuple[list[LegalInstrument], list[LegalInstrument]]:
    """The instruments a country's page lists, in one query: the country's own, and apart those of
    the supranational bodies it belongs to (the EU's for a member state), which apply there too."""
    applying = Q(country=country) | Q(country__in=country.member_of.all())
    instruments = list(instruments_with_lineage(user).filter(applying).order_by("status", "-year", "title"))
    own = [instrument for instrument in instruments if instrument.country_id == country.id]
    return own, [instrument for instrument in instruments if instrument.country_id != country.id]


def pollutants_matching_text(text: str) -> QuerySet[Pollutant]:
    """Pollutants whose name, synonym (any language) or CAS number matches every word of `text`,
    with the same typo tolerance as the value search (one IN of the ids matching every word)."""
    words = search_words(text)
    if not words:
        return Pollutant.objects.all()
    return Pollutant.objects.filter(id__in=sorted(set.intersection(*(set(_pollutants_matching(w)) for w in words))))


def instruments_matching_text(text: str, user) -> QuerySet[LegalInstrument]:
    """Readable instruments whose title or short name matches every word of `text` (one IN of the ids
    matching every word)."""
    instruments = instruments_visible_to(user)
    words = search_words(text)
    if not words:
        return instruments
    return instruments.filter(id__in=sorted(set.intersection(*(set(_instruments_matching(w)) for w in words))))


def verification_counts(values: QuerySet[ThresholdValue]) -> dict[str, int]:
    """How many of `values` there are (`total`) and how many of them were checked against the official
    text (`verified`), in one query."""
    return values.order_by().aggregate(
        total=Count("id"), verified=Count("id", filter=Q(verification=ThresholdValue.Verification.VERIFIED))
    )
