"""Last-Modified on API reads: when anything a response shows last changed.

Every GET already gets an ETag from Django's ConditionalGetMiddleware (a hash of the body), which
also answers If-None-Match and If-Modified-Since with 304 once the view has set Last-Modified.
HTTP dates have one-second precision, so clients that sync should prefer the ETag.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection
from django.db.models import F, Model, Q
from django.utils.http import http_date

# A timestamp column, and optionally which of its rows count (e.g. only published values).
Source = tuple[type[Model], str] | tuple[type[Model], str, Q]


def last_changed(sources: tuple[Source, ...]) -> datetime | None:
    """The newest value of the given timestamp columns (of the rows each condition selects), in one query.

    Each MAX reads the end of an index or a small table, so this stays cheap on a million rows.
    """
    quote = connection.ops.quote_name
    columns, params = [], []
    for model, field, *condition in sources:
        if not condition:
            column = quote(model._meta.get_field(field).column)
            columns.append(f"(SELECT MAX({column}) FROM {quote(model._meta.db_table)})")
            continue
        # The newest row that meets the condition, read from the end of the column's index: a MAX
        # over the condition's rows would read them all (a join with a million values, 250 ms).
        rows = model._base_manager.filter(condition[0]).exclude(**{field: None}).order_by(f"-{field}")
        sql, row_params = rows.values(changed=F(field))[:1].query.sql_with_params()
        columns.append(f"({sql})")
        params.extend(row_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        row = cursor.fetchone()
    return max((_aware(stamp) for stamp in row if stamp is not None), default=None)


def _aware(stamp) -> datetime:
    # PostgreSQL returns aware datetimes; SQLite returns the stored UTC text.
    if isinstance(stamp, str):
        stamp = datetime.fromisoformat(stamp)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


class LastModifiedMixin:
    """Sets Last-Modified on successful reads from `last_modified_from` unless the view set its own."""

    last_modified_from: tuple[Source, ...] = ()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and self.last_modified_from
            and not response.has_header("Last-Modified")
        ):
            stamp = self.last_modified(request)
            if stamp is not None:
                response["Last-Modified"] = http_date(stamp.timestamp())
        return response

    def last_modified(self, request) -> datetime | None:
        return last_changed(self.last_modified_from)
