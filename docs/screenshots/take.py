"""Screenshots of the main public pages for the README: `make screenshots`.

Serves the portal (the local SQLite database with the seed, as `make run` leaves it) on a spare
port, drives Debian's Chromium through Playwright and writes PNGs beside this file.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# (file, address, language, viewport width, a link to follow first or None)
# The check's two examples: the issue's sample, and one whose values depend on what is not given.
ISSUE_SAMPLE = "pollutant=cadmium&value=1.2&unit=mg/kg&ph=5.5&texture=sand&land_use=agricultural"
DEPENDING_SAMPLE = "pollutant=cadmium&value=0.45&unit=mg/kg&land_use=agricultural&country=CHN,DEU,NLD"
SHOTS = [
    ("home.png", "/", "en", 1280, None),
    ("country.png", "/countries/DEU/?pollutant=cadmium", "en", 1280, None),
    ("comparison.png", "/pollutants/cadmium/?land_use=agricultural", "en", 1280, None),
    ("search.png", "/search/?q=Kadmium&region=Europe", "en", 1280, None),
    ("instrument.png", "/countries/BRA/", "en", 1280, "ul.instruments li.superseded > a"),
    ("country-fr.png", "/countries/DEU/?tier=precautionary", "fr", 1280, None),
    ("country-ar.png", "/countries/DEU/?tier=precautionary", "ar", 1280, None),
    ("comparison-zh.png", "/pollutants/cadmium/?land_use=agricultural", "zh-hans", 1280, None),
    ("home-ru.png", "/", "ru", 1280, None),
    ("comparison-ar.png", "/pollutants/cadmium/?land_use=agricultural", "ar", 1280, None),
    ("phone.png", "/countries/DEU/?pollutant=cadmium", "en", 375, None),
    ("sops.png", "/sops/demo-sop-aqua-regia/", "en", 1280, None),
    ("kpis.png", "/kpis/", "en", 1280, None),
    ("survey-results.png", "/survey/results/", "en", 1280, None),
    # An address ending in #id opens the page scrolled to that part.
    ("check.png", f"/check/?{ISSUE_SAMPLE}#result-heading", "en", 1280, None),
    ("check-es.png", f"/check/?{DEPENDING_SAMPLE}#sample-1", "es", 1280, None),
    ("agreement.png", "/pollutants/cadmium/#agreement-title", "en", 1280, None),
    ("analysis.png", "/analysis/", "en", 1280, None),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "insop_portal.settings.local"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the portal did not start: run `make seed` first")


def main() -> None:
    port = _free_port()
    server = _serve(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            for name, path, language, width, follow in SHOTS:
                context = browser.new_context(
                    base_url=f"http://127.0.0.1:{port}",
                    viewport={"width": width, "height": 900},
                    extra_http_headers={"Accept-Language": language},
                )
                page = context.new_page()
                page.goto(path)
                if follow:
                    page.locator(follow).first.click()
                    page.wait_for_load_state()
                page.screenshot(path=str(HERE / name), full_page=False)
                context.close()
                print(f"docs/screenshots/{name}  {path} ({language}, {width} px)")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
