from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    """Cursor pages: stable while rows are added, as fast deep in the list as at the start, no COUNT.

    A malformed cursor or page size is the client's mistake: 400 with a message, not 404 or a default.
    """

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

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({"cursor": ["Invalid cursor: follow the next or previous link of a page."]}) from exc
