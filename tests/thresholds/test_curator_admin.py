"""The curators' screens, used as a curator would: filters, search, bulk actions, optimistic locking,
the import with its preview and report, exports and rollback."""

import csv
import io

import pytest
from django.urls import reverse

from tests.thresholds.helpers import csv_bytes, row
from thresholds.models import ImportBatch, ThresholdValue

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/thresholds/thresholdvalue/"


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def upload(client, content: bytes, name="values.csv"):
    return client.post(reverse("admin:thresholds_import"), {"file": io.BytesIO(content) | _named(name)})


def _named(name):
    return _Name(name)


class _Name:
    def __init__(self, name):
        self.name = name

    def __ror__(self, handle):
        handle.name = self.name
        return handle


def test_the_value_list_filters_and_searches_in_few_queries(curator_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        response = curator_client.get(CHANGELIST, {"country": "DEU", "pollutant__group__exact": "metal"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 27
    by_synonym = curator_client.get(CHANGELIST, {"q": "Kadmium", "country": "DEU"})
    assert by_synonym.context["cl"].result_count == 3
    by_cas = curator_client.get(CHANGELIST, {"q": "7440-43-9", "country": "ITA"})
    assert by_cas.context["cl"].result_count == 3
    by_title = curator_client.get(CHANGELIST, {"q": "GB 36600"})
    assert by_title.context["cl"].result_count == 28


def test_bulk_publish_withdraw_and_verify(curator_client, curator):
    ids = list(ThresholdValue.objects.filter(instrument__country__iso3="DNK").values_list("id", flat=True))
    curator_client.post(CHANGELIST, {"action": "withdraw", "_selected_action": ids})
    assert set(ThresholdValue.objects.filter(id__in=ids).values_list("status", flat=True)) == {"withdrawn"}
    curator_client.post(CHANGELIST, {"action": "mark_verified", "_selected_action": ids[:3]})
    verified = ThresholdValue.objects.filter(id__in=ids[:3])
    assert set(verified.values_list("verification", "verified_by")) == {("verified", curator.id)}
    assert verified.first().history.first().history_change_reason == "verified against the official text"


def test_the_second_of_two_curators_saving_the_same_value_is_refused(client, curator, other_curator):
    value = ThresholdValue.objects.filter(instrument__country__iso3="CAN").first()
    url = reverse("admin:thresholds_thresholdvalue_change", args=[value.pk])
    client.force_login(curator)
    form_a = _form_data(client.get(url))
    client.force_login(other_curator)
    form_b = _form_data(client.get(url))

    form_a["notes"] = "first curator's note"
    client.force_login(curator)
    assert client.post(url, form_a).status_code == 302

    form_b["notes"] = "second curator's note"
    client.force_login(other_curator)
    response = client.post(url, form_b)
    assert response.status_code == 200
    assert "Someone else saved this record by curator" in response.content.decode()
    value.refresh_from_db()
    assert value.notes == "first curator's note" and value.version == 2


def _form_data(response):
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        item = form[name].value()
        if item is None:
            continue
        data[name] = item
    return data


def test_withdrawing_instruments_with_their_values(curator_client, curator):
    from thresholds.models import LegalInstrument

    instrument = LegalInstrument.objects.filter(country__iso3="JPN").first()
    changelist = reverse("admin:thresholds_legalinstrument_changelist")
    response = curator_client.post(changelist, {"action": "withdraw", "_selected_action": [instrument.pk]}, follow=True)
    assert "1 instrument(s) withdrawn" in response.content.decode()
    instrument.refresh_from_db()
    assert instrument.withdrawn and instrument.version == 2
    assert not instrument.values.exclude(status="withdrawn").exists()
    assert curator_client.get(changelist, {"withdrawn__exact": "1"}).context["cl"].result_count == 1


def test_history_and_revert_screens_open(curator_client):
    value = ThresholdValue.objects.filter(instrument__country__iso3="GBR").first()
    history = curator_client.get(reverse("admin:thresholds_thresholdvalue_history", args=[value.pk]))
    assert history.status_code == 200 and "seed/thresholds.csv" in history.content.decode()
    record = value.history.first()
    revert = curator_client.get(
        reverse("admin:thresholds_thresholdvalue_simple_history", args=[value.pk, record.history_id])
    )
    assert revert.status_code == 200


def test_import_preview_then_commit(curator_client):
    rows = [row(), row(pollutant="Lead", value="70", condition="pH<=5.5")]
    preview = upload(curator_client, csv_bytes(rows))
    body = preview.content.decode()
    assert preview.status_code == 200
    assert preview.context["summary"]["create"] == 2
    assert "pH at most 5.5" in body
    assert not ThresholdValue.objects.filter(instrument__title=row()["instrument"]).exists()

    committed = curator_client.post(reverse("admin:thresholds_import"), {"token": preview.context["token"]})
    batch = ImportBatch.objects.latest("created_at")
    assert committed.status_code == 302 and committed.url == reverse(
        "admin:thresholds_importbatch_change", args=[batch.pk]
    )
    assert ThresholdValue.objects.filter(import_batch=batch).count() == 2


def test_a_broken_spreadsheet_gets_a_row_by_row_report_and_changes_nothing(curator_client):
    before = ThresholdValue.objects.count()
    rows = [row(), row(pollutant="Cadmum"), row(pollutant="Lead", unit="mg/l")]
    response = upload(curator_client, csv_bytes(rows))
    body = response.content.decode()
    assert "2 problems. Nothing was imported." in body
    assert "did you mean" in body and "not a mass fraction" in body

    report = curator_client.get(reverse("admin:thresholds_import_report", args=[response.context["token"]]))
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0] == ["row", "column", "value", "problem"]
    assert [line[:3] for line in lines[1:]] == [["3", "pollutant", "Cadmum"], ["4", "unit", "mg/l"]]
    assert ThresholdValue.objects.count() == before


def test_templates_download_and_re_import(curator_client):
    xlsx = curator_client.get(reverse("admin:thresholds_import_template_xlsx"))
    assert xlsx["Content-Disposition"].endswith('threshold-import-template.xlsx"')
    preview = upload(curator_client, xlsx.content, "template.xlsx")
    assert preview.context["summary"]["rows"] == 1


def test_the_filtered_list_exports_exactly_what_is_shown(curator_client):
    response = curator_client.get(reverse("admin:thresholds_export_csv"), {"country": "JPN"})
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(lines) - 1 == ThresholdValue.objects.filter(instrument__country__iso3="JPN").count() == 12
    assert {line[0] for line in lines[1:]} == {"JPN"}


def test_rollback_from_the_admin(curator_client):
    preview = upload(curator_client, csv_bytes([row()]))
    curator_client.post(reverse("admin:thresholds_import"), {"token": preview.context["token"]})
    batch = ImportBatch.objects.latest("created_at")
    curator_client.post("/admin/thresholds/importbatch/", {"action": "roll_back", "_selected_action": [batch.pk]})
    batch.refresh_from_db()
    assert batch.status == "rolled_back"


def test_staff_without_the_curator_role_cannot_import(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="visitor", is_staff=True))
    assert client.get(reverse("admin:thresholds_import")).status_code == 403


def test_a_duplicate_entered_in_the_admin_is_a_form_error_not_a_crash(curator_client):
    existing = ThresholdValue.objects.filter(instrument__country__iso3="ITA").first()
    url = reverse("admin:thresholds_thresholdvalue_add")
    data = {
        "instrument": existing.instrument_id,
        "pollutant": existing.pollutant_id,
        "pollutant_label": existing.pollutant_label,
        "qualifier": existing.qualifier,
        "value_text": "99",
        "unit_label": existing.unit_label,
        "unit": existing.unit_id,
        "land_use": existing.land_use_id,
        "land_use_label": existing.land_use_label,
        "tier": existing.tier_id,
        "tier_label": existing.tier_label,
        "condition_text": existing.condition_text,
        "status": "draft",
        "verification": "unverified",
    }
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert "This instrument already has a value for this pollutant" in response.content.decode()
    data["ph_min"], data["ph_max"] = "7", "6"
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert "ph min must not be above ph max." in response.content.decode()


def test_stale_unconfirmed_uploads_are_removed(curator_client):
    from datetime import timedelta
    from unittest import mock

    from django.core.files.storage import default_storage
    from django.utils import timezone

    first = upload(curator_client, csv_bytes([row()]))
    path = f"imports/pending/{first.context['token']}"
    assert default_storage.exists(path)
    later = timezone.now() + timedelta(days=2)
    with mock.patch("thresholds.admin.timezone.now", return_value=later):
        upload(curator_client, csv_bytes([row()]))
    assert not default_storage.exists(path)


def test_a_curator_reverts_a_value_to_an_earlier_version(curator_client, curator):
    from thresholds.services import record_save

    value = ThresholdValue.objects.filter(instrument__country__iso3="KOR").first()
    original = value.value_text
    value.value_text = "999"
    record_save(instance=value, user=curator, expected_version=value.version)
    first = value.history.order_by("history_date").first()
    url = reverse("admin:thresholds_thresholdvalue_simple_history", args=[value.pk, first.history_id])

    response = curator_client.post(url, _form_data(curator_client.get(url)))

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    value.refresh_from_db()
    assert value.value_text == original and value.version == 3
    assert value.history.count() == 3


@pytest.mark.parametrize(
    "url",
    [
        "/admin/thresholds/legalinstrument/",
        "/admin/thresholds/importbatch/",
        "/admin/thresholds/labelclassification/",
        "/admin/reference/pollutant/",
        "/admin/reference/country/",
    ],
)
def test_curator_lists_run_a_bounded_number_of_queries(curator_client, django_assert_max_num_queries, url):
    with django_assert_max_num_queries(20):
        response = curator_client.get(url)
    assert response.status_code == 200


def test_an_instrument_page_lists_its_values(curator_client):
    from thresholds.models import LegalInstrument

    instrument = LegalInstrument.objects.get(short_name="GB 36600-2018")
    response = curator_client.get(reverse("admin:thresholds_legalinstrument_change", args=[instrument.pk]))
    assert response.status_code == 200
    assert len(response.context["inline_admin_formsets"][0].formset.forms) == 28
