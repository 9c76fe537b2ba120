"""Every problem in a spreadsheet is reported by row and column, all at once, and nothing is written."""

import pytest

from tests.thresholds.helpers import csv_bytes, row
from thresholds.models import ImportBatch, LegalInstrument, ThresholdValue
from thresholds.services import ImportRejected, threshold_import

pytestmark = pytest.mark.django_db


def problems_of(rows, columns=None):
    with pytest.raises(ImportRejected) as raised:
        threshold_import(file_name="bad.csv", content=csv_bytes(rows, columns))
    return raised.value.plan.problems


def messages_of(rows, columns=None):
    return [(p.row, p.column, p.message) for p in problems_of(rows, columns)]


def test_unknown_pollutant_suggests_the_closest_name():
    [(number, column, message)] = messages_of([row(pollutant="Cadmum")])
    assert (number, column) == (2, "pollutant")
    assert message.startswith('unknown pollutant "Cadmum" (did you mean "Cadmium"?)')


def test_a_volume_concentration_is_refused_as_not_a_mass_fraction():
    [(_, column, message)] = messages_of([row(unit="mg/l")])
    assert column == "unit"
    assert 'unit "mg/l" is not a mass fraction' in message


def test_an_unknown_unit_is_refused():
    [(_, column, message)] = messages_of([row(unit="bananas")])
    assert column == "unit" and 'unit "bananas" is not known' in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-3", 'value "-3" is negative'),
        ("abc", 'value "abc" is not a number'),
        ("0,5", 'value "0,5" contains a comma, space or apostrophe: write a point as the decimal separator'),
        ("1,000", 'value "1,000" contains a comma'),
        ("1 000", 'value "1 000" contains a comma, space'),
        ("", "value is required"),
    ],
)
def test_values_that_are_not_plain_non_negative_numbers_are_refused(value, expected):
    [(_, column, message)] = messages_of([row(value=value)])
    assert column == "value" and expected in message


def test_ph_min_above_ph_max_and_ph_outside_the_scale():
    found = messages_of([row(ph_min="7", ph_max="6"), row(ph_max="15", pollutant="Lead")])
    assert (2, "ph_min", "ph_min 7 is above ph_max 6.") in found
    assert (3, "ph_max", "ph_max 15 is outside the pH scale 0-14.") in found


def test_a_duplicate_row_names_the_row_it_repeats():
    rows = [row(), row(pollutant="Lead"), row(pollutant="Kadmium", value="0.5")]
    [(number, _, message)] = messages_of(rows)
    assert number == 4 and message.startswith("duplicate of row 2")


def test_a_land_use_label_that_cannot_be_classified_asks_for_the_code():
    rows = [{**row(), "land_use": "", "land_use_label": "Zone 7"}]
    [(_, column, message)] = messages_of(rows)
    assert column == "land_use_label"
    assert 'land-use label "Zone 7" cannot be classified (give `land_use`' in message


def test_unknown_columns_are_listed_with_the_allowed_ones():
    [(number, column, message)] = messages_of([{**row(), "colour": "red"}], columns=[*row(), "colour"])
    assert number == 1 and column == "colour"
    assert "unknown column(s) 'colour'" in message and "Allowed columns: country, jurisdiction," in message


def test_missing_required_columns_are_named():
    [(_, _, message)] = messages_of([{"country": "DEU", "value": "1"}], columns=["country", "value"])
    assert "required column(s) missing: instrument, unit, pollutant or cas, land_use or land_use_label" in message


def test_unknown_country_and_conflicting_cas():
    found = messages_of([row(country="Atlantis"), row(pollutant="Lead", cas="7440-43-9")])
    assert (2, "country", "unknown country 'Atlantis': use an ISO 3166 code (e.g. DEU) or its English name.") in found
    assert any(column == "cas" and "is Cadmium, but pollutant 'Lead' is Lead" in m for _, column, m in found)


def test_every_problem_is_reported_at_once():
    rows = [row(pollutant="Cadmum"), row(pollutant="Lead", unit="mg/l"), row(pollutant="Zinc", value="-1")]
    assert [p.row for p in problems_of(rows)] == [2, 3, 4]


def test_one_bad_row_at_the_end_writes_nothing():
    before = (ThresholdValue.objects.count(), LegalInstrument.objects.count(), ImportBatch.objects.count())
    good = [row(pollutant=name) for name in ["Lead", "Zinc", "Copper", "Nickel", "Mercury"]]
    problems = problems_of([*good, row(pollutant="Arsenic", value="-1")])
    assert [p.row for p in problems] == [7]
    after = (ThresholdValue.objects.count(), LegalInstrument.objects.count(), ImportBatch.objects.count())
    assert after == before


def test_blank_header_cells_are_allowed_but_a_value_under_one_is_not():
    import csv
    import io

    from thresholds.services import threshold_import

    def content(extra_cell):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([*row(), "", ""])
        writer.writerow([*row().values(), "", extra_cell])
        return buffer.getvalue().encode()

    assert threshold_import(file_name="v.csv", content=content(""), dry_run=True).plan.summary()["create"] == 1
    with pytest.raises(ImportRejected) as raised:
        threshold_import(file_name="v.csv", content=content("12"), dry_run=True)
    [problem] = raised.value.plan.problems
    assert (problem.row, problem.column) == (2, "column 9")
    assert "which has no header" in problem.message
