"""Reference data in the visitor's language.

Country names come from the CLDR territory names that Babel ships (the same names the UN and most
portals use: "Allemagne", "Corée du Sud"); English keeps the curated name in the database. The names
of regions, sub-regions and the harmonised code lists are the portal's own words, translated in its
catalogs like any other interface text (reference/names.py lists them for makemessages).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language, gettext, to_locale


@lru_cache(maxsize=32)
def _territories(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(to_locale(language)).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def country_name(iso2: str, name: str, language: str | None = None) -> str:
    """The country's name in `language` (default: the active one); `name` where CLDR has none."""
    return territory_names(language).get(iso2) or name


def territory_names(language: str | None = None) -> dict[str, str]:
    """ISO alpha-2 code -> territory name in `language` (default: the active one); empty in English."""
    language = language or get_language() or "en"
    return {} if language.split("-")[0] == "en" else _territories(language)


def synonym_language(language: str | None = None) -> str:
    """The ISO 639-1 code that pollutant synonyms carry for `language` (default: the active one):
    "zh-hans" -> "zh", "fr" -> "fr"."""
    return (language or get_language() or "en").split("-")[0].lower()


def translated_name(name: str) -> str:
    """A region, sub-region or code-list name in the active language (unchanged if not in the catalogs)."""
    return gettext(name) if name else name


def collation_key(text: str) -> str:
    """Sorts names as a reader expects: accents and case do not move a name ("Équateur" near "Espagne")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
