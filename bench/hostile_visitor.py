"""Reliability: the independent audit's attacks replayed over HTTP against the portal as deployed.

    DATABASE_URL=postgres://... python bench/hostile_visitor.py [--log server.log]

gunicorn runs the production settings (2 workers, its configuration file, the default throttles) on
the database DATABASE_URL names, after the load step has filled it (the XLSX case needs more values
than EXPORT_XLSX_MAX_ROWS). Each case is sent as an anonymous visitor, an editor (may change values,
may not publish) or a curator, and must be answered with the status it lists within its time limit.
Afterwards the server must still answer at once, every gunicorn worker must be alive, no PostgreSQL
backend may still be running a statement, and the records the cases aimed at must be unchanged.
Exits non-zero, with the table, when any of that fails.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import secrets
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import requests
from common import django_setup, ensure_rows, gunicorn, machine, require_postgresql

PORT = 8782
BASE = f"http://127.0.0.1:{PORT}"


@dataclass
class Case:
    item: str
    what: str
    who: str
    expect: tuple[int, ...]
    limit: float
    send: object  # a function of a requests.Session giving a requests.Response


def _workbook(dimension: str, cell: str) -> bytes:
    """A minimal, valid .xlsx of one sheet whose one cell sits at `cell`."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData><row r="{cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}">'
        f'<c r="{cell}" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="values" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def prepare() -> dict:
    """An editor and a curator with signed-in sessions and API tokens, and the records the cases aim at."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.sessions.backends.db import SessionStore

    from core.roles import CURATORS_GROUP
    from thresholds.models import LegalInstrument, ThresholdValue

    people = {}
    for name in ("editor", "curator"):
        user, _ = get_user_model().objects.get_or_create(
            username=f"hostile-{name}", defaults={"email": f"hostile-{name}@example.org", "is_staff": True}
        )
        password = secrets.token_urlsafe(16)
        user.set_password(password)
        user.save()
        if name == "curator":
            user.groups.add(Group.objects.get(name=CURATORS_GROUP))
        else:
            user.user_permissions.set(
                Permission.objects.filter(
                    content_type__app_label="thresholds",
                    codename__in=[
                        f"{action}_{model}"
                        for action in ("view", "add", "change")
                        for model in ("thresholdvalue", "legalinstrument")
                    ],
                )
            )
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        people[name] = {"username": user.username, "password": password, "session": session.session_key}
    value = ThresholdValue.objects.filter(status="published").order_by("id").first()
    # Kept between runs (the replay can be run again on the same database).
    draft_instrument, _ = LegalInstrument.objects.get_or_create(
        country_id=value.instrument.country_id, title="Hostile visitor: a draft only instrument"
    )
    draft = ThresholdValue.objects.filter(instrument=draft_instrument).first()
    if draft is None:
        draft = ThresholdValue.objects.get(pk=value.pk)
        draft.pk, draft.status, draft.instrument = None, ThresholdValue.Status.DRAFT, draft_instrument
        draft.save()
    return {"people": people, "value": value, "draft": draft, "draft_instrument": draft_instrument}


def session_for(who: str, state: dict) -> requests.Session:
    session = requests.Session()
    if who != "anonymous":
        csrf = secrets.token_hex(16)
        session.cookies.set("sessionid", state["people"][who]["session"])
        session.cookies.set("csrftoken", csrf)
        session.headers.update({"X-CSRFToken": csrf, "Referer": BASE + "/"})
    return session


def token_for(who: str, state: dict) -> str:
    person = state["people"][who]
    answer = requests.post(
        f"{BASE}/api/v1/auth/token/", data={"username": person["username"], "password": person["password"]}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()["token"]


def cases(state: dict) -> list[Case]:
    value = state["value"]
    words = " ".join(f"w{number}" for number in range(2000))  # past gunicorn's request line: its 414
    fitting = " ".join(f"{number:x}" for number in range(600))  # 600 words within the request line
    letters = " ".join(["a"] * 2000)
    xfd = _workbook("A1:XFD1048576", "XFD1048576")
    declared = _workbook("A1:AZ100000", "AZ100000")
    nested = "[" * 100_000 + "]" * 100_000
    api_value = f"{BASE}/api/v1/thresholds/{value.pk}/"
    token = {}

    def api(who, session, method, url, **kwargs):
        if who not in token:
            token[who] = token_for(who, state)
        session.headers["Authorization"] = f"Token {token[who]}"
        return session.request(method, url, timeout=60, **kwargs)

    def curator_api(session, method, url, **kwargs):
        return api("curator", session, method, url, **kwargs)

    def publish_draft(session):
        address = f"{BASE}/api/v1/thresholds/{state['draft'].pk}/"
        etag = api("editor", session, "GET", address).headers.get("ETag", "")
        return api("editor", session, "PATCH", address, json={"status": "published"}, headers={"If-Match": etag})

    def upload(session, name, content):
        return session.post(
            f"{BASE}/admin/thresholds/thresholdvalue/import/", files={"file": (name, content)}, timeout=60
        )

    return [
        Case(
            "1",
            "search of 2,000 different words",
            "anonymous",
            (400, 414),
            1,
            lambda s: s.get(f"{BASE}/search/", params={"q": words}, timeout=60),
        ),
        Case(
            "1",
            "search of 600 different words",
            "anonymous",
            (400,),
            1,
            lambda s: s.get(f"{BASE}/search/", params={"q": fitting}, timeout=60),
        ),
        Case(
            "1",
            "API q of 600 different words",
            "anonymous",
            (400,),
            1,
            lambda s: s.get(f"{BASE}/api/v1/thresholds/", params={"q": fitting}, timeout=60),
        ),
        Case(
            "1",
            "search of one letter 2,000 times (one word, matching most values)",
            "anonymous",
            (200,),
            2,
            lambda s: s.get(f"{BASE}/search/", params={"q": letters}, timeout=60),
        ),
        Case(
            "1",
            "API q of 2,000 different words",
            "anonymous",
            (400, 414),
            1,
            lambda s: s.get(f"{BASE}/api/v1/thresholds/", params={"q": words}, timeout=60),
        ),
        Case(
            "2",
            "import preview of a 1.5 KB workbook with a cell at XFD1048576",
            "curator",
            (200,),
            5,
            lambda s: upload(s, "cells.xlsx", xfd),
        ),
        Case(
            "2",
            "import preview of a workbook declaring 100,000 x 52 cells",
            "curator",
            (200,),
            5,
            lambda s: upload(s, "declared.xlsx", declared),
        ),
        Case(
            "3",
            "XLSX export of everything",
            "anonymous",
            (400,),
            2,
            lambda s: s.get(f"{BASE}/api/v1/thresholds/", params={"format": "xlsx"}, timeout=60),
        ),
        Case("5", "an editor publishing a draft value through the API", "editor", (403,), 2, publish_draft),
        Case(
            "10",
            "comparison page of cadmium (paginated, chart kept)",
            "anonymous",
            (200,),
            5,
            lambda s: s.get(f"{BASE}/pollutants/cadmium/", timeout=60),
        ),
        Case(
            "12",
            "/sops/?status=draft",
            "anonymous",
            (200, 400),
            2,
            lambda s: s.get(f"{BASE}/sops/", params={"status": "draft"}, timeout=60),
        ),
        Case(
            "12",
            "a draft-only instrument's page",
            "anonymous",
            (404,),
            2,
            lambda s: s.get(f"{BASE}/instruments/{state['draft_instrument'].pk}/", timeout=60),
        ),
        Case(
            "15",
            "malformed cursor position (p=abc)",
            "anonymous",
            (400, 404),
            2,
            lambda s: s.get(
                f"{BASE}/api/v1/thresholds/", params={"cursor": base64.b64encode(b"p=abc").decode()}, timeout=60
            ),
        ),
        Case(
            "15",
            "JSON nested 100,000 deep",
            "curator",
            (400,),
            2,
            lambda s: curator_api(
                s, "POST", f"{BASE}/api/v1/thresholds/", data=nested, headers={"Content-Type": "application/json"}
            ),
        ),
        Case(
            "15",
            "POST with charset=latin-1",
            "curator",
            (400, 415),
            2,
            lambda s: curator_api(
                s,
                "POST",
                f"{BASE}/api/v1/thresholds/",
                data='{"notes": "caf\xe9"}'.encode("latin-1"),
                headers={"Content-Type": "application/json; charset=latin-1"},
            ),
        ),
        Case(
            "15",
            "sign-in with a 300-character username",
            "anonymous",
            (200, 400),
            2,
            lambda s: s.post(
                f"{BASE}/api/v1/auth/token/",
                data={"username": secrets.token_hex(5) + "u" * 290, "password": "x"},
                timeout=60,
            ),
        ),
        Case(
            "16",
            "If-Match of 5,000 digits",
            "curator",
            (412,),
            2,
            lambda s: curator_api(
                s,
                "PATCH",
                api_value,
                json={"notes": "x"},
                headers={"If-Match": f'"thresholdvalue-{value.pk}-v{"9" * 5000}"'},
            ),
        ),
        Case(
            "16",
            "a 30-digit id",
            "anonymous",
            (404,),
            2,
            lambda s: s.get(f"{BASE}/api/v1/thresholds/{'9' * 30}/", timeout=60),
        ),
        Case(
            "18",
            "an 11 MB JSON body",
            "curator",
            (413,),
            5,
            lambda s: curator_api(
                s,
                "POST",
                f"{BASE}/api/v1/thresholds/",
                data=b'{"notes": "' + b"x" * 11_000_000 + b'"}',
                headers={"Content-Type": "application/json"},
            ),
        ),
        Case(
            "18",
            "a 30 MB chunked body",
            "anonymous",
            (400, 401, 403, 413),
            5,
            lambda s: s.post(
                f"{BASE}/api/v1/thresholds/",
                data=(b"x" * 1_000_000 for _ in range(30)),
                headers={"Content-Type": "application/json"},
                timeout=60,
            ),
        ),
        Case(
            "20",
            "ordering=-value on a JSON list",
            "anonymous",
            (200, 400),
            2,
            lambda s: s.get(f"{BASE}/api/v1/thresholds/", params={"ordering": "nonsense"}, timeout=60),
        ),
    ]


def spoofed_throttle() -> tuple[int, int]:
    """130 API requests, each with a new X-Forwarded-For, against the default 120/min anonymous limit."""
    statuses = [
        requests.get(
            f"{BASE}/api/v1/tiers/", headers={"X-Forwarded-For": f"10.{n // 250}.{n % 250}.1"}, timeout=30
        ).status_code
        for n in range(130)
    ]
    return statuses.count(200), statuses.count(429)


def busy_backends() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT left(query, 80), now() - query_start FROM pg_stat_activity "
            "WHERE state = 'active' AND pid <> pg_backend_pid() AND datname = current_database()"
        )
        return [f"{query} ({elapsed})" for query, elapsed in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", type=Path, help="keep the server's log here")
    args = parser.parse_args()
    os.environ["SECRET_KEY"] = secret_key = secrets.token_urlsafe(50)
    # Throttle counters in Redis, as production keeps them (per process they would be per worker).
    os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/15")
    django_setup()
    require_postgresql()
    from django.conf import settings

    from thresholds.models import ThresholdValue

    ensure_rows(settings.EXPORT_XLSX_MAX_ROWS + 1)  # so that an export of everything is past the XLSX limit
    from django.core.cache import cache

    cache.clear()  # no counters left by an earlier run
    state = prepare()
    before = ThresholdValue.objects.filter(pk=state["value"].pk).values().get()
    values_before = ThresholdValue.objects.count()
    failures, rows = [], []
    # The default throttles, except that every case comes from 127.0.0.1: the page limit is raised
    # for the cases (the tests check it); the API's own (120/min), as deployed, is tried last.
    with gunicorn(
        port=PORT,
        log=args.log,
        SECRET_KEY=secret_key,
        PAGE_THROTTLE_ANON="1000/min",
        API_THROTTLE_ANON="120/min",
        API_THROTTLE_USER="600/min",
        CACHE_URL=os.environ["CACHE_URL"],
    ) as process:
        for case in cases(state):
            session = session_for(case.who, state)
            started = time.perf_counter()
            try:
                status = case.send(session).status_code
            except requests.RequestException as error:
                status = f"no answer ({type(error).__name__})"
            elapsed = time.perf_counter() - started
            ok = status in case.expect and elapsed < case.limit
            rows.append(
                f"| {case.item} | {case.what} | {case.who} | {status} | {elapsed:.2f} s | {'ok' if ok else 'FAILED'} |"
            )
            if not ok:
                failures.append(
                    f"item {case.item}, {case.what}: {status} in {elapsed:.2f} s, "
                    f"expected {case.expect} within {case.limit} s"
                )
        passed, limited = spoofed_throttle()
        verdict = "ok" if limited else "FAILED"
        rows.append(
            f"| 8 | 130 API requests, each with a new X-Forwarded-For | anonymous | "
            f"{passed} × 200, {limited} × 429 | | {verdict} |"
        )
        if not limited:
            failures.append("item 8: a spoofed X-Forwarded-For bypassed the API throttle")
        started = time.perf_counter()
        alive = requests.get(f"{BASE}/api/v1/tiers/", headers={"X-Forwarded-For": "1.2.3.4"}, timeout=30)
        after = time.perf_counter() - started
        workers = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True).stdout.split()
    time.sleep(1)
    busy = busy_backends()
    after_value = ThresholdValue.objects.filter(pk=state["value"].pk).values().get()
    if len(workers) < 3:
        failures.append(f"gunicorn has {len(workers) - 1} workers left of 2")
    if after > 1 or alive.status_code not in (200, 429):
        failures.append(f"the server answered {alive.status_code} in {after:.2f} s after the attacks")
    if busy:
        failures.append(f"PostgreSQL backends still busy: {busy}")
    draft = ThresholdValue.objects.get(pk=state["draft"].pk)
    if after_value != before or ThresholdValue.objects.count() != values_before or draft.status != "draft":
        failures.append("a case changed the database")
    print(f"Hostile visitor: {machine()}; gunicorn, 2 workers, production settings\n")
    print("| Item | Case | As | Answer | Time | |\n|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"\nAfterwards: {len(workers) - 1} workers alive, a trivial request in {after:.2f} s, "
        f"{len(busy)} busy PostgreSQL backends, the target value unchanged: {after_value == before}"
    )
    if failures:
        raise SystemExit("Hostile visitor FAILED:\n  " + "\n  ".join(failures))


if __name__ == "__main__":
    main()
