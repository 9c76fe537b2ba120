"""SOPs and indicators in a real browser: find an SOP from a threshold, download a version, and see
the indicator dashboard draw its charts."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_goes_from_a_threshold_to_its_sop_and_the_indicators(page, settings):
    settings.DEBUG = True
    call_command("load_demo_sops", stdout=io.StringIO())
    settings.DEBUG = False

    page.goto("/countries/DEU/?pollutant=cadmium")
    page.get_by_role("link", name="How to measure Cadmium").first.click()
    page.wait_for_url("**/sops/?pollutant=cadmium")
    page.get_by_role("link", name="demo-sop-aqua-regia").click()
    page.wait_for_url("**/sops/demo-sop-aqua-regia/")
    assert "Demonstration data" in page.content()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="download").first.click()
    download = download_info.value
    assert download.suggested_filename == "demo-sop-aqua-regia-v11.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")

    page.get_by_role("link", name="Indicators").click()
    page.wait_for_url("**/kpis/")
    charts = page.locator("svg.trend")
    assert charts.count() == 4 and charts.first.is_visible()
    assert page.locator("svg.trend circle.dot").count() == 4 * 9
    box = charts.first.bounding_box()
    assert box["width"] > 200 and box["height"] > 60
