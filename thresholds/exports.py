"""Threshold values out to CSV and XLSX, in the import template's columns (so an export re-imports
unchanged). Rows are read as plain tuples in chunks: memory stays flat however many are exported."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, DecimalField, F, Func, IntegerField, TextField, Value, When
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.statement_timeout import statement_timeout_set
from thresholds.models import ThresholdValue
from thresholds.record import DERIVED_COLUMNS, SOURCES, TEMPLATE_COLUMNS


def export_rows(queryset, *, extra: tuple[str, ...] = (), chunk_size: int = 2000) -> Iterator[list[str]]:
    """Each value as a list of texts in TEMPLATE_COLUMNS order, then any `extra` fields."""
    rows = queryset.order_by("id").values_list(*SOURCES.values(), *extra).iterator(chunk_size=chunk_size)
    for row in rows:
        yield [_text(item) for item in row]


def _text(item) -> str:
    if item is None:
        return ""
    if isinstance(item, Decimal):
        return format(item.normalize(), "f")
    return str(item)


def export_rows_with_mg_kg(queryset) -> tuple[Iterator[list[str]], list[str]]:
    """The template's columns plus the normalised value, for analysts. The import accepts the extra
    column and recomputes it, so this export re-imports unchanged too."""
    return export_rows(queryset, extra=tuple(DERIVED_COLUMNS.values())), [*TEMPLATE_COLUMNS, *DERIVED_COLUMNS]


def dataset_citation(site_url: str) -> str:
    """How to cite an export of the database."""
    return (
        f"FAO Global Soil Partnership, International Network on Soil Pollution (INSOP). {settings.PORTAL_NAME}. "
        f"{site_url} (accessed {timezone.now():%Y-%m-%d})."
    )


def export_readme(*, site_url: str, query: str) -> list[list[str]]:
    """The "read me" sheet of an export: citation, licence, the filters, and how to read it, in the
    reader's language with the date as their locale writes it. The data sheet's columns and numbers
    stay as machines read them (column names in English, a point for decimals)."""
    now = timezone.localtime()
    return [
        [_("citation"), dataset_citation(site_url)],
        [_("licence"), f"{settings.PORTAL_DATA_LICENCE} ({settings.PORTAL_DATA_LICENCE_URL})"],
        [_("filters"), query or _("none (everything you may read)")],
        [_("exported at"), f"{date_format(now, 'DATETIME_FORMAT')} ({now.isoformat(timespec='seconds')})"],
        [
            _("value, unit"),
            _("as the source writes them; value_mg_kg is the same value in mg/kg (blank: no conversion)"),
        ],
        [_("sources"), _("each row's source_url and source_quote say where the value was read")],
        [_("numbers"), _("the data sheet writes numbers with a point for decimals, whatever the language")],
    ]


# What spreadsheets.starts_formula() says, in SQL: "=" followed by anything (a lone "=" is the
# qualifier, not a formula), or another formula sign. (PostgreSQL text never holds NUL.)
FORMULA_START = r"^([-+@\t\r]|=(.|\n))"


def export_csv_by_copy(queryset) -> Iterator[bytes]:
    """The same CSV as csv_stream(*export_rows_with_mg_kg(...)), written by PostgreSQL's COPY.

    Numbers lose their trailing zeros in SQL (trim_scale) and text that a spreadsheet would run gets
    its apostrophe in SQL, so both writers give the same values; only quoting style may differ.
    The SQL is made here, before the response starts: a failure after the headers went out would
    cut the download short with no error the client could see.
    """
    try:
        sql, params = export_select_sql(queryset)
    except EmptyResultSet:  # filters Django knows match nothing, e.g. a pollutant without values
        sql, params = None, ()
    return _copy_stream(sql, params)


def _copy_stream(sql: str | None, params) -> Iterator[bytes]:
    yield ("\ufeff" + ",".join([*TEMPLATE_COLUMNS, *DERIVED_COLUMNS]) + "\r\n").encode()
    if sql is None:
        return
    # COPY streams for as long as the client reads: the export's own, longer limit.
    statement_timeout_set(settings.STATEMENT_TIMEOUT_EXPORT)
    with connection.cursor() as cursor:
        # Parameters bound on the client: Django's debug cursor (DEBUG on) passes COPY no parameters.
        statement = cursor.mogrify(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params)
        with connection.wrap_database_errors, cursor.copy(statement) as copy:
            for chunk in copy:
                yield bytes(chunk)


def export_select_sql(queryset) -> tuple[str, tuple]:
    """The SELECT that COPY runs for an export, with its parameters (benchmarks run it with psql)."""
    paths = [*SOURCES.values(), *DERIVED_COLUMNS.values()]
    columns = {f"c{index}": _copy_expression(path) for index, path in enumerate(paths)}
    return queryset.order_by("id").annotate(**columns).values_list(*columns).query.sql_with_params()


def _copy_expression(path: str):
    field = _field_at(path)
    if isinstance(field, DecimalField):
        return Func(F(path), function="trim_scale", output_field=DecimalField())
    if isinstance(field, IntegerField):
        return F(path)
    return Case(
        When(**{f"{path}__regex": FORMULA_START}, then=Concat(Value("'"), F(path), output_field=TextField())),
        default=F(path),
        output_field=TextField(),
    )


def _field_at(path: str):
    model, field = ThresholdValue, None
    for name in path.split("__"):
        field = model._meta.get_field(name)
        model = field.related_model or model
    return field
