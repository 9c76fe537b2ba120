"""The SOP library, laboratories and the indicators as visitors, analysts and curators use them."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from sops.models import Laboratory, Sop, SopVersion, validate_sop_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo_sops", stdout=io.StringIO())
    settings.DEBUG = False


def test_demo_data_is_local_only_and_marked_as_demo(settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo_sops")
    settings.DEBUG = True
    call_command("load_demo_sops", stdout=io.StringIO())
    call_command("load_demo_sops", stdout=io.StringIO())  # once only
    assert Sop.objects.count() == Sop.objects.filter(is_demo=True).count() == 3
    assert Laboratory.objects.filter(is_demo=False).count() == 0


def test_the_library_filters_by_pollutant_group_technique_and_status(client, demo):
    def codes(**params):
        return [sop.code for sop in client.get("/sops/", params).context["sops"]]

    assert codes(pollutant="Kadmium") == ["demo-sop-aqua-regia", "demo-sop-nh4no3"]
    assert codes(technique="gc_ms") == ["demo-sop-ocp-gcms"]
    assert codes(analyte_group="bioavailable_metals") == ["demo-sop-nh4no3"]
    assert len(codes(status="superseded")) == 3
    bad = client.get("/sops/", {"technique": "divination", "pollutant": "unobtainium"})
    assert bad.status_code == 200 and "Unknown technique: divination." in bad.content.decode()
    assert "No pollutant is known as unobtainium." in bad.content.decode()


def test_an_sop_lists_its_versions_and_each_downloads_with_a_safe_name(client, demo):
    page = client.get("/sops/demo-sop-aqua-regia/")
    assert [version.version for version in page.context["versions"]] == ["1.1", "1.0"]
    # The laboratories that developed it are the engagements the regions indicator counts.
    developers = {lab.name for lab in page.context["sop"].developers}
    assert len(developers) == 4 and "Demo soil laboratory Nairobi" in page.content.decode()
    api = client.get("/api/v1/sops/demo-sop-aqua-regia/").json()
    assert set(api["developed_by"]) == developers and [v["version"] for v in api["versions"]] == ["1.1", "1.0"]
    download = client.get("/sops/demo-sop-aqua-regia/versions/1.0/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="demo-sop-aqua-regia-v10.pdf"'
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert client.get("/sops/demo-sop-aqua-regia/versions/..%2F..%2Fsettings/download/").status_code == 404


def test_drafts_are_for_curators_only(client, demo, curator):
    sop = Sop.objects.get(code="demo-sop-nh4no3")
    SopVersion.objects.create(
        sop=sop, version="2.0-draft", date="2026-11-01", file=SimpleUploadedFile("d.pdf", b"%PDF-1.7")
    )
    assert client.get("/sops/demo-sop-nh4no3/versions/2.0-draft/download/").status_code == 404
    assert "2.0-draft" not in client.get("/sops/demo-sop-nh4no3/").content.decode()
    client.force_login(curator)
    assert client.get("/sops/demo-sop-nh4no3/versions/2.0-draft/download/").status_code == 200


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("sop.pdf", b"%PDF-1.7 ...", True),
        ("sop.pdf", b"MZ\x90\x00 an executable", False),
        ("sop.docx", b"PK\x03\x04 not really a zip", False),
        ("sop.exe", b"%PDF-1.7", False),
    ],
)
def test_sop_documents_are_checked_by_content(name, content, ok):
    upload = SimpleUploadedFile(name, content)
    if ok:
        validate_sop_document(upload)
    else:
        with pytest.raises(ValidationError, match="PDF or a Word"):
            validate_sop_document(upload)


def test_a_real_docx_passes_and_an_oversized_file_is_refused(settings):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    validate_sop_document(SimpleUploadedFile("sop.docx", buffer.getvalue()))
    settings.SOP_DOCUMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="the limit is"):
        validate_sop_document(SimpleUploadedFile("sop.pdf", b"%PDF-1.7 and more than ten bytes"))


def test_laboratory_contacts_are_hidden_from_anonymous_clients(client, demo, curator):
    Laboratory.objects.filter(name__contains="Nairobi").update(contact_email="lab@example.org")
    anonymous = client.get("/api/v1/laboratories/").json()["results"]
    assert anonymous and all("contact_email" not in item for item in anonymous)
    client.force_login(curator)
    seen = client.get("/api/v1/laboratories/").json()["results"]
    assert "lab@example.org" in {item["contact_email"] for item in seen}


def test_a_threshold_links_to_the_sops_that_measure_it(client, demo):
    page = client.get("/countries/DEU/", {"pollutant": "cadmium"}).content.decode()
    assert 'href="/sops/?pollutant=cadmium"' in page and "How to measure Cadmium" in page
    value = client.get("/api/v1/thresholds/", {"country": "DEU", "pollutant": "cadmium"}).json()["results"][0]
    assert value["how_to_measure"].endswith("/api/v1/sops/?pollutants__slug=cadmium")
    listed = client.get(value["how_to_measure"]).json()["results"]
    assert {sop["code"] for sop in listed} == {"demo-sop-aqua-regia", "demo-sop-nh4no3"}
    # A value whose extraction method an SOP follows links to that SOP itself.
    from reference.models import ExtractionMethod
    from thresholds.models import ThresholdValue

    stored = ThresholdValue.objects.get(pk=value["id"])
    stored.extraction = ExtractionMethod.objects.get(code="aqua_regia")
    stored.save(update_fields=["extraction"])
    again = client.get(f"/api/v1/thresholds/{stored.pk}/").json()
    assert again["how_to_measure"].endswith("/api/v1/sops/demo-sop-aqua-regia/")


def test_the_indicator_dashboard_and_api_show_the_four_indicators(client, demo):
    page = client.get("/kpis/")
    body = page.content.decode()
    assert page.status_code == 200 and body.count('class="kpi"') == 4 and body.count("<polyline") == 4
    api = {item["code"]: item for item in client.get("/api/v1/stats/kpis/").json()}
    assert set(api) == {
        "sop_awareness",
        "regions_developing",
        "countries_in_discussions",
        "countries_working_towards_adoption",
    }
    assert api["regions_developing"]["value"] == 4 and api["regions_developing"]["detail"] == ["missing: Oceania"]
    assert len(api["sop_awareness"]["trend"]) == 9
    csv_text = client.get("/kpis/sop_awareness.csv").content.decode()
    assert csv_text.splitlines()[0] == "indicator,date,value,unit,target" and len(csv_text.splitlines()) == 10
    assert client.get("/kpis/nothing.csv").status_code == 404
    from thresholds.models import ThresholdValue

    published = ThresholdValue.objects.filter(status="published")

    def countries(values):
        return values.values("instrument__country").distinct().count()

    coverage = page.context["coverage"]
    # Of instruments in force by default, as every public page counts.
    published = published.current()
    assert coverage["countries"] == countries(published) == 11  # the Netherlands has a circular in force (2013)
    assert coverage["metals"] == countries(published.filter(pollutant__group="metal"))
    assert coverage["pesticides"] == countries(published.filter(pollutant__group="pesticide")) > 0
    europe = published.filter(instrument__country__m49_region="Europe")
    assert dict(coverage["by_region"])["Europe"] == {"countries": countries(europe), "values": europe.count()}


def test_curators_keep_sops_in_the_admin_and_publish_there(client, demo, curator):
    client.force_login(curator)
    for model in ["sop", "sopversion", "laboratory", "engagement", "trainingevent"]:
        assert client.get(f"/admin/sops/{model}/").status_code == 200, model
    sop = Sop.objects.get(code="demo-sop-nh4no3")
    draft = SopVersion.objects.create(
        sop=sop, version="2.0", date="2026-11-01", file=SimpleUploadedFile("d.pdf", b"%PDF-1.7")
    )
    published = client.post(
        "/admin/sops/sopversion/", {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert published.status_code == 200
    assert list(sop.versions.values_list("version", "status")) == [
        ("2.0", "published"), ("1.1", "superseded"), ("1.0", "superseded"),
    ]  # fmt: skip
