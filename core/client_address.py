"""The address of the client a request comes from, as API throttling, the sign-in lockout
(django-axes), the password-reset limit and the logs see it.

Behind TRUSTED_PROXY_COUNT proxies that each append the address they received the request from to
X-Forwarded-For, the client is the Nth entry from the right: everything further left was written by
the client and proves nothing. With no trusted proxy (the default) X-Forwarded-For is ignored, since
anyone can send it; the client is the connection's own address (REMOTE_ADDR).

The logs show the same address: Django's request log records (ClientAddressLogFilter) and gunicorn's
access log (gunicorn_logging.py).
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from rest_framework import throttling


def client_address(request) -> str | None:
    """The client's IP address. A missing or malformed X-Forwarded-For (fewer entries than trusted
    proxies, or not an address where the client's should be) gives the connection's address."""
    return client_address_in(request.META)


def client_address_in(environ) -> str | None:
    """client_address() from a WSGI environ (a request's META), for gunicorn's access log."""
    remote_addr = environ.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies == 0:
        return remote_addr
    forwarded = [entry.strip() for entry in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return remote_addr
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote_addr


class ClientAddressIdent:
    """For DRF throttles: count anonymous clients by client_address(), not by DRF's own reading of
    X-Forwarded-For (which trusts the whole header when NUM_PROXIES is unset)."""

    def get_ident(self, request):
        return client_address(request)


class AnonRateThrottle(ClientAddressIdent, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressIdent, throttling.UserRateThrottle):
    pass


class ClientAddressLogFilter(logging.Filter):
    """Gives every log record a `client`: the address of the request it is about (Django's request
    and security loggers attach the request), or "-"."""

    def filter(self, record):
        request = getattr(record, "request", None)
        meta = getattr(request, "META", None)
        record.client = (client_address_in(meta) if meta is not None else None) or "-"
        return True
