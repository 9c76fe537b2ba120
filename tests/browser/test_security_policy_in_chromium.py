"""The Content-Security-Policy in a real browser: every kind of page works under it and the browser
reports no violation (an inline script, a style from another site, a blocked worker)."""

import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def violations_while_visiting(page, path: str) -> list[str]:
    seen = []
    page.on("console", lambda message: "Content Security Policy" in message.text and seen.append(message.text))
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return seen


@pytest.mark.parametrize("path", ["/", "/countries/DEU/", "/thresholds/?q=cadmium", "/compare/?countries=DEU,FRA"])
def test_public_pages_run_under_the_policy(page, path):
    assert violations_while_visiting(page, path) == []


def test_swagger_ui_draws_every_operation_under_the_policy(page):
    assert violations_while_visiting(page, "/api/docs/") == []
    assert page.locator(".opblock").count() > 10


def test_redoc_draws_the_reference_under_the_policy(page):
    # ReDoc's sidebar asks for its maker's logo from cdn.redoc.ly and hides it when it fails: the
    # policy blocks that request, which is what it is for. Nothing else may be reported.
    reported = violations_while_visiting(page, "/api/redoc/")
    assert all("https://cdn.redoc.ly/redoc/logo-mini.svg" in text for text in reported), reported
    page.wait_for_selector("h1")
    assert "INSOP" in page.locator("h1").first.inner_text()


def test_the_admin_runs_under_the_policy(page):
    # A superuser: the live server's tests empty the database, curators' group included.
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    page.goto("/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    assert violations_while_visiting(page, "/admin/thresholds/thresholdvalue/") == []
    assert violations_while_visiting(page, "/admin/thresholds/thresholdvalue/add/") == []


def test_script_typed_into_free_text_never_runs(page):
    """A title and notes holding markup, and the same markup in the search box: the browser shows
    text and runs nothing (no dialog opens)."""
    from thresholds.models import LegalInstrument, ThresholdValue

    payload = "<script>alert('xss')</script><img src=x onerror=alert(1)>"
    value = ThresholdValue.objects.filter(instrument__country__iso3="DEU", status="published").first()
    LegalInstrument.objects.filter(pk=value.instrument_id).update(title=payload)
    ThresholdValue.objects.filter(pk=value.pk).update(notes=payload, source_quote=payload)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ("/countries/DEU/", f"/instruments/{value.instrument_id}/", "/search/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.fill("input[name=q]", payload)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert dialogs == []
    page.goto(f"/instruments/{value.instrument_id}/")
    assert payload in page.locator("h1").inner_text()
