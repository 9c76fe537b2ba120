"""Development on one machine: `make run`. The .env written by `make run` holds SECRET_KEY."""

from django.core.exceptions import ImproperlyConfigured

from insop_portal.settings.base import *  # noqa: F403
from insop_portal.settings.base import SECRET_KEY, env
from insop_portal.settings.environment import strict_bool

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set: run `make run` once (it writes .env) or export it.")

DEBUG = strict_bool(env, "DEBUG", default=True)
