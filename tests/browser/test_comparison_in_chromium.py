"""A policymaker compares cadmium in agricultural soil in a real browser: each tier summarised on its
own, values in force only, then with superseded and repealed instruments switched on."""

from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser


def _tier_rows(page) -> dict[str, dict[str, str]]:
    """The per-tier summary as the page shows it: {tier code: {values, jurisdictions, median, low, high}}."""
    rows = {}
    for row in page.locator("table.tier-summary tbody tr").all():
        cells = [cell.inner_text().strip() for cell in row.locator("td").all()]
        rows[row.get_attribute("data-tier")] = dict(
            zip(("values", "jurisdictions", "median", "low", "high"), cells, strict=False)
        )
    return rows


def _statuses_in_table(page) -> list[str]:
    return [badge.inner_text() for badge in page.locator("table.values td .badge.instrument-status").all()]


def test_cadmium_in_agricultural_soil_tier_by_tier_in_force_then_with_superseded(page):
    page.goto("/pollutants/cadmium/")
    page.select_option("select[name=land_use]", "agricultural")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**land_use=agricultural**")
    # The permalink names the filters in use only, not every field of the form.
    assert set(parse_qs(urlparse(page.url).query)) == {"land_use"}

    in_force = _tier_rows(page)
    assert {"precautionary", "intervention"} <= set(in_force)  # never one median over both
    shown = page.locator("table.values tbody tr").count()
    assert sum(int(row["values"]) for row in in_force.values()) == shown
    # Values in force only: no mark is hollow, no row is of a superseded instrument, the download says so.
    assert page.locator("figure.chart > svg use.mark.superseded").count() == 0
    assert page.locator("figure.chart > svg use.mark").count() > 0
    assert not [status for status in _statuses_in_table(page) if status in ("Superseded", "Repealed")]
    download = page.get_by_role("link", name="CSV").get_attribute("href")
    assert parse_qs(urlparse(download).query)["current"] == ["true"]
    care = page.locator("#compare-with-care").inner_text()
    assert "sub-national" in care and "pH band" in care

    page.get_by_label("Include superseded and repealed instruments' values").check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**include_superseded=true**")
    assert set(parse_qs(urlparse(page.url).query)) == {"land_use", "include_superseded"}
    everything = _tier_rows(page)
    assert sum(int(row["values"]) for row in everything.values()) > sum(int(row["values"]) for row in in_force.values())
    assert page.locator("figure.chart > svg use.mark.superseded").count() > 0
    assert {"Superseded"} & set(_statuses_in_table(page))
    assert "superseded or repealed" in page.locator("#compare-with-care").inner_text()
    download = page.get_by_role("link", name="CSV").get_attribute("href")
    assert "current" not in parse_qs(urlparse(download).query)
    # The switch survives a reload of the permalink.
    page.goto(page.url)
    assert page.get_by_label("Include superseded and repealed instruments' values").is_checked()
