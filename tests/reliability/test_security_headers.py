"""Item 2 of the reliability suite: the deployment checklist and the security headers.

The headers are set in every environment; HSTS and secure cookies only in production, whose settings
are loaded in a child process exactly as gunicorn loads them."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "insop_portal.settings.production",
    "DJANGO_READ_DOT_ENV_FILE": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "sqlite:///:memory:",
    "DEBUG": "false",  # the parent read .env (DEBUG=true for development) into its environment
}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def test_the_deployment_checklist_passes_at_warning_level_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=PRODUCTION,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_sends_hsts_and_every_security_header():
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "response = Client().get('/api/v1/', secure=True, headers={'host': 'localhost'});"
        "print(json.dumps({'status': response.status_code, 'headers': dict(response.headers)}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=PRODUCTION, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    headers = answer["headers"]
    assert answer["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in headers["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/countries/DEU/", "/api/v1/thresholds/", "/api/docs/", "/api/redoc/", "/admin/login/"]
)
def test_every_page_sends_a_csp_that_allows_no_inline_script_and_no_other_site(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = csp_directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"], "no 'unsafe-inline', no 'unsafe-eval', no other site"
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_documentation_pages_hold_no_inline_script_and_nothing_from_another_site(client, path):
    html = client.get(path).content.decode()
    assert "<script>" not in html
    assert "googleapis" not in html and "cdn" not in html.lower()
