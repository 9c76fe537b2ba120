"""The threshold record (thresholds/record.py) is defined once: every consumer's list of columns is
record.py's, and each text column's length is its model field's. Adding a column is then one entry in
record.COLUMNS (plus the model field and its migration); these tests fail if a consumer keeps a list
of its own."""

import pytest
from django.db import models

from surveys.validation import COLUMN_TO_FIELD
from tests.thresholds.helpers import csv_bytes, row
from thresholds import exports, import_template, importing, record, serializers
from thresholds.importing import plan_import, plan_record
from thresholds.models import ThresholdValue

pytestmark = pytest.mark.django_db


def test_every_consumer_lists_the_records_columns():
    names = record.TEMPLATE_COLUMNS
    assert list(exports.SOURCES) == names
    assert [line[0] for line in import_template.template_readme()[1 : len(names) + 1]] == names
    assert len(import_template.template_example_rows()[0]) == len(names)
    assert list(import_template.COLUMN_HELP) == names
    assert set(serializers.ThresholdWriteSerializer().fields) == set(names)
    assert set(serializers.NUMERIC_COLUMNS) == set(record.NUMERIC_COLUMNS)
    assert importing.DECIMAL_COLUMNS == record.DECIMAL_COLUMNS
    assert set(COLUMN_TO_FIELD) <= set(names)


def test_an_export_has_the_records_columns_and_the_derived_ones():
    rows, header = exports.export_rows_with_mg_kg(ThresholdValue.objects.filter(pk=ThresholdValue.objects.first().pk))
    assert header == [*record.TEMPLATE_COLUMNS, *record.DERIVED_COLUMNS]
    assert len(next(iter(rows))) == len(header)


def test_each_column_is_read_from_a_field_of_the_model_and_its_length_is_the_fields():
    for column in record.COLUMNS:
        field = column.field  # raises FieldDoesNotExist for a source that is no field
        if isinstance(field, models.CharField) and column.kind in ("text", "url", "number"):
            assert record.MAX_LENGTHS[column.name] == field.max_length, column.name
    assert record.MAX_LENGTHS["pollutant"] == ThresholdValue._meta.get_field("pollutant_label").max_length
    assert record.MAX_LENGTHS["instrument"] == 500


@pytest.mark.parametrize("column", sorted(record.MAX_LENGTHS))
def test_the_import_refuses_text_longer_than_its_field(column):
    limit = record.MAX_LENGTHS[column]
    given = {"value": "1" * (limit + 1)} if column == "value" else {column: "x" * (limit + 1)}
    if column.endswith("url"):
        given = {column: "https://example.org/" + "x" * limit}
    plan = plan_record(row(**given))
    if column == "value":  # a number that long is refused as no number the column can hold
        assert [problem.column for problem in plan.problems] == ["value"]
    else:
        assert f"{column} is longer than {limit} characters." in [problem.message for problem in plan.problems]


def test_the_required_columns_are_the_records():
    plan = plan_import(file_name="values.csv", content=csv_bytes([{"notes": "nothing else"}]))
    [problem] = plan.problems
    for name in [*record.REQUIRED_COLUMNS, *(" or ".join(pair) for pair in record.REQUIRED_ONE_OF)]:
        assert name in problem.column


def test_a_checked_row_is_copied_onto_a_value_in_one_place(curator):
    """The import's model path, its COPY path and the API write the same fields: row_values."""
    [planned] = plan_record(row(instrument="Copy ordinance")).rows
    created = record.row_values(planned.fields, creating=True)
    assert set(created) == {
        "pollutant_id",
        "conditions_key",
        "status",
        *record.VALUE_FIELDS,
        *record.CREATE_ONLY_FIELDS,
    }
    assert created["status"] == ThresholdValue.Status.DRAFT
    updated = record.row_values(planned.fields, creating=False, status="published")
    assert "needs_review" not in updated and updated["status"] == "published"
