"""Invariants hold in the database itself, whatever code writes the row."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reference.models import Unit
from tests.factories import LegalInstrumentFactory, ThresholdValueFactory
from thresholds.models import LegalInstrument, ThresholdValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def value():
    """2 mg/kg of cadmium, agricultural, trigger, in a new Italian decree."""
    return ThresholdValueFactory(instrument__title="Constraint test decree", status="draft")


def violates(**changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        ThresholdValue.objects.filter(pk=changes.pop("pk")).update(**changes)


def test_negative_values_are_refused_by_the_database(value):
    violates(pk=value.pk, value=Decimal("-1"))


@pytest.mark.parametrize(("field", "number"), [("ph_min", "-0.5"), ("ph_max", "14.5")])
def test_ph_outside_0_to_14_is_refused_by_the_database(value, field, number):
    violates(pk=value.pk, **{field: Decimal(number)})


@pytest.mark.parametrize("name", ["ph", "clay", "toc", "cec"])
def test_a_minimum_above_its_maximum_is_refused_by_the_database(value, name):
    violates(pk=value.pk, **{f"{name}_min": Decimal("8"), f"{name}_max": Decimal("6")})


def test_two_identical_records_are_refused_by_the_database(value):
    twin = ThresholdValue(
        instrument=value.instrument,
        pollutant=value.pollutant,
        value_text="3",
        unit_label="mg/kg",
        unit=value.unit,
        land_use=value.land_use,
        tier=value.tier,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # The same value under other conditions is a different record.
    twin.ph_max = Decimal("5.5")
    twin.save()


def test_value_as_written_keeps_trailing_zeros_and_converts(value):
    value.value_text, value.unit = "0.30", Unit.objects.get(code="µg/kg")
    value.save()
    value.refresh_from_db()
    assert value.value_text == "0.30"
    assert value.value_mg_kg == Decimal("0.0003")


def test_a_value_in_a_unit_that_does_not_convert_has_no_mg_per_kg(value):
    value.unit = Unit.objects.get(code="Bq/kg")
    value.save()
    value.refresh_from_db()
    assert value.value_mg_kg is None and value.value == Decimal("2")


def test_the_model_validates_the_value_as_written(value):
    value.value_text = "2,5"
    with pytest.raises(ValidationError, match="not a plain number"):
        value.full_clean()


def test_an_instrument_cannot_supersede_itself():
    instrument = LegalInstrumentFactory(iso3="JPN", title="Self")
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalInstrument.objects.filter(pk=instrument.pk).update(supersedes=instrument)
