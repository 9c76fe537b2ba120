"""Section C's paste and upload keep the focal point's work: what was typed in the values grid and not
saved travels with the pasted rows (one form, no JavaScript needed), and one bad line no longer holds
back the good ones: they are added, the bad lines stay in the box, each with its problems."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reference.models import Country
from surveys.models import ResponseValue, SurveyResponse
from surveys.services import response_start

pytestmark = pytest.mark.django_db

HEADER = "pollutant\tland use\ttier\tvalue\tunit"
GOOD = ["Thallium\tagricultural\tprecautionary\t0.8\tmg/kg TM", "Thallium\tresidential\tprecautionary\t2\tmg/kg"]
UNKNOWN_POLLUTANT = "Cadmum\tagricultural\tprecautionary\t0.4\tmg/kg"
NOT_A_NUMBER = "Zinc\tagricultural\tprecautionary\tlots\tmg/kg"
TOO_SHORT = "Copper\tfarm\tprecautionary\t41"


@pytest.fixture
def survey(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    return response


def _url(response) -> str:
    return f"/survey/responses/{response.pk}/c/"


def _version(response) -> int:
    return SurveyResponse.objects.get(pk=response.pk).version


def _grid(client, response, **changes) -> dict:
    """The values grid as the browser posts it from a fresh page, with `changes` typed in the first row
    (field name -> text), and the paste box's instrument."""
    page = client.get(_url(response))
    formset = page.context["form"]
    data = {"version": page.context["version"], "paste-instrument": response.instruments.first().pk}
    data |= {f"values-{key}": value for key, value in formset.management_form.initial.items()}
    for form in formset.forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value not in (None, False):
                data[form.add_prefix(name)] = getattr(value, "pk", value)
    data |= {f"values-0-{name}": text for name, text in changes.items()}
    return data


def _first_value(response) -> ResponseValue:
    return ResponseValue.objects.filter(instrument__response=response).order_by("instrument", "position", "id")[0]


def _pasted(response, pollutant: str) -> int:
    """How many values of `pollutant` came from the rows above (Germany's own values are 0.5 and 1 mg/kg)."""
    values = ResponseValue.objects.filter(instrument__response=response, pollutant=pollutant)
    return values.filter(value__in=["0.8", "2", "0.4", "lots", "41"]).count()


def _notices(page) -> str:
    return " ".join(str(message) for message in page.context["messages"])


def test_pasting_saves_the_unsaved_grid_edits_and_the_good_lines_and_leaves_the_bad_ones(client, survey):
    first, version = _first_value(survey), _version(survey)
    data = _grid(client, survey, notes="checked against the 2021 text")
    data |= {"paste": "1", "paste-rows": "\n".join([HEADER, GOOD[0], UNKNOWN_POLLUTANT, GOOD[1], TOO_SHORT])}
    page = client.post(_url(survey), data)

    assert page.status_code == 200
    assert ResponseValue.objects.get(pk=first.pk).notes == "checked against the 2021 text"
    assert _pasted(survey, "Thallium") == 2 and _pasted(survey, "Cadmum") == _pasted(survey, "Copper") == 0
    assert _version(survey) == version + 1, "the grid and the pasted rows are saved together, in one version"
    notices = _notices(page)
    assert "2 rows added." in notices and "2 pasted lines need attention below." in notices
    # Only the bad lines are left, as pasted, after the header; their problems name their new line.
    paste = page.context["paste"]
    assert paste["rows"].value() == "\n".join([HEADER, UNKNOWN_POLLUTANT, TOO_SHORT])
    [(cadmum, cadmum_problems), (copper, copper_problems)] = paste.lines_left
    assert (cadmum, copper) == (UNKNOWN_POLLUTANT, TOO_SHORT)
    assert cadmum_problems and all(problem.startswith("Line 2: ") for problem in cadmum_problems)
    assert copper_problems == ["Line 3 has 4 columns; give at least pollutant, land use, tier, value, unit."]
    body = page.content.decode()
    assert "Line 2: " in body and "Line 3 has 4 columns" in body
    # The grid is the saved one, with the new rows, ready for the next edit.
    grid = page.context["form"]
    assert not grid.is_bound and page.context["version"] == version + 1
    assert sum(form.initial.get("pollutant") == "Thallium" for form in grid.forms) >= 2


def test_a_grid_with_errors_comes_back_as_typed_with_the_pasted_rows_in_it_and_nothing_saved(client, survey):
    version, before = _version(survey), ResponseValue.objects.filter(instrument__response=survey).count()
    data = _grid(client, survey, value="abc", notes="typed, not saved")
    data |= {"paste": "1", "paste-rows": "\n".join([HEADER, GOOD[0], NOT_A_NUMBER, GOOD[1]])}
    page = client.post(_url(survey), data)

    assert page.status_code == 400
    assert _version(survey) == version
    assert ResponseValue.objects.filter(instrument__response=survey).count() == before
    grid = page.context["form"]
    assert grid.forms[0]["value"].value() == "abc" and grid.forms[0]["notes"].value() == "typed, not saved"
    assert grid.forms[0].errors["value"]
    new_rows = [form for form in grid.forms[grid.initial_form_count() :] if form.has_changed()]
    assert [(form["pollutant"].value(), form["value"].value()) for form in new_rows] == [
        ("Thallium", "0.8"),
        ("Thallium", "2"),
    ]
    assert not grid.forms[-1].has_changed(), "an empty row stays at the end for the next value"
    assert page.context["paste"]["rows"].value() == "\n".join([HEADER, NOT_A_NUMBER])
    notices = _notices(page)
    assert "Nothing was saved" in notices and "2 rows passed the checks and are now in the grid" in notices
    assert "1 pasted line needs attention below." in notices

    # Corrected and saved as shown, the grid's edit and both pasted rows are kept.
    shown = {key: grid.data.getlist(key) for key in grid.data if key.startswith("values-")}
    shown["values-0-value"] = [str(_first_value(survey).value)]
    saved = client.post(_url(survey), {**shown, "version": version})
    assert saved.status_code == 302, _notices(saved) if saved.status_code != 302 else ""
    assert _first_value(survey).notes == "typed, not saved" and _pasted(survey, "Thallium") == 2


def test_a_clean_paste_with_grid_edits_saves_both_and_goes_back_to_the_page(client, survey):
    first = _first_value(survey)
    data = _grid(client, survey, notes="confirmed") | {"paste": "1", "paste-rows": "\n".join([HEADER, *GOOD])}
    reply = client.post(_url(survey), data, follow=True)
    assert reply.redirect_chain == [(_url(survey), 302)]
    assert "Saved." in _notices(reply) and "2 rows added." in _notices(reply)
    assert ResponseValue.objects.get(pk=first.pk).notes == "confirmed" and _pasted(survey, "Thallium") == 2


def test_saving_the_grid_with_rows_left_in_the_box_adds_them_too(client, survey):
    data = _grid(client, survey) | {"paste-rows": GOOD[0]}  # "Save the values", not "Add the pasted rows"
    assert client.post(_url(survey), data).status_code == 302
    assert _pasted(survey, "Thallium") == 1


def test_only_bad_lines_save_nothing_and_keep_their_line_numbers(client, survey):
    version, before = _version(survey), ResponseValue.objects.filter(instrument__response=survey).count()
    pasted = "\n".join([HEADER, UNKNOWN_POLLUTANT, NOT_A_NUMBER])
    page = client.post(_url(survey), _grid(client, survey) | {"paste": "1", "paste-rows": pasted})
    assert page.status_code == 400 and _version(survey) == version
    assert ResponseValue.objects.filter(instrument__response=survey).count() == before
    assert "0 rows added." in _notices(page) and "2 pasted lines need attention below." in _notices(page)
    assert page.context["paste"]["rows"].value() == pasted
    messages = [message for _line, problems in page.context["paste"].lines_left for message in problems]
    assert {message.split(":")[0] for message in messages} == {"Line 2", "Line 3"}


def test_a_stale_version_adds_nothing_and_keeps_the_grid_and_the_whole_paste(client, survey, german_focal_point):
    data = _grid(client, survey, notes="mine")
    pasted = "\n".join([HEADER, GOOD[0], NOT_A_NUMBER])
    data |= {"paste": "1", "paste-rows": pasted}
    SurveyResponse.objects.filter(pk=survey.pk).update(version=_version(survey) + 1)  # someone else saved
    page = client.post(_url(survey), data)
    assert page.status_code == 409 and "Someone else saved" in _notices(page)
    assert _pasted(survey, "Thallium") == 0 and _first_value(survey).notes != "mine"
    assert page.context["form"].forms[0]["notes"].value() == "mine"
    assert page.context["paste"]["rows"].value() == pasted


def test_autosave_of_the_grid_still_answers_json_and_a_conflict_is_409(client, survey):
    version = _version(survey)
    data = _grid(client, survey, notes="autosaved")
    saved = client.post(_url(survey), data, headers={"X-Autosave": "1"})
    assert saved.status_code == 200 and saved.json() == {
        "saved": True,
        "version": version + 1,
        "message": "",
        "errors": {},
    }
    assert _first_value(survey).notes == "autosaved"
    stale = client.post(_url(survey), data | {"values-0-notes": "again"}, headers={"X-Autosave": "1"})
    assert stale.status_code == 409 and "Someone else saved" in stale.json()["message"]
    # An autosave never adds what happens to be in the paste box.
    data = _grid(client, survey) | {"paste-rows": GOOD[0]}
    assert client.post(_url(survey), data, headers={"X-Autosave": "1"}).status_code == 200
    assert _pasted(survey, "Thallium") == 0


def test_an_autosaved_paste_reports_the_lines_left_in_json(client, survey):
    data = _grid(client, survey) | {"paste": "1", "paste-rows": "\n".join([GOOD[0], NOT_A_NUMBER])}
    reply = client.post(_url(survey), data, headers={"X-Autosave": "1"})
    body = reply.json()
    assert reply.status_code == 200 and body["saved"] is True
    assert "1 row added." in body["message"] and "1 pasted line needs attention below." in body["message"]
    assert [message.split(":")[0] for message in body["errors"]["paste"]] == ["Line 1"]
    assert _pasted(survey, "Thallium") == 1


def test_a_file_adds_its_good_rows_and_lists_the_others(client, survey):
    instrument = survey.instruments.first()
    zinc = ResponseValue.objects.filter(instrument__response=survey, pollutant="Zinc").count()
    content = (
        "pollutant,land_use,tier,value,unit\n"
        "Thallium,any,precautionary,0.8,mg/kg\n"
        "Zinc,farm,precautionary,60,mg/kg\n"
        "Thallium,residential,precautionary,2,mg/kg\n"
        "Zinc,any,precautionary,lots,mg/kg\n"
    )
    data = _grid(client, survey, notes="with the file") | {
        "upload": "1",
        "upload-instrument": instrument.pk,
        "upload-file": SimpleUploadedFile("values.csv", content.encode(), content_type="text/csv"),
    }
    page = client.post(_url(survey), data)
    assert page.status_code == 200
    assert _pasted(survey, "Thallium") == 2 and _pasted(survey, "Zinc") == 0
    assert ResponseValue.objects.filter(instrument__response=survey, pollutant="Zinc").count() == zinc
    assert _first_value(survey).notes == "with the file"
    notices = _notices(page)
    assert "2 rows added." in notices and "2 rows of the file were not added; see why below." in notices
    upload = page.context["upload"]
    assert {message.split(":")[0] for message in upload.row_problems} == {"Line 3", "Line 5"}
    body = page.content.decode()
    assert "2 rows of values.csv were not added" in body and "Line 3: land_use farm is not a harmonised code" in body


def test_the_paste_and_the_upload_are_in_the_grids_form(client, survey):
    """Without JavaScript, the paste's button can only carry the grid if it is inside the grid's form."""
    body = client.get(_url(survey)).content.decode()
    forms = re.findall(r"<form method=\"post\"[^>]*>(.*?)</form>", body, flags=re.DOTALL)
    [grid_form] = [form for form in forms if "values-TOTAL_FORMS" in form]
    for part in ('name="paste-rows"', 'name="paste"', 'name="upload-file"', 'name="upload"'):
        assert part in grid_form, part
    assert re.search(r"<form method=\"post\" enctype=\"multipart/form-data\" class=\"survey-form\"", body)
