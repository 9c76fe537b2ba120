"""Settings read from the environment refuse to start on a missing or malformed value."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

GOOD_KEY = secrets.token_urlsafe(50)


def run_django(settings_module: str, *args: str, **environment: str) -> subprocess.CompletedProcess:
    """manage.py in a clean process, with only the given variables set (no .env file)."""
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "PYTHONPATH"}}
    env.update(DJANGO_SETTINGS_MODULE=settings_module, DJANGO_READ_DOT_ENV_FILE="false", **environment)
    return subprocess.run(
        [sys.executable, "manage.py", *(args or ["check"])],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django("insop_portal.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_django("insop_portal.settings.production", SECRET_KEY="changeme")
    assert result.returncode != 0
    assert "SECRET_KEY is too short" in result.stderr


def test_production_refuses_to_start_with_debug_on():
    result = run_django("insop_portal.settings.production", SECRET_KEY=GOOD_KEY, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


@pytest.mark.parametrize("settings_module", ["insop_portal.settings.production", "insop_portal.settings.local"])
def test_a_malformed_boolean_is_refused(settings_module):
    result = run_django(settings_module, SECRET_KEY=GOOD_KEY, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_a_malformed_database_url_is_refused():
    result = run_django("insop_portal.settings.local", SECRET_KEY=GOOD_KEY, DATABASE_URL="mysql//db/insop")
    assert result.returncode != 0
    assert "DATABASE_URL must be a postgres://" in result.stderr


def test_local_settings_ask_for_a_secret_key():
    result = run_django("insop_portal.settings.local")
    assert result.returncode != 0
    assert "SECRET_KEY is not set: run `make run` once" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = run_django(
        "insop_portal.settings.production",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=GOOD_KEY,
        DATABASE_URL="postgres://portal@127.0.0.1:5432/insop",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_database_url_selects_postgresql_with_health_checks():
    import environ

    from insop_portal.settings.environment import database_config

    os.environ["DATABASE_URL"] = "postgres://portal:pw@db.internal:5433/insop"
    try:
        config = database_config(environ.Env(), default_sqlite_path="/tmp/unused.sqlite3")
    finally:
        del os.environ["DATABASE_URL"]
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "insop")
    assert config["CONN_HEALTH_CHECKS"] is True
    assert database_config(environ.Env(), default_sqlite_path="/tmp/x.sqlite3")["ENGINE"].endswith("sqlite3")


def test_cache_url_selects_redis_and_defaults_to_memory():
    shown = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    redis = run_django(
        "insop_portal.settings.local", "shell", "-c", shown, SECRET_KEY=GOOD_KEY, CACHE_URL="redis://127.0.0.1:6379/0"
    )
    assert redis.returncode == 0, redis.stderr
    assert redis.stdout.strip().endswith("django.core.cache.backends.redis.RedisCache")
    memory = run_django("insop_portal.settings.local", "shell", "-c", shown, SECRET_KEY=GOOD_KEY)
    assert memory.stdout.strip().endswith("django.core.cache.backends.locmem.LocMemCache"), memory.stderr
    bad = run_django("insop_portal.settings.local", SECRET_KEY=GOOD_KEY, CACHE_URL="memcache-ish://nowhere")
    assert bad.returncode != 0 and "cache" in bad.stderr.lower()


def test_uploaded_files_go_to_an_s3_bucket_when_one_is_named():
    shown = (
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__module__, s.bucket_name if hasattr(s, 'bucket_name') else s.location)"
    )
    bucket = run_django(
        "insop_portal.settings.local",
        "shell",
        "-c",
        shown,
        SECRET_KEY=GOOD_KEY,
        S3_BUCKET="insop-media",
        S3_ENDPOINT_URL="http://127.0.0.1:9000",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",
    )
    assert bucket.returncode == 0, bucket.stderr
    assert bucket.stdout.split()[-2:] == ["storages.backends.s3", "insop-media"]
    local = run_django("insop_portal.settings.local", "shell", "-c", shown, SECRET_KEY=GOOD_KEY)
    assert local.stdout.split()[-2] == "django.core.files.storage.filesystem", local.stderr
