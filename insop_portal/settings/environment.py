"""Reading configuration from the environment, strictly.

django-environ does the parsing; this module adds the checks it leaves out, so that a
malformed value stops the process at start-up instead of being quietly read as a default.
"""

from __future__ import annotations

import os
import re

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}


def strict_bool(env: environ.Env, name: str, *, default: bool) -> bool:
    """A boolean variable that refuses anything but the usual yes/no words."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        allowed = ", ".join(sorted(TRUE_WORDS | FALSE_WORDS - {""}))
        raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of {allowed}.")
    return env.bool(name, default=default)


def strict_count(name: str, *, default: int, minimum: int = 0) -> int:
    """A whole number, at least `minimum`; anything else (a word, a sign, a fraction) stops the process."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    if not re.fullmatch(r"[0-9]+", raw.strip()) or int(raw) < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number of {minimum} or more.")
    return int(raw)


def database_config(env: environ.Env, *, default_sqlite_path: str) -> dict:
    """DATABASE_URL as a Django DATABASES entry; unset means an embedded SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": default_sqlite_path}
    scheme = url.split(":", 1)[0].lower()
    if "://" not in url or scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a postgres://user@host:port/name or sqlite:///path URL, not {url.split('@')[-1]!r}."
        )
    config = env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.postgresql":
        if not config.get("NAME"):
            raise ImproperlyConfigured("DATABASE_URL names no database: add /<name> at the end.")
        # Keep connections open between requests, and check them before use so the portal
        # recovers by itself after the database restarts.
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
    return config
