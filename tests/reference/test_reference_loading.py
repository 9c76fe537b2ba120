import csv
import shutil

import pycountry
import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from core.roles import CURATORS_GROUP
from reference.models import (
    Country,
    ExtractionMethod,
    LandUseClass,
    Pollutant,
    PollutantSynonym,
    Tier,
    Unit,
    UnitAlias,
)
from reference.selectors import pollutant_match
from reference.services import DEFAULT_FIXTURES_DIR, ReferenceDataError, reference_data_load
from thresholds.seed import RESEARCH_CSV

pytestmark = pytest.mark.django_db


def table_sizes():
    models = [Country, Pollutant, PollutantSynonym, Unit, UnitAlias, LandUseClass, Tier, ExtractionMethod]
    return {model.__name__: model.objects.count() for model in models}


def test_every_iso_3166_entry_and_the_eu_are_loaded():
    assert Country.objects.filter(kind=Country.Kind.COUNTRY).count() == len(pycountry.countries)
    eu = Country.objects.get(iso3="EUU")
    assert (eu.kind, eu.iso2, eu.m49_region, eu.gsp_partnership) == (
        "supranational",
        "EU",
        "Europe",
        "european",
    )


def test_countries_carry_m49_regions_and_a_gsp_partnership():
    germany = Country.objects.get(iso3="DEU")
    assert (germany.iso2, germany.numeric, germany.m49_region, germany.m49_subregion) == (
        "DE",
        "276",
        "Europe",
        "Western Europe",
    )
    assert Country.objects.get(iso3="BRA").m49_region == "Americas"
    assert Country.objects.get(iso3="BRA").gsp_partnership == "lac"
    assert Country.objects.get(iso3="IRN").gsp_partnership == "nena"
    assert Country.objects.get(iso3="KAZ").gsp_partnership == "eurasian"
    assert Country.objects.get(iso3="CHN").un_member is True
    antarctica = Country.objects.get(iso3="ATA")
    assert (antarctica.m49_region, antarctica.gsp_partnership) == ("", "")


def test_reference_classes_are_loaded():
    assert list(LandUseClass.objects.values_list("code", flat=True)) == [
        "agricultural",
        "residential",
        "parkland",
        "commercial",
        "industrial",
        "natural",
        "any",
    ]
    assert list(Tier.objects.values_list("code", flat=True)) == [
        "background",
        "precautionary",
        "trigger",
        "intervention",
        "other",
    ]
    assert set(ExtractionMethod.objects.values_list("code", flat=True)) == {
        "total",
        "aqua_regia",
        "nitric_acid",
        "edta",
        "dtpa",
        "cacl2",
        "nh4no3",
        "mehlich3",
        "other",
    }


def test_a_second_load_changes_nothing():
    before = table_sizes()
    report = reference_data_load()
    assert sum(report.created.values()) == 0
    assert table_sizes() == before


def test_the_loader_never_overwrites_curators_edits():
    Country.objects.filter(iso3="AUS").update(gsp_partnership=Country.GspPartnership.ASIAN)
    Pollutant.objects.filter(name="Paraquat").update(is_hhp=True, flags_source="curator: national HHP list")
    sum_of_pcbs = Pollutant.objects.get(name="Sum of 6 indicator PCBs")
    sum_of_pcbs.members.remove(Pollutant.objects.get(name="PCB 28"))

    call_command("load_reference_data", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert Country.objects.get(iso3="AUS").gsp_partnership == "asian"
    assert Pollutant.objects.get(name="Paraquat").flags_source == "curator: national HHP list"
    assert sum_of_pcbs.members.count() == 5


def test_a_bad_cas_check_digit_is_reported_and_nothing_is_written(tmp_path):
    fixtures = tmp_path / "reference"
    shutil.copytree(DEFAULT_FIXTURES_DIR, fixtures)
    document = yaml.safe_load((fixtures / "pollutants.yaml").read_text(encoding="utf-8"))
    document["pollutants"].append({"name": "Cadmium sulfide", "cas": "1306-23-6", "group": "metal"})
    document["pollutants"].append({"name": "Made-up metal", "cas": "7440-43-8", "group": "metal"})
    (fixtures / "pollutants.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    before = table_sizes()

    with pytest.raises(ReferenceDataError) as raised:
        reference_data_load(fixtures_dir=fixtures)

    [problem] = raised.value.problems
    assert "pollutants.yaml, entry" in problem
    assert "(Made-up metal)" in problem
    assert "CAS number 7440-43-8 has a wrong check digit: 8, expected 9" in problem
    assert table_sizes() == before
    assert not Pollutant.objects.filter(name="Cadmium sulfide").exists()

    with pytest.raises(CommandError, match="wrong check digit"):
        call_command("load_reference_data", fixtures=fixtures)


def test_a_name_meaning_two_pollutants_is_refused(tmp_path):
    fixtures = tmp_path / "reference"
    shutil.copytree(DEFAULT_FIXTURES_DIR, fixtures)
    document = yaml.safe_load((fixtures / "pollutants.yaml").read_text(encoding="utf-8"))
    document["pollutants"].append({"name": "Cadmium oxide", "group": "metal", "synonyms": {"de": ["Kadmium"]}})
    (fixtures / "pollutants.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")

    with pytest.raises(ReferenceDataError, match="'Kadmium' is also used for 'Cadmium'"):
        reference_data_load(fixtures_dir=fixtures)


def test_pollutant_cas_numbers_are_validated_on_save():
    pollutant = Pollutant(name="Typo", slug="typo", cas_rn="7440-43-8", group="metal")
    with pytest.raises(ValidationError, match="wrong check digit"):
        pollutant.full_clean()


def test_required_metals_and_pesticides_are_present_with_flags():
    for symbol in [
        "As",
        "Cd",
        "Cr",
        "Cr(VI)",
        "Cu",
        "Hg",
        "Ni",
        "Pb",
        "Zn",
        "Co",
        "Mo",
        "Sb",
        "Se",
        "Tl",
        "V",
        "Ba",
        "Be",
        "Ag",
        "Sn",
    ]:
        pollutant = pollutant_match(symbol)
        assert pollutant is not None and pollutant.group == "metal", symbol
    for name in [
        "Atrazine",
        "Glyphosate",
        "Chlorpyrifos",
        "Paraquat",
        "2,4-D",
        "DDT",
        "Lindane",
        "Endosulfan",
    ]:
        assert pollutant_match(name).group == "pesticide", name
    aldrin = Pollutant.objects.get(name="Aldrin")
    assert aldrin.is_pop and aldrin.is_hhp and aldrin.is_obsolete_pesticide
    assert "Stockholm Convention Annex A" in aldrin.flags_source
    glyphosate = Pollutant.objects.get(name="Glyphosate")
    assert not (glyphosate.is_pop or glyphosate.is_hhp or glyphosate.is_obsolete_pesticide)


def test_synonyms_match_in_several_languages():
    cadmium = Pollutant.objects.get(cas_rn="7440-43-9")
    for name in ["Cadmio", "Kadmium", "Cádmio", "CADMIUM", "镉", "7440-43-9"]:
        assert pollutant_match(name) == cadmium, name
    assert pollutant_match("Cadmum") is None


def test_sum_parameters_list_their_members():
    ddx = pollutant_match("DDT + DDD + DDE")
    assert set(ddx.members.values_list("name", flat=True)) == {"DDT", "DDD", "DDE"}
    assert ddx.cas_rn == ""
    assert pollutant_match("16 PAHs").members.count() == 16
    assert pollutant_match("Sum of PCB6 and PCB-118").members.count() == 7


def test_every_pollutant_in_the_seed_data_is_matchable():
    with RESEARCH_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows  # how many is the seed tests' business
    unmatched = sorted({row["pollutant_name"] for row in rows if pollutant_match(row["pollutant_name"]) is None})
    assert unmatched == []
    # Where the source gives a single CAS number, the name and the number lead to the same pollutant.
    for row in rows:
        if row["cas_number"] and "+" not in row["cas_number"]:
            assert pollutant_match(row["cas_number"]) == pollutant_match(row["pollutant_name"]), row["pollutant_name"]


def test_a_synonym_already_naming_another_pollutant_is_refused():
    lead = Pollutant.objects.get(name="Lead")
    synonym = PollutantSynonym(pollutant=lead, name="kadmium", language="de")
    with pytest.raises(ValidationError, match="already names Cadmium"):
        synonym.full_clean()


def test_curators_group_can_edit_reference_data():
    group = Group.objects.get(name=CURATORS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {
        "change_country",
        "add_pollutantsynonym",
        "add_unitalias",
        "change_tier",
        "view_unit",
    } <= codenames
    assert "delete_user" not in codenames
