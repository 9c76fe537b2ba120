"""Reliability: 200 survey autosaves at once on the portal as deployed; 0 errors, 0 lost updates.

    DATABASE_URL=postgres://... python bench/autosave_load.py [--clients 200] [--responses 20]

gunicorn runs with gunicorn.conf.py's recommended settings. Each client is a focal point's browser
tab (a real session and CSRF cookie) autosaving section D of its country's response with its own
text, all released together; a client told 409 (someone saved first) takes the version the answer
gives and saves again, as a person would after reloading. At the end:
  errors        = answers other than 200 and 409, and failed connections (must be 0);
  lost updates  = acknowledged saves missing from the response's history, or versions that skip or
                  repeat, or a final state other than the last acknowledged save (must be 0).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

from common import django_setup, gunicorn, machine, require_postgresql

PORT = 8781
ATTEMPTS = 100


def prepare(responses: int) -> list[dict]:
    """One open edition, `responses` countries each with a focal point, a response and a session."""
    import datetime

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from reference.models import Country
    from surveys.models import FocalPoint, SurveyEdition
    from surveys.services import response_start

    today = datetime.date.today()
    edition, _ = SurveyEdition.objects.get_or_create(
        year=today.year + 50,  # its own edition, apart from real ones
        defaults={
            "title": "Autosave load drill",
            "opens_on": today - datetime.timedelta(days=1),
            "closes_on": today + datetime.timedelta(days=1),
        },
    )
    users = []
    for country in Country.objects.filter(kind="country").order_by("iso3")[:responses]:
        user, _ = get_user_model().objects.get_or_create(username=f"autosave-{country.iso3.lower()}")
        FocalPoint.objects.get_or_create(user=user, defaults={"country": country})
        response = response_start(edition=edition, country=country, user=user)
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        users.append({"response": response.pk, "version": response.version, "session": session.session_key})
    return users


def client(number: int, focal: dict, barrier: threading.Barrier, results: list) -> None:
    csrf = secrets.token_hex(16)  # a 32-character secret, sent as cookie and header alike
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    cookie = f"sessionid={focal['session']}; csrftoken={csrf}"
    url = f"http://127.0.0.1:{PORT}/survey/responses/{focal['response']}/d/"
    version, text = focal["version"], f"autosave {number}"
    barrier.wait()
    for _attempt in range(ATTEMPTS):
        body = urllib.parse.urlencode(
            {"version": version, "working_towards_adoption": "yes", "comments": text, "needs_other": text}
        ).encode()
        request = urllib.request.Request(
            url, data=body, headers={"Cookie": cookie, "X-CSRFToken": csrf, "X-Autosave": "1", "Referer": url}
        )
        try:
            with opener.open(request, timeout=120) as answer:
                saved = json.loads(answer.read())
                results.append(("saved", focal["response"], saved["version"], text))
                return
        except urllib.error.HTTPError as error:
            if error.code != 409:
                results.append(("error", focal["response"], error.code, error.read()[:200].decode(errors="replace")))
                return
            version = json.loads(error.read())["version"]
            results.append(("refused", focal["response"], 409, text))
        except OSError as error:
            results.append(("error", focal["response"], 0, str(error)))
            return
    results.append(("error", focal["response"], 0, f"still refused after {ATTEMPTS} attempts"))


def lost_updates(results: list, focals: list[dict]) -> list[str]:
    from surveys.models import SurveyResponse

    problems = []
    acknowledged = defaultdict(dict)
    for kind, response, version, text in results:
        if kind == "saved":
            acknowledged[response][version] = text
    for focal in focals:
        saves = acknowledged[focal["response"]]
        start = focal["version"]
        if sorted(saves) != list(range(start + 1, start + 1 + len(saves))):
            problems.append(f"response {focal['response']}: versions {sorted(saves)} skip or repeat")
        history = SurveyResponse.history.filter(id=focal["response"], version__gt=start)
        recorded = dict(history.values_list("version", "comments"))
        if recorded != saves:
            missing = {v: t for v, t in saves.items() if recorded.get(v) != t}
            problems.append(f"response {focal['response']}: acknowledged but not in history: {missing}")
        final = SurveyResponse.objects.get(pk=focal["response"])
        if saves and final.comments != saves[max(saves)]:
            problems.append(f"response {focal['response']}: final state is not the last acknowledged save")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--responses", type=int, default=20)
    parser.add_argument("--log", type=Path, help="keep the server's log here")
    args = parser.parse_args()
    # Sessions made here must be valid in the server: both sign with the same key.
    os.environ["SECRET_KEY"] = secret_key = secrets.token_urlsafe(50)
    django_setup()
    require_postgresql()
    focals = prepare(args.responses)
    results: list = []
    barrier = threading.Barrier(args.clients)
    threads = [
        threading.Thread(target=client, args=(number, focals[number % len(focals)], barrier, results))
        for number in range(args.clients)
    ]
    with gunicorn(port=PORT, workers=None, log=args.log, SECRET_KEY=secret_key):
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    errors = [item for item in results if item[0] == "error"]
    saved = [item for item in results if item[0] == "saved"]
    problems = lost_updates(results, focals)
    print(f"Machine: {machine()}\n{args.clients} clients autosaving {len(focals)} responses at once\n")
    refused = sum(1 for item in results if item[0] == "refused")
    print("| clients | responses | saves acknowledged | told 409 and saved again | errors | lost updates | seconds |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {args.clients} | {len(focals)} | {len(saved)} | {refused} | {len(errors)} | {len(problems)} | "
        f"{seconds:.1f} |"
    )
    for item in errors[:10] + [(problem,) for problem in problems[:10]]:
        print("  ", *item)
    if errors or problems or len(saved) != args.clients:
        raise SystemExit("Autosaves under load saw errors or lost updates: see above.")


if __name__ == "__main__":
    main()
