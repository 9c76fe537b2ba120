from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reference.models import Unit, UnitAlias
from reference.selectors import unit_match
from reference.units import factor_to_mg_kg

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "factor"),
    [
        ("mg/kg", Decimal("1")),
        ("µg/kg", Decimal("0.001")),
        ("ng/kg", Decimal("0.000001")),
        ("g/kg", Decimal("1000")),
        ("ppm", Decimal("1")),
        ("ppb", Decimal("0.001")),
        ("%", Decimal("10000")),
    ],
)
def test_mass_fractions_convert_to_mg_per_kg(code, factor):
    assert Unit.objects.get(code=code).factor_to_mg_kg == factor


def test_a_value_keeps_its_precision_when_converted():
    assert Unit.objects.get(code="µg/kg").to_mg_kg(Decimal("0.30")) == Decimal("0.00030")
    assert Unit.objects.get(code="%").to_mg_kg(Decimal("12")) == Decimal("120000")


def test_units_that_do_not_convert_are_kept_and_marked():
    for code in ["Bq/kg", "ng TEQ/kg"]:
        unit = Unit.objects.get(code=code)
        assert unit.factor_to_mg_kg is None and not unit.converts_to_mg_kg
        assert unit.to_mg_kg(Decimal("5")) is None


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("mg/kg dry weight", "mg/kg"),
        ("mg/kg dry matter", "mg/kg"),
        ("mg/kg TM", "mg/kg"),
        ("mg/kg of dry matter", "mg/kg"),
        ("MG/KG  DW", "mg/kg"),
        ("mg kg-1", "mg/kg"),
        ("mg·kg⁻¹", "mg/kg"),
        ("μg/kg", "µg/kg"),  # Greek mu rather than the micro sign
        ("ug/kg", "µg/kg"),
        ("ng/g", "µg/kg"),
        ("pg TEQ/g", "ng TEQ/kg"),
    ],
)
def test_units_are_matched_through_their_aliases(written, code):
    assert unit_match(written).code == code


def test_a_volume_concentration_is_not_a_mass_fraction():
    assert unit_match("mg/l") is None
    with pytest.raises(ValueError, match="not a mass fraction"):
        factor_to_mg_kg("mg/l")


@pytest.mark.parametrize("text", ["a-b", "mg/kg TM", "(", "kg**kg**kg", "1/0", "degC/kg"])
def test_free_text_the_units_library_cannot_read_is_a_value_error(text):
    """pint's parser raises many kinds of error on odd text ("a-b" is a TypeError inside it): every
    one becomes the ValueError callers turn into a message."""
    with pytest.raises(ValueError):
        factor_to_mg_kg(text)


def test_a_curator_adding_a_unit_gets_its_factor_from_the_units_library():
    unit = Unit(code="mg/100 g", name="milligram per 100 gram", kind=Unit.Kind.MASS_FRACTION, pint_expression="mg/hg")
    unit.full_clean()
    assert unit.factor_to_mg_kg == Decimal("10")

    unknown = Unit(code="zz", name="nonsense", kind=Unit.Kind.MASS_FRACTION, pint_expression="furlong/kg")
    with pytest.raises(ValidationError, match="not a mass fraction"):
        unknown.full_clean()

    garbled = Unit(code="zz", name="nonsense", kind=Unit.Kind.MASS_FRACTION, pint_expression="mg/(100 g)")
    with pytest.raises(ValidationError, match="cannot read 'mg/\\(100 g\\)'"):
        garbled.full_clean()


def test_an_alias_already_used_by_another_unit_is_refused():
    alias = UnitAlias(unit=Unit.objects.get(code="µg/kg"), alias="MG/KG DW")
    with pytest.raises(ValidationError, match="already an alias of mg/kg"):
        alias.full_clean()
