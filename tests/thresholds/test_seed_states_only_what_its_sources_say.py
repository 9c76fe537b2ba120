"""The seed's extraction method and basis come from the research file's own words, never from memory."""

import csv
import re

import pytest

from thresholds.models import ThresholdValue
from thresholds.seed import RESEARCH_CSV, build_seed_rows

# Words without which a row cannot state the code, written here apart from thresholds/seed.py so
# that a rule there which fills a code on the wrong rows fails this test.
JUSTIFYING_WORDS = {
    "human_health": r"health",
    "ecological": r"ecolog",
    "background": r"background",
    "groundwater": r"groundwater",
    "food_safety": r"food|agricultural product",
    "total": r"total content|Gesamtgehalt",
    "aqua_regia": r"aqua regia|acqua regia|Königswasser",
    "nitric_acid": r"nitric acid|HNO3",
    "edta": r"EDTA",
    "dtpa": r"DTPA",
    "cacl2": r"CaCl2|calcium chloride",
    "nh4no3": r"NH4NO3|ammonium nitrate",
    "mehlich3": r"Mehlich",
}
ANY_JUSTIFYING_WORD = re.compile("|".join(JUSTIFYING_WORDS.values()), re.I)
NEPM_1999 = "National Environment Protection (Assessment of Site Contamination) Measure 1999, Schedule B(1)"
NEPM_2013 = "National Environment Protection (Assessment of Site Contamination) Measure 1999 as amended 2013"


@pytest.fixture(scope="module")
def research_and_seed():
    with RESEARCH_CSV.open(encoding="utf-8", newline="") as handle:
        research = list(csv.DictReader(handle))
    return list(zip(research, build_seed_rows(), strict=True))


def row_text(item):
    return " ".join(
        item[column] for column in ("instrument", "threshold_type", "land_use", "condition", "source_quote")
    )


def seed_row(research_and_seed, instrument_start, pollutant, threshold_type, land_use=None, condition=None):
    found = [
        row
        for item, row in research_and_seed
        if item["instrument"].startswith(instrument_start)
        and item["pollutant_name"] == pollutant
        and item["threshold_type"] == threshold_type
        and (land_use is None or item["land_use"] == land_use)
        and (condition is None or item["condition"].startswith(condition))
    ]
    assert len(found) == 1, (instrument_start, pollutant, threshold_type, len(found))
    return found[0]


def test_australian_tiers_that_name_their_basis_carry_it(research_and_seed):
    arsenic_hil_a_2013 = seed_row(
        research_and_seed,
        NEPM_2013,
        "Arsenic",
        "health investigation level (HIL)",
        land_use="residential with garden/accessible soil (HIL A)",
    )
    assert (arsenic_hil_a_2013["value"], arsenic_hil_a_2013["basis"]) == ("100", "human_health")
    arsenic_eil_1999 = seed_row(research_and_seed, NEPM_1999, "Arsenic (total)", "ecological investigation level (EIL)")
    assert (arsenic_eil_1999["value"], arsenic_eil_1999["basis"]) == ("20", "ecological")
    chlordane_wa = seed_row(
        research_and_seed,
        "NEPM (Assessment of Site Contamination) health-based",
        "Chlordane",
        "health investigation level (HIL)",
    )
    assert chlordane_wa["basis"] == "human_health"


def test_rows_whose_words_state_neither_keep_both_blank(research_and_seed):
    # The title names environmental and human health together; the summary row says neither.
    canada_cadmium = seed_row(
        research_and_seed, "Canadian Soil Quality Guidelines", "Cadmium", "guideline", land_use="agricultural"
    )
    # "to be used only in absence of geochemical background values" is not a background value.
    italy_arsenic = seed_row(
        research_and_seed, "D.M. 1 marzo 2019", "Arsenic", "contamination threshold concentration (CSC)"
    )
    # Agricultural land, but the text says nothing of food safety or of how cadmium was extracted.
    china_cadmium = seed_row(
        research_and_seed, "GB 15618-2018 Soil", "Cadmium", "risk screening", condition="5.5<pH<=6.5"
    )
    # "total" names the species measured (against chromium VI), not the extraction method.
    german_chromium = seed_row(
        research_and_seed, "Bundes-Bodenschutz", "Chromium (total)", "precautionary", condition="soil texture: sand"
    )
    for row in (canada_cadmium, italy_arsenic, china_cadmium, german_chromium):
        assert (row["extraction"], row["basis"]) == ("", ""), row["instrument"]
    unstated = [row for item, row in research_and_seed if not ANY_JUSTIFYING_WORD.search(row_text(item))]
    assert unstated and all(row["extraction"] == row["basis"] == "" for row in unstated)


def test_every_filled_method_and_basis_has_its_words_in_the_row(research_and_seed):
    filled = 0
    for item, row in research_and_seed:
        for column in ("extraction", "basis"):
            if code := row[column]:
                filled += 1
                assert re.search(JUSTIFYING_WORDS[code], row_text(item), re.I), (column, code, row_text(item))
    assert filled > 0


@pytest.mark.django_db
def test_the_loaded_seed_keeps_the_stated_basis(research_and_seed):
    values = ThresholdValue.objects.filter(import_batch__file_name="seed/thresholds.csv")
    assert values.count() == 627
    for basis in ThresholdValue.Basis.values:
        expected = sum(row["basis"] == basis for _, row in research_and_seed)
        assert values.filter(basis=basis).count() == expected, basis
    assert values.filter(basis="").count() == sum(row["basis"] == "" for _, row in research_and_seed)
    stated_methods = {row["extraction"] for _, row in research_and_seed} - {""}
    assert set(values.exclude(extraction=None).values_list("extraction__code", flat=True)) >= stated_methods
    hil_d = values.get(
        instrument__title__startswith=NEPM_2013, pollutant__cas_rn="7440-38-2", land_use_label__endswith="(HIL D)"
    )
    assert (hil_d.value_text, hil_d.basis) == ("3000", "human_health")
