"""Request bodies are limited before anything reads them.

Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only once a view reads the form or the JSON, and an
upload's size only once the whole file has been received: a client could make the portal receive
(and spool to disk) a body of any size. This middleware, first after SecurityMiddleware, refuses a
declared Content-Length over the limit for its address with 413 before a byte of it is read.
"""

from __future__ import annotations

import codecs

from django.conf import settings
from django.http import HttpResponse

from core.api_errors import error_response


def body_limit(path: str) -> int:
    """The largest body, in bytes, that `path` takes: an upload address's file limit plus the general
    limit for the form around the file (longest prefix in REQUEST_BODY_UPLOAD_LIMITS), else the
    general REQUEST_BODY_MAX_BYTES."""
    prefixes = [prefix for prefix in settings.REQUEST_BODY_UPLOAD_LIMITS if path.startswith(prefix)]
    if not prefixes:
        return settings.REQUEST_BODY_MAX_BYTES
    return settings.REQUEST_BODY_UPLOAD_LIMITS[max(prefixes, key=len)] + settings.REQUEST_BODY_MAX_BYTES


class LimitedInput:
    """wsgi.input for a body without Content-Length (chunked): reading stops at the limit.

    Django reads such a body as empty; this keeps anything that reads wsgi.input itself from
    receiving more than the address takes.
    """

    def __init__(self, stream, limit: int):
        self.stream, self.remaining = stream, limit

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.stream.read(size)
        self.remaining -= len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        line = self.stream.readline(size)
        self.remaining -= len(line)
        return line

    def __iter__(self):
        while line := self.readline():
            yield line


class RequestBodyLimitMiddleware:
    """413 for a declared body over the address's limit; 400 for a Content-Length that is no number;
    415 for a charset that is not a text encoding (e.g. "zlib", which Python would happily use to
    decode the body). JSON in the API's error shape under /api/, plain text elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = body_limit(request.path)
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared:
            request.environ["wsgi.input"] = LimitedInput(request.environ["wsgi.input"], limit)
        elif not declared.isdigit():
            return _refusal(request, 400, "invalid", "Content-Length must be the body's size in bytes.")
        elif int(declared) > limit:
            return _refusal(
                request,
                413,
                "too_large",
                f"The request body is {_megabytes(int(declared))}; this address takes at most {_megabytes(limit)}.",
            )
        charset = request.content_params.get("charset") if request.content_type else None
        if charset and not _is_text_encoding(charset):
            return _refusal(
                request,
                415,
                "unsupported_media_type",
                f"charset={charset} is not a text encoding; send the body in UTF-8.",
            )
        return self.get_response(request)


def _is_text_encoding(name: str) -> bool:
    try:
        return codecs.lookup(name)._is_text_encoding
    except LookupError:
        return True  # unknown names are ignored by Django, which then reads UTF-8


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size >= 2**20 / 10 else f"{size:,} bytes"


def _refusal(request, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(status, code, message)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
