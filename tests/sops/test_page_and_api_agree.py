"""Which SOP versions a reader may see, and how to measure a value, are written once (sops.selectors):
the SOP pages and the API show the same versions to the same reader, and a value's page and its API
representation point to the same SOPs."""

import io
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from reference.models import ExtractionMethod
from sops.models import Sop, SopVersion
from sops.selectors import HowToMeasure, how_to_measure
from thresholds.models import ThresholdValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_with_drafts(settings):
    settings.DEBUG = True
    call_command("load_demo_sops", stdout=io.StringIO())
    settings.DEBUG = False
    released = Sop.objects.get(code="demo-sop-nh4no3")
    SopVersion.objects.create(
        sop=released, version="2.0-draft", date="2026-11-01", file=SimpleUploadedFile("d.pdf", b"%PDF-1.7")
    )
    unreleased = Sop.objects.create(code="sop-only-drafts", title="Drafts only")
    SopVersion.objects.create(
        sop=unreleased,
        version="0.1",
        date="2026-11-01",
        status="under_review",
        file=SimpleUploadedFile("u.pdf", b"%PDF-1.7"),
    )


@pytest.mark.parametrize("reader", ["anonymous", "curator"])
def test_the_sop_pages_and_the_api_show_a_reader_the_same_sops_and_versions(client, demo_with_drafts, curator, reader):
    if reader == "curator":
        client.force_login(curator)
    on_pages = {sop.code: [v.version for v in sop.versions.all()] for sop in client.get("/sops/").context["sops"]}
    in_api = {
        sop["code"]: [v["version"] for v in sop["versions"]] for sop in client.get("/api/v1/sops/").json()["results"]
    }
    assert on_pages == in_api
    for code, versions in on_pages.items():
        detail = client.get(f"/sops/{code}/").context["versions"]
        assert (
            [v.version for v in detail]
            == versions
            == [v["version"] for v in client.get(f"/api/v1/sops/{code}/").json()["versions"]]
        )
    drafts_seen = "2.0-draft" in on_pages["demo-sop-nh4no3"] and "sop-only-drafts" in on_pages
    assert drafts_seen == (reader == "curator")


def test_how_to_measure_prefers_the_sop_of_the_extraction_method():
    measuring = ({7: "sop-aqua-regia"}, {3})
    assert how_to_measure(
        extraction_id=7, pollutant_id=3, pollutant_slug="cadmium", measuring=measuring
    ) == HowToMeasure(sop_code="sop-aqua-regia")
    by_pollutant = how_to_measure(extraction_id=None, pollutant_id=3, pollutant_slug="cadmium", measuring=measuring)
    assert by_pollutant.api_path == "/api/v1/sops/?pollutants__slug=cadmium"
    assert by_pollutant.page_path == "/sops/?pollutant=cadmium"
    assert how_to_measure(extraction_id=8, pollutant_id=4, pollutant_slug="lead", measuring=measuring) is None


def test_a_values_page_and_its_api_point_to_the_same_sops(client, demo_with_drafts):
    value = ThresholdValue.objects.public().filter(instrument__country__iso3="DEU", pollutant__slug="cadmium").first()
    ThresholdValue.objects.filter(pk=value.pk).update(extraction=ExtractionMethod.objects.get(code="aqua_regia"))
    others = (
        ThresholdValue.objects.public()
        .filter(instrument__country__iso3="DEU", pollutant__slug="cadmium")
        .exclude(pk=value.pk)
    )
    page = client.get("/countries/DEU/", {"pollutant": "cadmium"})
    rows = {row.pk: row for row in page.context["values"]}
    # The API asked as the page's own download link asks it (EU-wide values and in force included).
    asked = parse_qs(urlparse(page.context["downloads"]["csv"]).query)
    asked.pop("format")
    listed = {row["id"]: row for row in client.get("/api/v1/thresholds/", asked).json()["results"]}
    assert rows.keys() == listed.keys() and value.pk in rows and others.exists()
    for pk, row in rows.items():
        detail = client.get(f"/api/v1/thresholds/{pk}/").json()["how_to_measure"]
        assert detail == listed[pk]["how_to_measure"] and detail.endswith(row.how_to_measure.api_path)
        assert f'href="{row.how_to_measure.page_path}"' in page.content.decode()
    assert rows[value.pk].how_to_measure.sop_code == "demo-sop-aqua-regia"
    assert rows[others.first().pk].how_to_measure.pollutant_slug == "cadmium"
