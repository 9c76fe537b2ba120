"""What a comparison of one pollutant's values says besides its marks: each tier summarised on its
own (a precautionary value and an intervention value are different promises, never one median), and
"compare with care" naming what actually differs among the values shown.

Rows are values with their conditions in words (thresholds.wording.values_in_words)."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reference.text import match_key
from thresholds.filters import ANY_LAND_USE
from thresholds.models import LabelClassification, ThresholdValue
from thresholds.wording import ph_band_in_words, texture_in_words

# How many examples a caution names ("sandy soils, clayey soils, ...").
EXAMPLES = 4

# Limits for soils that receive sewage sludge are conditions of spreading sludge, not general soil
# thresholds; recognised by their words in the source's labels or the instrument's title.
SEWAGE_SLUDGE = re.compile(
    r"sewage\s+sludge|\bsludge\b|klärschlamm|boues?\s+d.épuration|lodos?\s+de\s+depuradora|fanghi\s+di\s+depurazione"
    r"|zuiveringsslib|osad(?:y|ów)?\s+ściekow|污泥",
    re.IGNORECASE,
)


@dataclass
class TierSummary:
    tier: object  # reference.models.Tier
    values: int
    jurisdictions: int
    median: Decimal | None
    low: Decimal | None
    high: Decimal | None
    not_converted: int


def tier_summaries(rows) -> list[TierSummary]:
    """One summary per tier, in the tiers' order: how many values and jurisdictions (a country, or a
    state or province within it, counts once), median and range in mg/kg."""
    by_tier: dict[int, list] = {}
    for row in rows:
        by_tier.setdefault(row.tier_id, []).append(row)
    summaries = []
    for members in sorted(by_tier.values(), key=lambda group: (group[0].tier.sort_order, group[0].tier.code)):
        numbers = [row.value_mg_kg for row in members if row.value_mg_kg is not None]
        summaries.append(
            TierSummary(
                tier=members[0].tier,
                values=len(members),
                jurisdictions=len({(row.instrument.country_id, row.instrument.jurisdiction) for row in members}),
                median=statistics.median(numbers) if numbers else None,
                low=min(numbers, default=None),
                high=max(numbers, default=None),
                not_converted=len(members) - len(numbers),
            )
        )
    return summaries


def _examples(counter: Counter) -> str:
    named = [f"{name} ({count})" for name, count in counter.most_common(EXAMPLES)]
    if len(counter) > EXAMPLES:
        more = len(counter) - EXAMPLES
        named.append(ngettext("%(count)s other", "%(count)s others", more) % {"count": more})
    return "; ".join(named)


def _approximate_labels() -> dict[tuple[str, str], str]:
    """{(kind, label key): note} of the source labels that only roughly fit their harmonised class."""
    entries = LabelClassification.objects.filter(approximate=True).values_list("kind", "key", "note")
    return {(kind, key): note for kind, key, note in entries}


def is_sewage_sludge_limit(value: ThresholdValue) -> bool:
    """Whether the value limits a pollutant in soil receiving sewage sludge, as its labels or its
    instrument's title say."""
    text = " ".join((value.land_use_label, value.tier_label, value.instrument.title, value.instrument.title_en))
    return bool(SEWAGE_SLUDGE.search(text))


def cautions(rows) -> list[str]:
    """Sentences naming what differs among `rows`, with how many values each concerns; empty when
    the values are alike in every way listed."""
    rows = list(rows)
    if len(rows) < 2:
        return []
    found: list[str] = []

    def say(count: int, sentence: str, **details) -> None:
        """`sentence` (ngettext of `count`) with its count, if any value concerns it."""
        if count:
            found.append(sentence % {"count": count, **details})

    basis = Counter(row.unit_basis for row in rows)
    if len(basis) > 1:
        parts = {
            "dry": _("%(count)s per kg of dry soil"),
            "fresh": _("%(count)s per kg of fresh (moist) soil"),
            "": _("%(count)s with no basis stated"),
        }
        found.append(
            _("The units' basis differs: %(parts)s.")
            % {"parts": "; ".join(parts[name] % {"count": count} for name, count in basis.most_common())}
        )
    bands = Counter(band for row in rows if (band := ph_band_in_words(row)))
    count = sum(bands.values())
    say(
        count,
        ngettext(
            "%(count)s value applies only within a soil pH band: %(examples)s.",
            "%(count)s values apply only within a soil pH band: %(examples)s.",
            count,
        ),
        examples=_examples(bands),
    )
    textures = Counter(texture_in_words(row) for row in rows if row.texture)
    count = sum(textures.values())
    say(
        count,
        ngettext(
            "%(count)s value applies only to some soil textures: %(examples)s.",
            "%(count)s values apply only to some soil textures: %(examples)s.",
            count,
        ),
        examples=_examples(textures),
    )
    organic = sum(1 for row in rows if row.toc_min is not None or row.toc_max is not None)
    count = organic
    say(
        count,
        ngettext(
            "%(count)s value depends on the soil's organic matter.",
            "%(count)s values depend on the soil's organic matter.",
            count,
        ),
    )
    clay_or_cec = sum(
        1
        for row in rows
        if any(getattr(row, name) is not None for name in ("clay_min", "clay_max", "cec_min", "cec_max"))
    )
    count = clay_or_cec
    say(
        count,
        ngettext(
            "%(count)s value depends on the soil's clay content or cation exchange capacity.",
            "%(count)s values depend on the soil's clay content or cation exchange capacity.",
            count,
        ),
    )
    methods = Counter(row.extraction.local_name if row.extraction_id else _("not stated") for row in rows)
    if len(methods) > 1:
        found.append(
            _(
                "The values were measured with different extraction methods, which find different amounts of the "
                "same pollutant: %(examples)s."
            )
            % {"examples": _examples(methods)}
        )
    sub_national = Counter(row.instrument.jurisdiction for row in rows if row.instrument.jurisdiction)
    count = sum(sub_national.values())
    say(
        count,
        ngettext(
            "%(count)s value is set by a sub-national jurisdiction, not nationally: %(examples)s.",
            "%(count)s values are set by sub-national jurisdictions, not nationally: %(examples)s.",
            count,
        ),
        examples=_examples(sub_national),
    )
    count = sum(1 for row in rows if is_sewage_sludge_limit(row))
    say(
        count,
        ngettext(
            "%(count)s value is a limit for soil receiving sewage sludge, not a general soil threshold.",
            "%(count)s values are limits for soil receiving sewage sludge, not general soil thresholds.",
            count,
        ),
    )
    approximate = _approximate_labels()
    roughly = Counter()
    for row in rows:
        for kind, label in (
            (LabelClassification.Kind.LAND_USE, row.land_use_label),
            (LabelClassification.Kind.TIER, row.tier_label),
        ):
            if label and (kind, match_key(label)) in approximate:
                roughly[label] += 1
                break
    count = sum(roughly.values())
    say(
        count,
        ngettext(
            "%(count)s value's land use or tier only roughly fits its harmonised class: %(examples)s.",
            "%(count)s values' land use or tier only roughly fits their harmonised class: %(examples)s.",
            count,
        ),
        examples=_examples(roughly),
    )
    # A value set for any land use applies to each of them: it mixes nothing.
    land_uses = Counter(row.land_use.local_name for row in rows if row.land_use.code != ANY_LAND_USE)
    if len(land_uses) > 1:
        found.append(
            _(
                "Values for different land uses are shown together (%(examples)s): choose a land use to compare "
                "like with like."
            )
            % {"examples": _examples(land_uses)}
        )
    count = sum(1 for row in rows if not row.instrument.is_current)
    say(
        count,
        ngettext(
            "%(count)s value comes from a superseded or repealed instrument.",
            "%(count)s values come from superseded or repealed instruments.",
            count,
        ),
    )
    count = sum(1 for row in rows if row.value_mg_kg is None)
    say(
        count,
        ngettext(
            "%(count)s value is in a unit that does not convert to mg/kg, and is left out of the figures.",
            "%(count)s values are in units that do not convert to mg/kg, and are left out of the figures.",
            count,
        ),
    )
    return found


def comparison_summary(rows) -> dict:
    """How many values and countries, each tier on its own, and what differs among the values."""
    rows = list(rows)
    return {
        "count": len(rows),
        "countries": len({row.instrument.country_id for row in rows}),
        "tiers": tier_summaries(rows),
        "cautions": cautions(rows),
    }
