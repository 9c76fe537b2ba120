from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, LimitOffsetPagination

EXAMPLE_API = "http://127.0.0.1:8000/api/v1/"


def _with_example_links(schema: dict, *, next_link: str, previous_link: str) -> dict:
    """DRF's page schema, with links that look like this API's rather than DRF's placeholder."""
    schema["properties"]["next"]["example"] = EXAMPLE_API + next_link
    schema["properties"]["previous"]["example"] = EXAMPLE_API + previous_link
    return schema


class StableCursorPagination(CursorPagination):
    """Cursor pages: stable while rows are added, as fast deep in the list as at the start, no COUNT.

    A malformed cursor or page size is the client's mistake: 400 with a message, not 404 or a default.
    The order is `ordering` (the view's filter backend checks it), else the id.
    """

    INVALID_CURSOR = "Invalid cursor: follow the next or previous link of a page."

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "id"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError(
                {"page_size": [f"page_size must be a whole number from 1 to {self.max_page_size} (larger is capped)."]}
            )
        return min(int(raw), self.max_page_size)

    def get_paginated_response_schema(self, schema):
        return _with_example_links(
            super().get_paginated_response_schema(schema),
            next_link="thresholds/?country=DEU&cursor=cD00ODY%3D",
            previous_link="thresholds/?country=DEU&cursor=cj0xJnA9NDg3",
        )

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({"cursor": [self.INVALID_CURSOR]}) from exc
        # The position is compared with the ordering column: text that column cannot hold ("p=abc")
        # would fail in the query (a 500) rather than here.
        if cursor is not None and cursor.position is not None and not self._fits_ordering(cursor.position):
            raise ValidationError({"cursor": [self.INVALID_CURSOR]})
        return cursor

    def _fits_ordering(self, position: str) -> bool:
        field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
        try:
            value = field.to_python(position)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            return False
        # Past a bigint, PostgreSQL refuses the comparison and SQLite cannot even bind the number.
        return not isinstance(value, int) or -(2**63) <= value < 2**63


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """limit/offset pages for the short code lists; an offset past any real list is a 400, not a crash."""

    default_limit = 100
    max_limit = 1000
    max_offset = 1_000_000

    def get_paginated_response_schema(self, schema):
        return _with_example_links(
            super().get_paginated_response_schema(schema),
            next_link="countries/?limit=100&offset=200",
            previous_link="countries/?limit=100",
        )

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        if not raw.isdigit() or int(raw) > self.max_offset:
            raise ValidationError({"offset": [f"offset must be a whole number from 0 to {self.max_offset}."]})
        return int(raw)
