"""Rate limits beyond the API's general ones: the heavy public pages and the downloads.

Built on DRF's throttles, so they count in the same cache (Redis when CACHE_URL is set, shared by
every server process) and identify a client the same way as the API does: by client_address(),
behind TRUSTED_PROXY_COUNT proxies.
"""

from __future__ import annotations

import math
from functools import wraps

from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

from core.client_address import ClientAddressIdent


class AnonymousPageThrottle(ClientAddressIdent, SimpleRateThrottle):
    """Anonymous visitors of a page that reads many values (search, comparisons): PAGE_THROTTLE_ANON
    requests per client address. Signed-in people are not limited here."""

    scope = "pages"

    def get_cache_key(self, request, view):
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonymousExportThrottle(ClientAddressIdent, SimpleRateThrottle):
    """Downloads (CSV, XLSX) of a whole filtered result have their own, stricter budget: per client
    address for anonymous visitors (EXPORT_THROTTLE_ANON)..."""

    scope = "exports_anon"

    def get_cache_key(self, request, view):
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserExportThrottle(SimpleRateThrottle):
    """...and per account for signed-in people (EXPORT_THROTTLE_USER)."""

    scope = "exports_user"

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


EXPORT_THROTTLES = (AnonymousExportThrottle, UserExportThrottle)


def export_budget_spent(request) -> int | None:
    """For a request as costly as a download (a check of many samples): None while the client's
    download budget (EXPORT_THROTTLES) allows it, else the seconds until it does. Counts the request."""
    for throttle_class in EXPORT_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            return retry_after(throttle)
    return None


def retry_after(throttle: SimpleRateThrottle) -> int:
    """Whole seconds until the throttle lets the client in again (at least 1), for Retry-After."""
    return max(1, math.ceil(throttle.wait() or 1))


def throttled_for_anonymous(view):
    """A page view limited for anonymous visitors by AnonymousPageThrottle: past the rate, a 429 page
    that says when to come back, with Retry-After."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        throttle = AnonymousPageThrottle()
        if throttle.allow_request(request, None):
            return view(request, *args, **kwargs)
        seconds = retry_after(throttle)
        response = render(request, "429.html", {"seconds": seconds}, status=429)
        response["Retry-After"] = str(seconds)
        return response

    return limited
