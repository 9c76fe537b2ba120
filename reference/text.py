"""Normalising free text (pollutant names, unit spellings, labels) for matching."""

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^\w]+|_+")


@lru_cache(maxsize=65536)
def match_key(text: str) -> str:
    """A key that ignores case, accents, spacing and punctuation.

    "Cádmio" -> "cadmio", "Chromium (VI)" -> "chromium vi", "DDT+DDE+DDD" -> "ddt dde ddd".
    Letters of other scripts (镉, カドミウム) are kept as they are.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", without_accents.casefold()).strip()


@lru_cache(maxsize=4096)
def unit_key(text: str) -> str:
    """A key for unit spellings: case, spacing and the micro sign do not matter, symbols do."""
    # NFKC and casefold turn the micro sign and the Greek mu into the same letter.
    text = unicodedata.normalize("NFKC", text).replace("·", " ")
    text = text.replace("⁻¹", "-1").replace("^-1", "-1")
    return " ".join(text.casefold().split())
