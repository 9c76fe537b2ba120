"""Which countries belong to the EU is reference data with its source, loaded like the rest: its
27 member states, set once, then owned by curators."""

import shutil

import pytest
import yaml

from reference.models import Country
from reference.services import DEFAULT_FIXTURES_DIR, ReferenceDataError, reference_data_load

pytestmark = pytest.mark.django_db


def test_the_eus_27_member_states_are_loaded_with_their_source():
    document = yaml.safe_load((DEFAULT_FIXTURES_DIR / "memberships.yaml").read_text(encoding="utf-8"))
    assert document["EUU"]["source"] == "https://european-union.europa.eu/principles-countries-history/eu-countries_en"
    members = set(Country.objects.get(iso3="EUU").members.values_list("iso3", flat=True))
    assert len(members) == 27 and {"FRA", "DEU", "DNK", "ITA", "NLD"} <= members
    assert not members & {"GBR", "NOR", "CHE", "EUU"}
    assert set(Country.objects.get(iso3="FRA").member_of.values_list("iso3", flat=True)) == {"EUU"}


def test_a_curators_change_to_the_members_is_kept_when_the_data_is_loaded_again():
    eu = Country.objects.get(iso3="EUU")
    eu.members.remove(Country.objects.get(iso3="SWE"))
    report = reference_data_load()
    assert not eu.members.filter(iso3="SWE").exists() and eu.members.count() == 26
    assert "memberships: 0 added, 1 already there" in report.lines()


def test_a_member_that_is_no_country_code_is_refused_and_nothing_is_written(tmp_path):
    fixtures = tmp_path / "reference"
    shutil.copytree(DEFAULT_FIXTURES_DIR, fixtures)
    document = yaml.safe_load((fixtures / "memberships.yaml").read_text(encoding="utf-8"))
    document["EUU"]["members"].append("XKX")
    (fixtures / "memberships.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(ReferenceDataError, match="member 'XKX' is not an ISO 3166-1 alpha-3 code"):
        reference_data_load(fixtures_dir=fixtures)
