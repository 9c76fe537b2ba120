import csv
from pathlib import Path

import pytest
from django.conf import settings

from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.seed import RESEARCH_CSV, SEED_DIR, build_seed_rows, seed_csv_text

pytestmark = pytest.mark.django_db


def test_the_seed_loads_one_value_per_research_row():
    with RESEARCH_CSV.open(encoding="utf-8") as handle:
        research_rows = list(csv.DictReader(handle))
    seed = ThresholdValue.objects.exclude(instrument__is_synthetic=True).filter(
        import_batch__file_name="seed/thresholds.csv"
    )
    assert seed.count() == len(research_rows) == 627


def test_the_committed_seed_file_matches_the_research_file():
    assert (SEED_DIR / "thresholds.csv").read_text(encoding="utf-8") == seed_csv_text(build_seed_rows())


def test_every_seed_value_keeps_the_sources_words_and_citation():
    values = ThresholdValue.objects.filter(import_batch__file_name="seed/thresholds.csv")
    assert not values.filter(source_url="").exists()
    assert not values.filter(source_quote="").exists()
    assert not values.filter(land_use_label="").exists() and not values.filter(tier_label="").exists()
    assert values.filter(status="published", verification="unverified").count() == 627


def test_seed_values_are_harmonised_beside_their_original_labels():
    korea_zone_3 = ThresholdValue.objects.filter(instrument__country__iso3="KOR", land_use_label__startswith="Zone 3")
    assert set(korea_zone_3.values_list("land_use__code", flat=True)) == {"industrial"}
    dutch = ThresholdValue.objects.get(
        instrument__country__iso3="NLD", pollutant__name="Mercury", tier_label="intervention"
    )
    assert (dutch.tier.code, dutch.value_text, dutch.unit_label) == ("intervention", "10", "mg/kg dry matter")
    flagged = ThresholdValue.objects.filter(needs_review=True)
    assert flagged.exists() and not flagged.filter(review_note="").exists()


def test_conditions_are_structured_from_the_condition_text():
    china = ThresholdValue.objects.get(
        instrument__short_name="GB 15618-2018", pollutant__name="Cadmium", condition_text__startswith="5.5<pH<=6.5"
    )
    assert (str(china.ph_min), str(china.ph_max), china.crop) == ("5.50", "6.50", "")
    german_sand = ThresholdValue.objects.filter(instrument__country__iso3="DEU", texture="sand")
    assert german_sand.count() == 9
    toc = ThresholdValue.objects.filter(instrument__country__iso3="DEU", toc_max=4)
    assert toc.count() == 2


def test_superseded_instruments_are_linked_to_their_successors():
    sao_paulo_2014 = LegalInstrument.objects.get(title__startswith="CETESB - Valores Orientadores para Solo e Água")
    assert sao_paulo_2014.supersedes.year == 2001
    assert sao_paulo_2014.supersedes.status == "superseded"
    japan_old = LegalInstrument.objects.get(title__contains="version before the 2021 revision")
    assert japan_old.superseded_by.get().status == "in_force"


def test_units_are_matched_through_aliases_and_percent_converts():
    assert not ThresholdValue.objects.filter(unit__isnull=True).exists()
    chromium_iii = ThresholdValue.objects.get(unit_label="%")
    assert str(chromium_iii.value_mg_kg.normalize()) == "1.2E+5"


def test_seed_folder_documents_its_sources():
    readme = (Path(settings.BASE_DIR) / "fixtures" / "seed" / "README.md").read_text(encoding="utf-8")
    assert "source_url" in readme and "627" in readme
