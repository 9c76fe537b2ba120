"""Settings shared by every environment. Values come from the environment (or a .env file)."""

from __future__ import annotations

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from insop_portal.settings.environment import database_config, strict_bool, strict_count

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env (written by `make run`) fills in what the real environment does not set.
# DJANGO_READ_DOT_ENV_FILE=false ignores it (containers get their environment from outside).
if strict_bool(env, "DJANGO_READ_DOT_ENV_FILE", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = strict_bool(env, "DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Proxies in front of the portal that each append the address they were reached from to
# X-Forwarded-For (one TLS proxy: 1). 0: X-Forwarded-For is ignored, anyone can send it. The client's
# address (core/client_address.py) counts API requests, sign-in failures and password resets.
TRUSTED_PROXY_COUNT = strict_count("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    # Bottom floor to top (docs/architecture.md): an app imports only from those above it here.
    "core",
    "reference",
    "sops",
    "thresholds",
    "surveys",
    "indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a body: one over the address's limit is a 413 before a byte is read.
    "core.request_body.RequestBodyLimitMiddleware",
    "core.middleware.RejectNulBytesMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every GET response that has none, and 304 for a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # After authentication: anonymous visitors get the shorter limit.
    "core.statement_timeout.StatementTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "insop_portal.urls"
WSGI_APPLICATION = "insop_portal.wsgi.application"
ASGI_APPLICATION = "insop_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "insop_portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": database_config(env, default_sqlite_path=str(BASE_DIR / "db.sqlite3"))}
# Seconds any one SQL statement of a request may run (PostgreSQL; 0: no limit). Signed-in people
# import spreadsheets from the admin; downloads stream for as long as the client reads.
STATEMENT_TIMEOUT_ANONYMOUS = env.float("STATEMENT_TIMEOUT_ANONYMOUS", default=5)
STATEMENT_TIMEOUT_SIGNED_IN = env.float("STATEMENT_TIMEOUT_SIGNED_IN", default=120)
STATEMENT_TIMEOUT_EXPORT = env.float("STATEMENT_TIMEOUT_EXPORT", default=600)

# The cache holds API throttling counters, password-reset counts and derived figures (country
# coverage). In memory per process by default; Redis (CACHE_URL=redis://host:6379/0) shares it
# between server processes, as production needs (production.py warns without it).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # A username, or the e-mail address of one account (focal points are invited by e-mail).
    "core.accounts.UsernameOrEmailBackend",
]
# Failed sign-ins: after 5 for one username from one address, that pair waits an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures count under the account's username however it was typed (username or e-mail), and under
# the client's address behind the trusted proxies, not the proxy's own.
AXES_USERNAME_CALLABLE = "core.accounts.lockout_username"
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Lockouts are logged (logger "axes", WARNING) with the username, so operators see which account is
# under attack; addresses stay masked in the log and are recorded in the admin's access attempts.
AXES_SENSITIVE_PARAMETERS = ["ip_address"]
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # each failure kept (admin: Axes > access failures)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: Django tells it of every password change (admin, change and reset pages,
    # manage.py changepassword), and it withdraws the account's API tokens.
    {"NAME": "core.api_tokens.ApiTokensEndWithPassword"},
]
# An API token stops working this many days after it was issued.
API_TOKEN_MAX_AGE_DAYS = strict_count("API_TOKEN_MAX_AGE_DAYS", default=30, minimum=1)

# The six official languages of the United Nations.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded files (SOP documents, survey legal texts): a local folder (MEDIA_ROOT) unless S3_BUCKET
# names an S3-compatible bucket (AWS, MinIO, Ceph...), reached with django-storages.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "querystring_auth": True,  # private bucket: downloads go through the portal or signed links
            "file_overwrite": False,
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# console in development; smtp+tls://user:password@host:587 in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="INSOP portal <noreply@localhost>")
# The portal's public address, for links in e-mails (invitations, survey notices).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # A token (POST /api/v1/auth/token/) for scripts, the session for the browser. Token first, so
    # that an anonymous write gets 401 with WWW-Authenticate rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api_tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_FILTER_BACKENDS": ["core.filters.PortalFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.BoundedLimitOffsetPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api_errors.api_exception_handler",
    # DRF's JSON parser, with a 400 for bodies nested too deeply or in a charset they are not in.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 100,
    # 429 with Retry-After past these rates; per client address (anonymous) or per account.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.client_address.AnonRateThrottle",
        "core.client_address.UserRateThrottle",
    ],
    # DRF throttles other than these two trust X-Forwarded-For as far (DRF reads it itself).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
        # Pages that read many values (search, comparisons), anonymous visitors only.
        "pages": env.str("PAGE_THROTTLE_ANON", default="30/min"),
        # Downloads of a whole filtered result (CSV, XLSX), per address / per account.
        "exports_anon": env.str("EXPORT_THROTTLE_ANON", default="20/hour"),
        "exports_user": env.str("EXPORT_THROTTLE_USER", default="120/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "INSOP Soil Pollutant Threshold Portal API",
    "DESCRIPTION": (
        "Soil-pollutant threshold values by country, with the source's own words beside harmonised classes. "
        "Anonymous clients read published values; curators also see drafts."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc are served from this site (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ThresholdStatusEnum": "thresholds.models.ThresholdValue.Status",
        "InstrumentStatusEnum": "thresholds.models.LegalInstrument.Status",
        "AnswerEnum": "surveys.models.Answer",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_errors.document_errors",
        "insop_portal.api_docs.tag_and_summarise",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # [client]: the address of the request a record is about (client_address.py), or "-".
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(client)s]: %(message)s"}},
    "filters": {"client": {"()": "core.client_address.ClientAddressLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["client"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Shown in the footer and in "how to cite".
PORTAL_NAME = "INSOP Soil Pollutant Threshold Portal"
PORTAL_DATA_LICENCE = env.str("PORTAL_DATA_LICENCE", default="CC BY-NC-SA 3.0 IGO")
PORTAL_DATA_LICENCE_URL = env.str(
    "PORTAL_DATA_LICENCE_URL", default="https://creativecommons.org/licenses/by-nc-sa/3.0/igo/"
)

# Spreadsheet imports: files over these limits are refused before parsing.
THRESHOLD_IMPORT_MAX_BYTES = env.int("THRESHOLD_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
THRESHOLD_IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("THRESHOLD_IMPORT_MAX_UNCOMPRESSED_BYTES", default=400 * 1024 * 1024)
# Pages of the threshold list kept for anonymous visitors until the data changes (at most this long; 0: off).
API_LIST_CACHE_SECONDS = env.int("API_LIST_CACHE_SECONDS", default=300)
THRESHOLD_IMPORT_MAX_ROWS = env.int("THRESHOLD_IMPORT_MAX_ROWS", default=200_000)
# An XLSX export is built row by row in Python (about 0.35 ms a value): larger results are refused
# with a pointer to the CSV, which PostgreSQL writes itself.
EXPORT_XLSX_MAX_ROWS = env.int("EXPORT_XLSX_MAX_ROWS", default=20_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The survey's values form posts every value of a country at once (16 fields a row; Germany has
# 31 values, a large country thousands): Django's default of 1,000 fields refused more than 60.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100_000
# The largest request body (forms, JSON) anywhere; upload addresses take their file limit on top
# (REQUEST_BODY_UPLOAD_LIMITS). Larger bodies are refused (413) before they are read.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
# The survey's uploads: legal texts (PDF) and filled value templates.
SURVEY_UPLOAD_MAX_BYTES = env.int("SURVEY_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# SOP documents (PDF or DOCX) uploaded by curators.
SOP_DOCUMENT_MAX_BYTES = env.int("SOP_DOCUMENT_MAX_BYTES", default=50 * 1024 * 1024)
# Addresses that take a file, and its limit (core/request_body.py; the longest prefix wins).
REQUEST_BODY_UPLOAD_LIMITS = {
    "/admin/thresholds/thresholdvalue/import/": THRESHOLD_IMPORT_MAX_BYTES,
    "/admin/sops/": SOP_DOCUMENT_MAX_BYTES,
    "/survey/responses/": SURVEY_UPLOAD_MAX_BYTES,
}

# Security headers in every environment, so that the tests and the browser tests see what production
# sends. Scripts come only from this site (no inline scripts, no eval); inline styles stay allowed
# because the admin's widgets, Swagger UI and ReDoc set them. production.py adds HSTS and secure cookies.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # ReDoc's search runs in a worker it builds from a blob.
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "survey-home"
LOGOUT_REDIRECT_URL = "home"
