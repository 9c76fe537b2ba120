"""Production: gunicorn behind a TLS-terminating proxy, PostgreSQL, whitenoise for static files.

Refuses to start without SECRET_KEY or with DEBUG on, and passes `manage.py check --deploy`.
"""

import warnings

from django.core.exceptions import ImproperlyConfigured

from insop_portal.settings.base import *  # noqa: F403
from insop_portal.settings.base import CACHES, DEBUG, SECRET_KEY, env
from insop_portal.settings.environment import strict_bool

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production (50+ random characters).")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY is too short or too simple: use 50+ random characters.")
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production: unset it or set DEBUG=false.")
# API throttling and the password-reset limit count in the cache: one per process would give each
# gunicorn worker its own budget, reset at every restart. Not refused, because building the image
# (collectstatic), the benchmarks and `check --deploy` load these settings with no cache server.
if CACHES["default"]["BACKEND"].rsplit(".", 2)[-2] in {"locmem", "dummy"}:
    warnings.warn(
        "CACHE_URL names no shared cache: each server process counts API requests and password resets "
        "on its own. Set CACHE_URL=redis://host:6379/0 (docker compose does).",
        RuntimeWarning,
        stacklevel=1,
    )

# HTTPS is on unless the deployment explicitly serves plain HTTP (the local docker compose does).
HTTPS = strict_bool(env, "HTTPS", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SESSION_COOKIE_HTTPONLY = True
