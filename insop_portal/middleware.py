"""Requests the database could never answer are refused before any view runs."""

from django.http import HttpResponseBadRequest

from insop_portal.api_errors import error_response


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
