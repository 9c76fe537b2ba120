"""The survey as focal points and curators use it in the browser (without JavaScript), and who may
see what: a focal point of one country never reaches another country's response, in any view."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from reference.models import Country
from surveys.models import ResponseValue, SurveyResponse
from surveys.services import focal_point_invite, response_start
from tests.factories import PASSWORD
from thresholds.models import ThresholdValue

pytestmark = pytest.mark.django_db


def _held_by_germany() -> int:
    """How many values the survey pre-fills for Germany: its public values of instruments in force,
    counted here apart from the code that pre-fills (thresholds.selectors.values_held_by)."""
    held = ThresholdValue.objects.filter(
        instrument__country__iso3="DEU", status="published", instrument__withdrawn=False
    )
    count = held.exclude(instrument__status__in=["superseded", "repealed"]).count()
    assert count, "the test needs values of Germany in the seed"
    return count


def _page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def test_a_focal_point_lands_on_their_countrys_pre_filled_response(client, edition, german_focal_point):
    client.force_login(german_focal_point)
    landing = client.get("/survey/")
    assert landing.status_code == 302
    response = SurveyResponse.objects.get(country__iso3="DEU", edition=edition)
    assert landing["Location"] == f"/survey/responses/{response.pk}/"
    page = client.get(landing["Location"]).content.decode()
    # B and C start answered: the database's instruments and values are there to confirm.
    assert "2 of 5 sections answered" in page and "C. Values" in page
    values = client.get(f"/survey/responses/{response.pk}/c/")
    assert values.status_code == 200 and len(values.context["form"].forms) == _held_by_germany() + 1


def test_saving_a_section_with_a_stale_version_keeps_what_was_typed(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    url = f"/survey/responses/{response.pk}/d/"
    first = client.post(url, {"version": response.version, "working_towards_adoption": "yes", "comments": "First"})
    assert first.status_code == 302
    stale = client.post(url, {"version": response.version, "working_towards_adoption": "no", "comments": "Second"})
    body = stale.content.decode()
    assert stale.status_code == 409 and "Someone else saved this record" in body and "Second" in body
    response.refresh_from_db()
    assert (response.comments, response.working_towards_adoption) == ("First", "yes")


def test_autosave_answers_json_with_the_new_version(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    url = f"/survey/responses/{response.pk}/a/"
    saved = client.post(url, {"version": response.version, "situation": "binding"}, headers={"X-Autosave": "1"})
    assert saved.status_code == 200 and saved.json() == {
        "saved": True,
        "version": response.version + 1,
        "message": "",
        "errors": {},
    }
    conflict = client.post(url, {"version": response.version, "situation": "none"}, headers={"X-Autosave": "1"})
    assert conflict.status_code == 409 and "Someone else saved" in conflict.json()["message"]


def test_value_errors_are_shown_next_to_their_field_all_at_once(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    instrument = response.instruments.first()
    client.force_login(german_focal_point)
    data = {
        "version": response.version,
        "values-TOTAL_FORMS": 1,
        "values-INITIAL_FORMS": 0,
        "values-0-instrument": instrument.pk,
        "values-0-pollutant": "Kadmiumm",
        "values-0-land_use_label": "somewhere",
        "values-0-value": "abc",
        "values-0-unit": "furlongs",
    }
    page = client.post(f"/survey/responses/{response.pk}/c/", data)
    errors = page.context["form"].forms[0].errors
    assert "did you mean" in " ".join(errors["pollutant"])
    assert errors["unit"] and errors["value"] and errors["land_use_label"]
    assert ResponseValue.objects.filter(instrument__response=response).count() == _held_by_germany()


def test_rows_pasted_from_a_spreadsheet_are_checked_and_added(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    instrument = response.instruments.first()
    client.force_login(german_focal_point)
    url = f"/survey/responses/{response.pk}/c/"
    pasted = "pollutant\tland use\ttier\tvalue\tunit\nThallium\tagricultural\tprecautionary\t0.8\tmg/kg TM\n"
    bad = client.post(
        url, {"version": response.version, "paste": "1", "paste-instrument": instrument.pk, "paste-rows": "Zinc\tx\n"}
    )
    assert "Line 1 has 2 columns" in bad.content.decode()
    added = client.post(
        url, {"version": response.version, "paste": "1", "paste-instrument": instrument.pk, "paste-rows": pasted}
    )
    assert added.status_code == 302
    assert ResponseValue.objects.filter(instrument=instrument, pollutant="Thallium").count() == 1


def test_a_pdf_legal_text_is_accepted_and_anything_else_refused(
    client, edition, german_focal_point, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    url = f"/survey/responses/{response.pk}/b/"
    instruments = list(response.instruments.all())

    def post(upload):
        data = {
            "version": SurveyResponse.objects.get(pk=response.pk).version,
            "instruments-TOTAL_FORMS": len(instruments),
            "instruments-INITIAL_FORMS": len(instruments),
        }
        for index, instrument in enumerate(instruments):
            data |= {
                f"instruments-{index}-id": instrument.pk,
                f"instruments-{index}-title": instrument.title,
                f"instruments-{index}-status": instrument.status,
            }
        data["instruments-0-legal_text"] = upload
        return client.post(url, data)

    refused = post(SimpleUploadedFile("law.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"))
    assert "must be a PDF file" in refused.content.decode()
    assert post(SimpleUploadedFile("law.pdf", b"%PDF-1.7\n%...", content_type="application/pdf")).status_code == 302
    instrument = response.instruments.get(pk=instruments[0].pk)
    download = client.get(f"/survey/legal-texts/{instrument.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("suffix", ["", "a/", "c/", "review/"])
def test_a_focal_point_of_another_country_gets_404_for_every_view(
    client, edition, german_focal_point, french_focal_point, suffix
):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    status = _page(client, french_focal_point, f"/survey/responses/{response.pk}/{suffix}").status_code
    assert status in (403, 404)
    assert client.post(f"/survey/responses/{response.pk}/submit/", {"version": 1}).status_code == 404


def test_downloads_hold_only_what_the_user_may_see(client, edition, german_focal_point, french_focal_point, curator):
    response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    response_start(edition=edition, country=Country.objects.get(iso3="FRA"), user=french_focal_point)

    def countries(user, file_format):
        reply = _page(client, user, f"/survey/export.{file_format}")
        if file_format == "csv":
            lines = reply.content.decode("utf-8-sig").splitlines()[1:]
            return {line.split(",")[1] for line in lines}
        book = load_workbook(io.BytesIO(reply.content), read_only=True)
        return {row[1] for row in list(book["A and D"].iter_rows(values_only=True))[1:]}

    assert countries(french_focal_point, "csv") == countries(french_focal_point, "xlsx") == {"FRA"}
    assert countries(curator, "csv") == countries(curator, "xlsx") == {"DEU", "FRA"}
    book = load_workbook(io.BytesIO(_page(client, curator, "/survey/export.xlsx").content), read_only=True)
    assert book.sheetnames == ["A and D", "B instruments", "C values", "E laboratories"]
    client.logout()
    assert client.get("/survey/export.csv").status_code == 302  # to the sign-in page


def test_curators_review_and_accept_in_the_browser_without_javascript(
    client, edition, german_focal_point, curator, django_capture_on_commit_callbacks
):
    german_values = ThresholdValue.objects.filter(instrument__country__iso3="DEU").count()
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    client.post(f"/survey/responses/{response.pk}/a/", {"version": 1, "situation": "binding"})
    client.post(f"/survey/responses/{response.pk}/d/", {"version": 2, "working_towards_adoption": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/survey/responses/{response.pk}/submit/", {"version": 3}).status_code == 302
    assert SurveyResponse.objects.get(pk=response.pk).status == "submitted"

    client.force_login(curator)
    review = client.get(f"/survey/responses/{response.pk}/review/")
    assert review.status_code == 200 and review.context["counts"] == {"unchanged": _held_by_germany()}
    changes = client.post(
        f"/survey/responses/{response.pk}/review/",
        {"version": 4, "decision": "request_changes", "comment-e": "Please list the laboratories."},
    )
    assert changes.status_code == 302 and SurveyResponse.objects.get(pk=response.pk).status == "changes_requested"

    client.force_login(german_focal_point)
    assert "Please list the laboratories." in client.get(f"/survey/responses/{response.pk}/").content.decode()
    client.post(
        f"/survey/responses/{response.pk}/e/",
        {
            "version": 5,
            "laboratories-TOTAL_FORMS": 1,
            "laboratories-INITIAL_FORMS": 0,
            "laboratories-0-name": "Landeslabor Berlin-Brandenburg",
            "laboratories-0-knows_sops": "yes",
        },
    )
    client.post(f"/survey/responses/{response.pk}/submit/", {"version": 6})
    assert SurveyResponse.objects.get(pk=response.pk).status == "resubmitted"

    client.force_login(curator)
    ids = [str(pk) for pk in ResponseValue.objects.filter(instrument__response=response).values_list("pk", flat=True)]
    accepted = client.post(
        f"/survey/responses/{response.pk}/review/", {"version": 7, "decision": "accept", "accept": ids}
    )
    assert accepted.status_code == 302 and SurveyResponse.objects.get(pk=response.pk).status == "accepted"
    assert ThresholdValue.objects.filter(instrument__country__iso3="DEU").count() == german_values


def test_the_public_aggregate_shows_indicators_not_answers(client, edition, german_focal_point, curator):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    SurveyResponse.objects.filter(pk=response.pk).update(
        status="submitted", submitted_at=timezone.now(), working_towards_adoption="yes", comments="Confidential remark"
    )
    page = client.get("/survey/results/")
    body = page.content.decode()
    assert page.status_code == 200 and page.context["progress"]["answered"] == 1
    assert "Germany" in body and "Confidential remark" not in body
    assert client.get("/survey/dashboard/").status_code == 302
    assert _page(client, curator, "/survey/dashboard/").status_code == 200


def test_curators_invite_focal_points_with_a_one_time_link(client, curator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        focal_point_invite(email="Ana.Lopez@Example.org", country=Country.objects.get(iso3="ESP"), invited_by=curator)
    [invitation] = mail.outbox
    link = next(line for line in invitation.body.splitlines() if "/accounts/reset/" in line)
    path = link.split("127.0.0.1:8000")[-1]
    form = client.get(path, follow=True)
    set_password_url = form.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"}
    )
    assert done.status_code == 302
    signed_in = client.post(
        "/accounts/login/", {"username": "ana.lopez@example.org", "password": "a long new passphrase"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/survey/"
    # The link works once.
    again = client.get(path, follow=True)
    assert not again.context["validlink"]


def test_failed_sign_ins_are_limited_per_username_and_address(client, german_focal_point):
    for _ in range(4):
        refused = client.post("/accounts/login/", {"username": "fp-germany", "password": "wrong"})
        assert refused.status_code == 200 and "not right" in refused.content.decode()
    fifth = client.post("/accounts/login/", {"username": "fp-germany", "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post("/accounts/login/", {"username": "fp-germany", "password": PASSWORD})
    assert locked.status_code == 429 and "Too many failed sign-in attempts" in locked.content.decode()
    # Another address is not locked out by these attempts.
    elsewhere = client.post(
        "/accounts/login/", {"username": "fp-germany", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert elsewhere.status_code == 302


def test_the_map_marks_countries_whose_response_says_they_have_no_thresholds(client, edition, curator):
    country = Country.objects.get(iso3="KEN")
    response = response_start(edition=edition, country=country, user=curator)
    home = client.get("/")
    kenya = next(item for _shape, item in home.context["shapes"] if item and item.iso3 == "KEN")
    assert kenya.map_class == "none"  # a draft says nothing yet
    SurveyResponse.objects.filter(pk=response.pk).update(status="submitted", situation="none")
    home = client.get("/")
    kenya = next(item for _shape, item in home.context["shapes"] if item and item.iso3 == "KEN")
    assert kenya.map_class == "survey-none" and "survey response says it has none" in home.content.decode()


def test_the_api_scopes_survey_responses_in_lists_and_details(
    client, edition, german_focal_point, french_focal_point, curator, django_assert_max_num_queries
):
    germany = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    france = response_start(edition=edition, country=Country.objects.get(iso3="FRA"), user=french_focal_point)
    assert client.get("/api/v1/survey-responses/").status_code in (401, 403)

    client.force_login(french_focal_point)
    listed = client.get("/api/v1/survey-responses/").json()["results"]
    assert [item["country"] for item in listed] == ["FRA"]
    assert client.get(f"/api/v1/survey-responses/{germany.pk}/").status_code == 404
    assert client.get(f"/api/v1/survey-responses/{france.pk}/").json()["country"] == "FRA"

    client.force_login(curator)
    with django_assert_max_num_queries(15):
        listed = client.get("/api/v1/survey-responses/").json()["results"]
    assert {item["country"] for item in listed} == {"DEU", "FRA"}
    german = next(item for item in listed if item["country"] == "DEU")
    assert sum(len(instrument["values"]) for instrument in german["instruments"]) == _held_by_germany()


def test_demo_accounts_exist_only_for_local_use(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo_accounts")
    settings.DEBUG = True
    call_command("load_demo_accounts", stdout=io.StringIO())
    call_command("load_demo_accounts", stdout=io.StringIO())  # idempotent
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assert users.get(username="focal-germany").check_password("insop-demo-germany")
    assert users.get(username="focal-germany").focal_point.country.iso3 == "DEU"
    assert users.get(username="curator").groups.filter(name="Curators").exists()


def test_a_focal_point_can_fill_the_survey_in_french(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    section = client.get(f"/survey/responses/{response.pk}/a/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "A. Valeurs seuils dans le pays" in section and "Valeurs seuils juridiquement contraignantes" in section
    overview = client.get(f"/survey/responses/{response.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Enviar la respuesta para su revisión" in overview and "Indique si el país tiene valores umbral." in overview


def test_a_filled_template_adds_checked_values_and_a_bad_one_adds_nothing(client, edition, german_focal_point):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    instrument = response.instruments.first()
    client.force_login(german_focal_point)
    url = f"/survey/responses/{response.pk}/c/"

    def upload(text, name="values.csv"):
        version = SurveyResponse.objects.get(pk=response.pk).version
        file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
        return client.post(
            url, {"version": version, "upload": "1", "upload-instrument": instrument.pk, "upload-file": file}
        )

    before = ResponseValue.objects.filter(instrument=instrument).count()
    bad = upload(
        "pollutant,land_use,tier,value,unit\nThallium,farm,precautionary,0.8,mg/kg\nZinc,any,precautionary,x,mg/kg\n"
    )
    body = bad.content.decode()
    assert "Line 2: land_use farm is not a harmonised code" in body and "Line 3:" in body
    assert ResponseValue.objects.filter(instrument=instrument).count() == before
    assert "not really an .xlsx file" in upload("MZ\x90\x00", name="values.xlsx").content.decode()

    good = upload(
        "pollutant,land_use,tier,value,unit,ph_max\nThallium,any,precautionary,0.8,mg/kg,\nZinc,any,precautionary,<60,mg/kg,5.5\n"
    )
    assert good.status_code == 302
    added = ResponseValue.objects.filter(instrument=instrument).order_by("-id")[:2]
    assert {(value.pollutant, value.value, value.ph_max) for value in added} == {
        ("Thallium", "0.8", None),
        ("Zinc", "<60", Decimal("5.5")),
    }


def test_a_forgotten_password_is_reset_by_e_mail(client, german_focal_point):
    assert client.get("/accounts/password_reset/").status_code == 200
    sent = client.post("/accounts/password_reset/", {"email": german_focal_point.email})
    assert sent.status_code == 302
    [message] = mail.outbox
    assert "/accounts/reset/" in message.body and german_focal_point.email in message.to


def test_curators_invite_from_the_admin(client, curator, django_capture_on_commit_callbacks):
    from surveys.models import FocalPoint

    client.force_login(curator)
    assert client.get("/admin/surveys/focalpoint/add/").status_code == 200
    kenya = Country.objects.get(iso3="KEN")
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            "/admin/surveys/focalpoint/add/",
            {"email": "wanjiru@example.org", "first_name": "Wanjiru", "country": kenya.pk, "institution": "KALRO"},
        )
    assert added.status_code == 302
    invited = FocalPoint.objects.get(user__email="wanjiru@example.org")
    assert (invited.country, invited.institution, invited.invited_by) == (kenya, "KALRO", curator)
    assert not invited.user.has_usable_password() and "wanjiru@example.org" in mail.outbox[-1].to


def test_free_text_is_shown_escaped(client, edition, german_focal_point, curator):
    from surveys.models import ReviewComment

    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    ReviewComment.objects.create(response=response, section="d", text="<script>alert(1)</script>", author=curator)
    body = _page(client, german_focal_point, f"/survey/responses/{response.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("suffix", ["", "review/", "c/"])
def test_survey_pages_run_a_constant_number_of_queries(client, edition, german_focal_point, curator, suffix):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    SurveyResponse.objects.filter(pk=response.pk).update(status="submitted")
    client.force_login(curator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/survey/responses/{response.pk}/{suffix}").status_code == 200
        return len(captured)

    few = queries()
    instrument = response.instruments.first()
    ResponseValue.objects.bulk_create(
        ResponseValue(
            instrument=instrument, pollutant="Zinc", value=str(100 + n), unit="mg/kg", land_use_label=f"zone {n}"
        )
        for n in range(200)
    )
    assert queries() <= few + 2, "the page's queries grow with the number of values"


@pytest.mark.parametrize("version", ["abc", "", "99999999999999999999", "-1"])
def test_a_mangled_version_is_a_message_not_a_crash(client, edition, german_focal_point, curator, version):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    section = client.post(
        f"/survey/responses/{response.pk}/d/", {"version": version, "working_towards_adoption": "yes"}
    )
    assert section.status_code == 400 and "reload the page" in section.content.decode()
    submitted = client.post(f"/survey/responses/{response.pk}/submit/", {"version": version}, follow=True)
    assert submitted.status_code == 200 and SurveyResponse.objects.get(pk=response.pk).status == "draft"
    SurveyResponse.objects.filter(pk=response.pk).update(status="submitted")
    client.force_login(curator)
    reviewed = client.post(
        f"/survey/responses/{response.pk}/review/", {"version": version, "decision": "accept"}, follow=True
    )
    assert reviewed.status_code == 200 and SurveyResponse.objects.get(pk=response.pk).status == "submitted"


def test_an_impossible_response_number_is_a_404(client, curator):
    client.force_login(curator)
    assert client.get("/survey/responses/99999999999999999999999/").status_code == 404
    assert client.get("/survey/legal-texts/99999999999999999999999/").status_code == 404


def test_saving_the_values_checks_them_all_in_a_constant_number_of_queries(client, edition, german_focal_point):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    url = f"/survey/responses/{response.pk}/c/"

    def save() -> int:
        formset = client.get(url).context["form"]
        data = {"version": SurveyResponse.objects.get(pk=response.pk).version}
        data |= {f"values-{key}": value for key, value in formset.management_form.initial.items()}
        for form in formset.forms[:-1]:  # the extra empty row stays empty
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                data[form.add_prefix(name)] = "" if value is None else getattr(value, "pk", value)
        data["values-TOTAL_FORMS"] = len(formset.forms) - 1
        with CaptureQueriesContext(connection) as captured:
            reply = client.post(url, data)
        assert reply.status_code == 302, reply.content.decode()[-600:]
        return len(captured)

    few = save()
    instrument = response.instruments.first()
    ResponseValue.objects.bulk_create(
        ResponseValue(
            instrument=instrument,
            pollutant="Zinc",
            value=str(100 + n),
            unit="mg/kg",
            land_use_label="any",
            tier_label="precautionary",
            ph_max=Decimal(n + 1) / 20,  # told apart by their pH band: not duplicates of each other
        )
        for n in range(200)
    )
    many = save()
    assert many <= few + 2, f"checking the values costs queries per row: {few} with 31 values, {many} with 231"
