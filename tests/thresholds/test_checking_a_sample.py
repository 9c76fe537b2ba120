"""The rules of checking a soil sample (issue 21, first part): which values apply to a site, why,
which depend on a property not given, and by how much a sample exceeds them."""

from decimal import Decimal

import pytest

from thresholds.checking import APPLIES, DEPENDS, DOES_NOT_APPLY, Site, applicability, verdicts
from thresholds.conditions import within_band
from thresholds.models import ThresholdValue

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    "number, low, high, low_open, high_open, inside",
    [
        ("5.5", None, "5.5", False, False, True),  # pH<=5.5
        ("5.5", "5.5", "6.5", True, False, False),  # 5.5<pH<=6.5 leaves 5.5 out
        ("5.51", "5.5", "6.5", True, False, True),
        ("6.5", "5.5", "6.5", True, False, True),
        ("7.5", "7.5", None, True, False, False),  # pH>7.5
        ("7.6", "7.5", None, True, False, True),
        ("6", "6", "6", False, False, True),  # a single point
    ],
)
def test_a_band_contains_a_number_as_its_source_states_its_ends(number, low, high, low_open, high_open, inside):
    def decimal(text):
        return None if text is None else D(text)

    assert within_band(D(number), decimal(low), decimal(high), low_open=low_open, high_open=high_open) is inside


def _chinese_cadmium():
    """GB 15618-2018: cadmium on other agricultural land, one value per pH band."""
    values = ThresholdValue.objects.public().filter(
        instrument__country__iso3="CHN", pollutant__slug="cadmium", condition_text__contains="other agricultural"
    )
    values = list(values.select_related("land_use", "tier", "instrument"))
    assert len(values) >= 4
    return values


def test_a_soil_of_ph_5_5_meets_exactly_one_chinese_band():
    site = Site(land_use="agricultural", ph=D("5.5"))
    applying = [value for value in _chinese_cadmium() if applicability(value, site).outcome == APPLIES]
    assert [value.condition_text.split(";")[0] for value in applying] == ["pH<=5.5"]
    assert applicability(applying[0], site).reasons == [
        "set for this land use: Agricultural",
        "applies where soil pH is at most 5.5",
    ]


def test_a_value_that_depends_on_a_property_not_given_says_which_and_is_not_guessed():
    site = Site(land_use="agricultural")
    outcomes = {applicability(value, site).outcome for value in _chinese_cadmium()}
    assert outcomes == {DEPENDS}
    assert applicability(_chinese_cadmium()[0], site).missing == ["soil pH"]


def test_a_value_for_another_land_use_or_texture_does_not_apply():
    value = ThresholdValue.objects.public().filter(instrument__country__iso3="DEU", texture="sand").first()
    assert applicability(value, Site(texture="clay")).outcome == DOES_NOT_APPLY
    assert applicability(value, Site(texture="sand")).outcome in (APPLIES, DEPENDS)
    assert "soil texture" in applicability(value, Site()).missing
    industrial = ThresholdValue.objects.public().filter(land_use__code="industrial").first()
    assert applicability(industrial, Site(land_use="agricultural")).outcome == DOES_NOT_APPLY


def test_a_sample_is_compared_with_each_value_that_may_apply_strictest_first():
    site = Site(land_use="agricultural", ph=D("6"))
    found = verdicts(D("0.45"), _chinese_cadmium(), site)
    assert [verdict.value.condition_text.split(";")[0] for verdict in found] == ["5.5<pH<=6.5"]
    [only] = found
    assert only.ratio == (D("0.45") / only.value.value_mg_kg).quantize(D("0.001")) and only.exceeds is True
    # Without the pH, every band may apply: all are listed, for the reader to see what it depends on.
    assert len(verdicts(D("0.45"), _chinese_cadmium(), Site(land_use="agricultural"))) == len(_chinese_cadmium())
