"""The curators' screens show numbers and names as a reader writes them: a value in mg/kg without the
column's twelve decimal places (0.3, 100; never 0.300000000000 or 1E+2), and "pH", never "PH" (which
the admin makes of a label that starts with "pH")."""

import re

import pytest
from django.urls import reverse

from tests.factories import ThresholdValueFactory

pytestmark = pytest.mark.django_db


def _readonly(page: str, label: str) -> str:
    """The text of the read-only field labelled `label` on an admin change form."""
    found = re.search(rf"<label>{label}:</label>\s*<div class=\"readonly\">([^<]*)</div>", page)
    assert found, f"no read-only field {label!r}"
    return found.group(1).strip()


@pytest.mark.parametrize(("written", "unit", "shown"), [("0.3", "mg/kg", "0.3"), ("100", "mg/kg", "100")])
def test_the_value_in_mg_kg_is_shown_without_trailing_zeros(client, admin, written, unit, shown):
    value = ThresholdValueFactory(value_text=written, unit_label=unit)
    assert value.value_mg_kg.as_tuple().exponent == -12  # the column keeps twelve places
    client.force_login(admin)
    form = client.get(reverse("admin:thresholds_thresholdvalue_change", args=[value.pk])).content.decode()
    assert _readonly(form, "Value in mg/kg") == shown
    listed = client.get(reverse("admin:thresholds_thresholdvalue_changelist"), {"q": value.instrument.title})
    assert f'<td class="field-mg_kg">{shown}</td>' in listed.content.decode()


def test_the_value_form_writes_ph_as_ph(client, admin):
    value = ThresholdValueFactory(ph_min="5.5", ph_max="6.5")
    client.force_login(admin)
    form = client.get(reverse("admin:thresholds_thresholdvalue_change", args=[value.pk])).content.decode()
    assert re.search(r"\bPH\b", form) is None
    assert re.search(r"\bpH\b", form)
