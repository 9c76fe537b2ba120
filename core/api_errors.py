"""One JSON shape for every API error, so clients handle them in one place.

    {"status": 400, "code": "invalid", "detail": "…", "errors": {"country": ["Unknown code(s): XXX."]}}

`errors` names each field or query parameter with its messages; it is empty when the error is
about the request as a whole (not found, not allowed, throttled…).
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    # As DRF's own handler does, so that these get their codes too.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, DjangoValidationError):
        # A model's own check (full_clean in a service) refused the write; the service's transaction
        # ends with it, so nothing was written.
        exc = ValidationError(_django_errors(exc))
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        errors = _as_field_errors(response.data)
        detail = _invalid_detail(errors)
        code = "invalid"
    else:
        errors = {}
        detail = str(response.data.get("detail", "")) if isinstance(response.data, dict) else str(response.data)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else exc.default_code
    response.data = {"status": response.status_code, "code": code, "detail": detail, "errors": errors}
    return response


def _django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    errors = {("non_field_errors" if name == NON_FIELD_ERRORS else name): messages for name, messages in exc}
    return {name: messages for name, messages in errors.items() if messages}


def _invalid_detail(errors: dict[str, list[str]]) -> str:
    return "Some values are invalid: " + "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())


def _as_field_errors(data) -> dict[str, list[str]]:
    if isinstance(data, dict):
        return {str(name): [str(item) for item in _flatten(value)] for name, value in data.items()}
    return {"non_field_errors": [str(item) for item in _flatten(data)]}


def _flatten(value):
    if isinstance(value, dict):
        for name, item in value.items():
            for message in _flatten(item):
                yield f"{name}: {message}"
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error: the HTTP status, a short code, a message, and the faulty fields.",
    "properties": {
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["status", "code", "detail", "errors"],
}
ERROR_STATUSES = {
    "400": "Invalid parameters or body; `errors` names each faulty one.",
    "401": "Not authenticated.",
    "403": "Not allowed.",
    "404": "Not found.",
    "405": "Method not allowed.",
    "406": "The requested format is not available.",
    "413": "The request body is larger than the API takes (REQUEST_BODY_MAX_BYTES, 10 MB by default).",
    "415": "Unsupported media type, or a charset that is not a text encoding.",
    "429": "Too many requests; retry after the number of seconds in Retry-After.",
    "503": "The database is unavailable for a moment; retry after the number of seconds in Retry-After.",
}
CHANGE_STATUSES = {
    "412": "If-Match does not match the record's current ETag.",
    "428": "If-Match is required.",
}
ERROR_EXAMPLES = {
    "400": (
        "invalid",
        "Some values are invalid: country: Unknown code(s): XXX.",
        {"country": ["Unknown code(s): XXX."]},
    ),
    "401": ("not_authenticated", "Authentication credentials were not provided.", {}),
    "403": ("permission_denied", "You do not have permission to perform this action.", {}),
    "404": ("not_found", "No ThresholdValue matches the given query.", {}),
    "405": ("method_not_allowed", 'Method "DELETE" not allowed.', {}),
    "406": ("not_acceptable", "Could not satisfy the request Accept header.", {}),
    "413": ("too_large", "The request body is 12.0 MB; this address takes at most 10.0 MB.", {}),
    "415": ("unsupported_media_type", 'Unsupported media type "text/plain" in request.', {}),
    "429": ("throttled", "Request was throttled. Expected available in 42 seconds.", {}),
    "503": (
        "database_unavailable",
        "The database is unavailable for a moment; nothing was changed. Try again shortly.",
        {},
    ),
    "412": (
        "precondition_failed",
        'The record changed since your copy (now "thresholdvalue-146-v3.9f2c4e1a0b7d3c65"): '
        "GET it again and reapply your change.",
        {},
    ),
    "428": (
        "precondition_required",
        "Send the record's ETag in If-Match, so that you never overwrite a change you have not seen.",
        {},
    ),
}


def _error_response(code: str, description: str) -> dict:
    short, detail, errors = ERROR_EXAMPLES[code]
    example = {"status": int(code), "code": short, "detail": detail, "errors": errors}
    content = {"schema": {"$ref": "#/components/schemas/Error"}, "example": example}
    return {"description": description, "content": {"application/json": content}}


def document_errors(result, generator, request, public):
    """drf-spectacular hook: the error shape, and the statuses it comes with, on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            statuses = dict(ERROR_STATUSES)
            if method in ("patch", "put", "delete") or operation.get("operationId", "").endswith("withdraw_create"):
                statuses.update(CHANGE_STATUSES)
            for code, description in statuses.items():
                operation["responses"].setdefault(code, _error_response(code, description))
    return result


def not_found(request, exception=None):
    """404 for addresses no route matches: JSON in the error shape under /api/, the usual page elsewhere."""
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return error_response(404, "not_found", "No API resource at this address.")
    return page_not_found(request, exception)


def error_response(status: int, code: str, detail: str, *, errors: dict[str, list[str]] | None = None):
    """An error in the one shape, for answers given outside DRF (middleware, URL resolution)."""
    from django.http import JsonResponse

    errors = errors or {}
    detail = detail or _invalid_detail(errors)
    return JsonResponse({"status": status, "code": code, "detail": detail, "errors": errors}, status=status)
