"""Browser fixtures: Debian's Chromium driven by Playwright against a live server.

Needs `apt-get install chromium` (CI installs it); Playwright does not download a browser here.
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def browser():
    assert shutil.which(CHROMIUM), "Chromium is needed for the browser tests: apt-get install -y chromium"
    # Playwright's sync API keeps an event loop in this thread; Django's database calls in the test
    # itself are still synchronous, so its async-safety guard is lifted while the browser runs.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, portal_server):
    context = browser.new_context(base_url=portal_server.url, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()
