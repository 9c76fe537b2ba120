"""Section C in a real browser: a focal point corrects a value in the grid, then pastes rows from a
spreadsheet without saving first. The correction is kept, the good rows are added, the bad line stays
in the box with its problem; with an error left in the grid, the pasted rows wait in the grid instead."""

import datetime
import json

import pytest

from tests.browser.conftest import AXE
from tests.factories import PASSWORD, focal_point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "pollutant\tland use\ttier\tvalue\tunit"
THALLIUM = "Thallium\tagricultural\tprecautionary\t0.8\tmg/kg TM"
ZINC = "Zinc\tagricultural\tprecautionary\tlots\tmg/kg"


def _values_page(page):
    """Signed in as Germany's focal point, on section C of the pre-filled response."""
    from surveys.models import SurveyEdition

    today = datetime.date.today()
    SurveyEdition.objects.create(
        year=today.year,
        title=f"INSOP survey {today.year}",
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today + datetime.timedelta(days=60),
    )
    focal_point("fp-germany", "DEU")
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("fp-germany")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/survey/responses/" in page.url
    page.goto(page.url + "c/")


def _first_value():
    from surveys.models import ResponseValue

    return ResponseValue.objects.filter(instrument__response__country__iso3="DEU").order_by(
        "instrument", "position", "id"
    )[0]


def _serious_violations(page, selector: str) -> list:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    script = "async (selector) => await axe.run(selector, {resultTypes: ['violations']})"
    results = page.evaluate(script, selector)
    return [
        {"rule": violation["id"], "nodes": [node["target"] for node in violation["nodes"]][:3]}
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_pasting_keeps_the_grids_unsaved_edits_and_the_bad_line(browser, portal_server):
    # axe-core goes in as an inline script, which the portal's CSP refuses; the checker's context bypasses it.
    page = browser.new_context(base_url=portal_server.url, bypass_csp=True).new_page()
    _values_page(page)
    rows = page.locator("table.survey-values tbody tr").count()

    page.locator("#id_values-0-notes").fill("checked against the 2021 text")
    page.get_by_label("Rows copied from a spreadsheet").fill("\n".join([HEADER, THALLIUM, ZINC]))
    page.get_by_role("button", name="Add the pasted rows").click()
    page.wait_for_load_state()

    notices = page.locator(".notices").inner_text()
    assert "1 row added." in notices and "1 pasted line needs attention below." in notices
    assert _first_value().notes == "checked against the 2021 text"
    assert page.locator("#id_values-0-notes").input_value() == "checked against the 2021 text"
    assert page.locator("table.survey-values tbody tr").count() == rows + 1
    assert page.get_by_label("Rows copied from a spreadsheet").input_value() == "\n".join([HEADER, ZINC])
    assert "Line 2: " in page.locator("#paste-lines-left").inner_text()
    violations = _serious_violations(page, "section[aria-labelledby=paste-heading]")
    assert not violations, json.dumps(violations, indent=1)

    # An error in the grid: nothing is saved, the corrected line waits in the grid as a new row.
    original = page.locator("#id_values-0-value").input_value()
    page.locator("#id_values-0-value").fill("abc")
    page.get_by_label("Rows copied from a spreadsheet").fill("\n".join([HEADER, ZINC.replace("lots", "150.5")]))
    page.get_by_role("button", name="Add the pasted rows").click()
    page.wait_for_load_state()
    assert "Nothing was saved" in page.locator(".notices").inner_text()
    assert page.locator("#id_values-0-value").input_value() == "abc"
    assert page.get_by_label("Rows copied from a spreadsheet").input_value() == ""
    new_row = page.locator("table.survey-values tbody tr", has=page.locator("input[value='150.5']"))
    assert new_row.count() == 1
    assert _first_value().value == original

    page.locator("#id_values-0-value").fill(original)
    page.get_by_role("button", name="Save the values").click()
    page.wait_for_load_state()
    assert "Saved." in page.locator(".notices").inner_text()
    from surveys.models import ResponseValue

    assert ResponseValue.objects.filter(instrument__response__country__iso3="DEU", value="150.5").count() == 1
    page.context.close()
