"""Requests the database could never answer are refused before any view runs, and requests the
database cannot answer for the moment are told so."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest

from core.api_errors import error_response

logger = logging.getLogger(__name__)


class RejectNulBytesMiddleware:
    """A NUL byte in the address or its parameters is a 400 that says so.

    PostgreSQL text cannot hold NUL, so such a value would otherwise reach a query and fail there
    (a 500) in whichever view looked it up first.
    """

    MESSAGE = "Contains a NUL byte (%00); remove it."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        faulty = [key or "?" for key, value in request.GET.items() if "\x00" in key + value]
        if "\x00" in request.path:
            faulty.insert(0, "path")
        if not faulty:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return error_response(400, "invalid", "", errors={name: [self.MESSAGE] for name in faulty})
        text = f"{', '.join(faulty)}: {self.MESSAGE}"
        return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached (restarting, failing over), a 503 with Retry-After.

    Not a 500: nothing is wrong with the request, and clients and proxies retry a 503. Each request
    opens its connection afresh after a failure (CONN_HEALTH_CHECKS), so the portal recovers by
    itself as soon as the database is back.
    """

    RETRY_AFTER_SECONDS = 30
    MESSAGE = "The database is unavailable for a moment; nothing was changed. Try again shortly."
    TOO_LONG = (
        "This request took longer than the portal allows and was stopped; nothing was changed. "
        "Narrow it down (fewer words or filters), or use the CSV download or the API."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if _stopped_by_statement_timeout(exception):
            logger.warning("Statement timeout during %s %s", request.method, request.path)
            code, message = "too_slow", self.TOO_LONG
        else:
            logger.error("Database unavailable during %s %s: %s", request.method, request.path, exception)
            code, message = "database_unavailable", self.MESSAGE
        if request.path.startswith("/api/"):
            response = error_response(503, code, message)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


def _stopped_by_statement_timeout(exception) -> bool:
    cause = exception.__cause__
    return type(cause).__name__ == "QueryCanceled" and "statement timeout" in str(cause)
