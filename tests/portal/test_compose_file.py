"""There is no Docker engine on the build machines, so the compose file is checked by reading it."""

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_runs_the_portal_with_postgresql_16_and_redis():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "web"}
    assert services["redis"]["image"] == "redis:7" and "ping" in services["redis"]["healthcheck"]["test"]
    assert services["db"]["image"] == "postgres:16"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]


def test_the_web_service_uses_gunicorn_production_settings_and_the_database():
    web = compose()["services"]["web"]
    assert web["build"] == "."
    assert "gunicorn insop_portal.wsgi:application" in web["command"]
    assert "migrate" in web["command"] and "load_reference_data" in web["command"] and "load_seed" in web["command"]
    environment = web["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "insop_portal.settings.production"
    assert (
        environment["DATABASE_URL"].startswith("postgres://insop:") and "@db:5432/insop" in environment["DATABASE_URL"]
    )
    # No secret in the repository: the key must come from the environment, or compose refuses to start.
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert web["ports"] == ["127.0.0.1:8000:8000"]
    assert web["depends_on"]["db"]["condition"] == web["depends_on"]["redis"]["condition"] == "service_healthy"
    assert environment["CACHE_URL"] == "redis://redis:6379/0"
    assert "media:/app/media" in web["volumes"]


def test_named_volumes_are_declared():
    document = compose()
    used = {volume.split(":")[0] for service in document["services"].values() for volume in service.get("volumes", [])}
    assert used == set(document["volumes"]) == {"pgdata", "media"}


def test_every_variable_the_settings_read_is_documented_in_env_example():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = {line.lstrip("# ").split("=")[0] for line in example.splitlines() if "=" in line}
    sources = [*(ROOT / "insop_portal" / "settings").glob("*.py"), ROOT / "gunicorn.conf.py"]
    settings_source = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    # env.str("NAME"...), strict_bool(env, "NAME"...), strict_count("NAME"...), os.environ.get("NAME"...)
    read = set(
        re.findall(
            r'(?:env(?:\.\w+)?\(|strict_bool\(env, |strict_count\(|environ\.get\()\s*"([A-Z0-9_]+)"', settings_source
        )
    )
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL", "EMAIL_URL", "PORTAL_BASE_URL"} <= read
    assert read <= documented, read - documented


def test_the_image_installs_the_pinned_dependencies_and_serves_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11" in dockerfile
    assert "pip install -c requirements.lock" in dockerfile
    assert "collectstatic" in dockerfile
    assert '"gunicorn"' in dockerfile
