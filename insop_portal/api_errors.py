"""One JSON shape for every API error, so clients handle them in one place.

    {"status": 400, "code": "invalid", "detail": "…", "errors": {"country": ["Unknown code(s): XXX."]}}

`errors` names each field or query parameter with its messages; it is empty when the error is
about the request as a whole (not found, not allowed, throttled…).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def api_exception_handler(exc, context):
    # As DRF's own handler does, so that these get their codes too.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        errors = _as_field_errors(response.data)
        detail = "Some values are invalid: " + "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        code = "invalid"
    else:
        errors = {}
        detail = str(response.data.get("detail", "")) if isinstance(response.data, dict) else str(response.data)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else exc.default_code
    response.data = {"status": response.status_code, "code": code, "detail": detail, "errors": errors}
    return response


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
