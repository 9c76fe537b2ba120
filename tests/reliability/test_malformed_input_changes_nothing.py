"""Item 7 of the reliability suite: malformed imports and survey values (unknown codes, bad units,
non-numbers, duplicates) get a report naming each faulty row and column, and no table changes."""

import io

import pytest
from django.urls import reverse

from reference.models import Country
from surveys.models import SurveyResponse
from surveys.services import response_start
from tests.reliability.helpers import every_table
from tests.thresholds.helpers import csv_bytes, row

pytestmark = pytest.mark.django_db


BAD_ROWS = [
    row(country="XXX"),  # row 2: unknown country code
    row(pollutant="Cadmum"),  # row 3: unknown pollutant (a typo)
    row(unit="mg/l"),  # row 4: a unit that is not a mass fraction
    row(value="zero point four"),  # row 5: not a number
    row(tier="intervention", value="1.0"),  # rows 6 and 7: the same value twice
    row(tier="intervention", value="1.0"),
    row(land_use="moonbase"),  # row 8: an unknown land use
]


def test_a_bad_import_file_gets_a_row_level_report_and_changes_nothing(client, curator):
    before = every_table()
    client.force_login(curator)
    upload = io.BytesIO(csv_bytes(BAD_ROWS))
    upload.name = "bad.csv"
    page = client.post("/admin/thresholds/thresholdvalue/import/", {"file": upload})
    problems = {(item.row, item.column) for item in page.context["problems"]}
    for expected in [(2, "country"), (3, "pollutant"), (4, "unit"), (5, "value"), (8, "land_use")]:
        assert expected in problems, (expected, sorted(problems))
    assert any(number in (6, 7) for number, _column in problems), "the duplicate is reported"
    report = client.get(reverse("admin:thresholds_import_report", args=[page.context["token"]]))
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,problem" and len(lines) - 1 == len(page.context["problems"])
    assert every_table() == before


def test_bad_api_values_get_the_same_report_and_change_nothing(client, curator):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=curator).key
    before = every_table()
    for bad in BAD_ROWS[:4]:
        answer = client.post(
            "/api/v1/thresholds/", bad, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
        )
        assert answer.status_code == 400 and answer.json()["errors"], answer.json()
    assert every_table() == before


def test_bad_survey_values_get_line_numbers_and_change_nothing(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    instrument = response.instruments.first()
    client.force_login(german_focal_point)
    pasted = "\n".join(
        [
            "pollutant\tland use\ttier\tvalue\tunit",
            "Cadmum\tagricultural\tprecautionary\t0.4\tmg/kg",  # line 2: unknown pollutant
            "Lead\tagricultural\tprecautionary\t0.4\tmg/l",  # line 3: a unit that is not a mass fraction
            "Zinc\tagricultural\tprecautionary\tlots\tmg/kg",  # line 4: not a number
            "Copper\tfarm\tprecautionary\t40",  # line 5: a column missing
        ]
    )
    before, version = every_table(), SurveyResponse.objects.get(pk=response.pk).version
    page = client.post(
        f"/survey/responses/{response.pk}/c/",
        {"version": version, "paste": "1", "paste-instrument": instrument.pk, "paste-rows": pasted},
    )
    text = page.content.decode()
    assert page.status_code == 400
    for line in (2, 3, 4, 5):
        assert f"Line {line}" in text, line
    assert every_table() == before and SurveyResponse.objects.get(pk=response.pk).version == version
