"""The matcher: how each kind of text is read, how sure it is, and what it never guesses; and the
curator's flow around its proposals (admin preview, command line, API, survey)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from reference.models import Country, Pollutant, PollutantSynonym
from surveys.models import ResponseValue
from surveys.services import response_start
from thresholds.importing import Decisions, plan_records
from thresholds.matching import NONE, PROPOSAL, RULE, TABLE, Matcher, normalised_cas, valid_cas
from thresholds.models import ImportBatch, LabelClassification, ThresholdValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def matcher():
    return Matcher()


# ---- land-use and tier labels -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "how", "code"),
    [
        ("tier", "trigger", TABLE, "trigger"),  # a harmonised code
        ("tier", "Background or target", TABLE, "background"),  # a harmonised name
        ("land_use", "parkland", TABLE, "parkland"),
        ("land_use", "natural", TABLE, "natural"),
        ("tier", "other", TABLE, "other"),
        ("tier", "Prüfwert", TABLE, "trigger"),  # the curated table
        ("tier", "Maßnahmenwert", TABLE, "intervention"),  # a whole vocabulary term
        ("tier", "intervention value (Interventiewaarde)", PROPOSAL, "intervention"),  # gloss + national term
        ("tier", "Interventiewaarden", PROPOSAL, "intervention"),  # an inflected national term
        ("tier", "valor de investigação para solo", PROPOSAL, "intervention"),
        ("tier", "concentrazione soglia di contaminazione (CSC)", PROPOSAL, "trigger"),
        ("tier", "Risk screening value (风险筛选值)", PROPOSAL, "precautionary"),
        ("land_use", "Residential with garden (Wohngebiete)", PROPOSAL, "residential"),
    ],
)
def test_labels_are_read_from_their_words_in_any_language(matcher, kind, text, how, code):
    reading = matcher.label(kind, text)
    assert (reading.how, reading.target_code) == (how, code), reading.reason


def test_a_label_naming_two_classes_is_not_guessed(matcher):
    reading = matcher.label("land_use", "residential and industrial areas")
    assert reading.how == NONE and "more than one class" in reading.reason


def test_a_negated_word_does_not_count(matcher):
    assert matcher.label("land_use", "non-residential").how == NONE


def test_a_proposal_says_why_and_how_sure(matcher):
    reading = matcher.label("tier", "Interventiewaarden bodem")
    assert reading.is_proposal and 0 < reading.confidence < 1 and "interventiewaarde" in reading.reason.lower()
    assert reading.describe().startswith("tier label “Interventiewaarden bodem” read as Intervention or action")


def test_unknown_words_are_not_read(matcher):
    reading = matcher.label("tier", "Zone 7")
    assert reading.how == NONE and reading.target_id is None


# ---- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "basis", "how"),
    [
        ("mg/kg", "mg/kg", "", TABLE),
        ("mg/kg TM", "mg/kg", "dry", TABLE),
        ("mg kg^-1 peso seco", "mg/kg", "dry", RULE),
        ("mg·kg⁻¹ DM", "mg/kg", "dry", RULE),
        ("[mg/kg d.w.]", "mg/kg", "dry", RULE),
        ("μg/kg fresh weight", "µg/kg", "fresh", RULE),
        ("ug kg-1 p.s.", "µg/kg", "dry", RULE),
        ("ppm (mg/kg) dry wt", "ppm", "dry", RULE),
        ("毫克/千克", "mg/kg", "", RULE),
    ],
)
def test_any_mass_fraction_spelling_is_read_with_its_basis(matcher, text, code, basis, how):
    reading = matcher.unit(text)
    assert (reading.target_code, reading.basis, reading.how) == (code, basis, how), reading.reason


@pytest.mark.parametrize("text", ["mg/l", "mg/L", "µg/L", "mg/m³", "g/m²", "kg/ha"])
def test_a_volume_or_area_unit_is_never_a_mass_fraction(matcher, text):
    reading = matcher.unit(text)
    assert reading.how == NONE and ("volume" in reading.reason or "area" in reading.reason)


# ---- pollutants ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cas", "how", "name"),
    [
        ("Cd", "", TABLE, "Cadmium"),
        ("Kadmium", "", TABLE, "Cadmium"),
        ("", "7440439", TABLE, "Cadmium"),  # CAS without hyphens
        ("7440-43-9", "", RULE, "Cadmium"),  # a CAS number written as the name
        ("Cadmium and its compounds", "", TABLE, "Cadmium"),
        ("Nickel and its compounds", "", PROPOSAL, "Nickel"),
        ("Nickel, total", "", PROPOSAL, "Nickel"),
        ("Benzo(a)pyrene (BaP)", "", RULE, "Benzo(a)pyrene"),
        ("DDD + DDE + DDT", "", RULE, "Sum of DDT, DDD and DDE"),
        ("Sum of PCB 28, 52, 101, 138, 153, 180", "", RULE, "Sum of 6 indicator PCBs"),
    ],
)
def test_pollutant_names_with_qualifiers_symbols_and_sums(matcher, text, cas, how, name):
    reading = matcher.pollutant(text, cas)
    assert (reading.how, reading.target) == (how, name), reading.reason


def test_chromium_vi_never_loses_its_valence(matcher):
    reading = matcher.pollutant("Chromium (VI)")
    assert reading.target == "Chromium (VI)"


def test_a_sum_whose_members_differ_is_not_matched(matcher):
    assert matcher.pollutant("DDT + DDE").how == NONE


def test_a_non_metal_keeps_its_qualifier(matcher):
    """Total cyanide is not free cyanide: qualifiers are dropped only from metals."""
    assert matcher.pollutant("Cyanide, total").how == NONE


def test_an_unknown_name_with_a_valid_cas_is_a_proposed_new_pollutant(matcher):
    reading = matcher.pollutant("Antimony trioxide", "1309644")
    assert reading.is_proposal and reading.new_pollutant and reading.cas == "1309-64-4"
    assert reading.new_name == "Antimony trioxide"


def test_a_wrong_check_digit_is_a_problem_not_a_proposal(matcher):
    reading = matcher.pollutant("Antimony trioxide", "1309-64-5")
    assert reading.how == NONE and reading.cas_problem and "check digit" in reading.reason


def test_an_unknown_name_without_cas_keeps_the_did_you_mean(matcher):
    reading = matcher.pollutant("Cadmum")
    assert reading.how == NONE and reading.suggestion


def test_cas_helpers():
    assert normalised_cas("7440439") == "7440-43-9" and valid_cas("7440-43-9") and not valid_cas("7440-43-8")


# ---- one pass per distinct text ------------------------------------------------------------------------


NEW_POLLUTANT = {"pollutant": "Antimony trioxide", "cas": "1309-64-4"}


def _record(**given) -> dict:
    record = {
        "country": "AUT",
        "instrument": "ÖNORM S 2088-2 (test)",
        "pollutant": "Cadmium",
        "value": "1",
        "unit": "mg/kg TM",
        "land_use": "residential",
        "tier_label": "Prüfwert",
    }
    return record | given


def test_a_proposal_is_listed_once_with_every_row_it_affects():
    records = [_record(pollutant=name, tier_label="Interventiewaarden bodem") for name in ("Cadmium", "Lead", "Zinc")]
    plan = plan_records(records)
    [problem] = [problem for problem in plan.problems if problem.proposal]
    assert problem.row == 2 and "rows 2, 3, 4" in problem.message and "Accept it" in problem.message
    accepted = plan_records(records, decisions=Decisions(accept_all=True))
    assert accepted.ok and all(row.fields["needs_review"] for row in accepted.rows)
    assert all("read as Intervention or action" in row.fields["review_note"] for row in accepted.rows)


def test_a_curator_may_change_a_proposal():
    records = [_record(tier_label="Interventiewaarden bodem")]
    key = plan_records(records).proposals[0].reading.key
    plan = plan_records(records, decisions=Decisions(changes={key: "trigger"}))
    assert plan.ok and plan.matcher.classes["tier"][plan.rows[0].fields["tier_id"]].code == "trigger"
    assert not plan.rows[0].fields["needs_review"]  # the curator decided
    refused = plan_records(records, decisions=Decisions(changes={key: "nonsense"}))
    assert not refused.ok and "not something it can be read as" in refused.problems[0].message


# ---- the command line ------------------------------------------------------------------------------------


def _csv(tmp_path, records) -> str:
    header = list(records[0])
    lines = [",".join(header)] + [",".join(f'"{record[name]}"' for name in header) for record in records]
    path = tmp_path / "file.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_the_command_prints_proposals_with_their_fix_and_writes_nothing_without_the_flag(tmp_path, curator):
    path = _csv(tmp_path, [_record(tier_label="Interventiewaarden bodem", **NEW_POLLUTANT)])
    errors = io.StringIO()
    with pytest.raises(CommandError, match="--accept-proposals"):
        call_command("import_thresholds", path, user=curator.username, stderr=errors)
    assert "proposal: tier label “Interventiewaarden bodem” read as Intervention or action" in errors.getvalue()
    assert "a new pollutant “Antimony trioxide”, CAS 1309-64-4" in errors.getvalue()
    assert not Pollutant.objects.filter(name="Antimony trioxide").exists()
    assert not ThresholdValue.objects.filter(instrument__title="ÖNORM S 2088-2 (test)").exists()


def test_accepted_proposals_go_into_the_curated_tables_with_the_import(tmp_path, curator):
    path = _csv(tmp_path, [_record(tier_label="Interventiewaarden bodem", **NEW_POLLUTANT)])
    output = io.StringIO()
    call_command("import_thresholds", path, user=curator.username, accept_proposals=True, stdout=output)
    batch = ImportBatch.objects.latest("created_at")
    entry = LabelClassification.objects.get(kind="tier", label="Interventiewaarden bodem")
    assert (entry.tier.code, entry.added_by, entry.import_batch) == ("intervention", curator, batch)
    new = Pollutant.objects.get(cas_rn="1309-64-4")
    assert new.name == "Antimony trioxide" and new.added_by == curator and str(batch.pk) in new.added_note
    value = ThresholdValue.objects.get(import_batch=batch)
    assert value.pollutant == new and value.needs_review and value.unit_basis == "dry"
    assert {item["kind"] for item in batch.accepted_proposals} == {"tier", "pollutant"}
    # The next file that says the same is read from the tables: no proposal, nothing to change.
    again = io.StringIO()
    call_command("import_thresholds", path, user=curator.username, stdout=again)
    assert "Nothing to change" in again.getvalue()


# ---- the admin preview ----------------------------------------------------------------------------------------


def test_the_admin_preview_shows_what_was_matched_and_takes_the_curators_changes(client, curator):
    client.force_login(curator)
    content = "\n".join(
        [
            "country,instrument,pollutant,value,unit,land_use_label,tier_label",
            'AUT,ÖNORM S 2088-2 (admin test),Lead,100,mg kg-1 TS,"Wohngebiete",Interventiewaarden bodem',
            'AUT,ÖNORM S 2088-2 (admin test),Zinc,300,mg kg-1 TS,"Wohngebiete",Interventiewaarden bodem',
        ]
    ).encode()
    page = client.post("/admin/thresholds/thresholdvalue/import/", {"file": SimpleUploadedFile("a.csv", content)})
    body = page.content.decode()
    assert 'id="import-problems"' not in body, re.sub(r"<[^>]+>", " ", body)[-3000:]
    assert page.status_code == 200 and 'id="import-readings"' in body
    assert "Interventiewaarden bodem" in body and "Intervention or action" in body and "mg kg-1 TS" in body
    assert "ÖNORM S 2088-2 (admin test)" in body  # the new instrument by name
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    keys = re.findall(r'name="proposal_key" value="([^"]+)"', body)
    tier_key = next(key for key in keys if key.startswith("tier:"))
    data = {"token": token, "proposal_key": keys, "proposal_as": ["" for _ in keys]}
    data["proposal_as"][keys.index(tier_key)] = "trigger"
    done = client.post("/admin/thresholds/thresholdvalue/import/", data)
    assert done.status_code == 302
    values = ThresholdValue.objects.filter(instrument__title="ÖNORM S 2088-2 (admin test)")
    assert values.count() == 2 and {value.tier.code for value in values} == {"trigger"}
    assert LabelClassification.objects.get(kind="tier", label="Interventiewaarden bodem").tier.code == "trigger"


# ---- the API ----------------------------------------------------------------------------------------------


def test_the_api_shows_a_proposal_as_a_problem_until_it_is_accepted(client, curator):
    client.force_login(curator)
    record = _record(tier_label="Interventiewaarden bodem", instrument="API proposals test")
    refused = client.post("/api/v1/thresholds/", record, content_type="application/json")
    assert refused.status_code == 400
    assert "read as Intervention or action" in refused.json()["errors"]["tier_label"][0]
    created = client.post("/api/v1/thresholds/?accept_proposals=true", record, content_type="application/json")
    assert created.status_code == 201 and created.json()["tier"] == "intervention"
    assert created.json()["unit_basis"] == "dry"
    bad = client.post("/api/v1/thresholds/?accept_proposals=maybe", record, content_type="application/json")
    assert bad.status_code == 400 and "accept_proposals" in bad.json()["errors"]


# ---- the survey -----------------------------------------------------------------------------------------------


@pytest.fixture
def survey(client, edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    return response


@pytest.mark.parametrize("code", ["trigger", "background", "other"])
def test_a_pasted_harmonised_tier_code_is_accepted(client, survey, code):
    page = client.get(f"/survey/responses/{survey.pk}/c/")
    data = {"version": page.context["version"], "paste": "1", "paste-instrument": survey.instruments.first().pk}
    data["paste-rows"] = f"Thallium\tparkland\t{code}\t0.8\tmg/kg"
    posted = client.post(f"/survey/responses/{survey.pk}/c/", data)
    assert posted.status_code in (200, 302)
    assert ResponseValue.objects.filter(instrument__response=survey, pollutant="Thallium", tier_label=code).exists()


def test_the_focal_point_sees_how_new_words_were_read_before_submitting(client, survey):
    page = client.get(f"/survey/responses/{survey.pk}/c/")
    data = {"version": page.context["version"], "paste": "1", "paste-instrument": survey.instruments.first().pk}
    data["paste-rows"] = "Thallium\tWohngebiete\tInterventiewaarden bodem\t0.8\tmg kg-1 TS"
    client.post(f"/survey/responses/{survey.pk}/c/", data)
    detail = client.get(f"/survey/responses/{survey.pk}/").content.decode()
    assert 'id="read-as"' in detail and "read as Intervention or action" in detail
    section = client.get(f"/survey/responses/{survey.pk}/c/").content.decode()
    assert "read as Intervention or action" in section
    assert not PollutantSynonym.objects.filter(name="Interventiewaarden bodem").exists()


def test_only_a_curator_may_accept_proposals(tmp_path, editor):
    """Accepting adds to the curated tables: an editor, who may import, gets each reading as a problem."""
    from thresholds.services import ImportRejected, threshold_import

    path = _csv(tmp_path, [_record(tier_label="Interventiewaarden bodem", instrument="editor test")])
    with pytest.raises(ImportRejected) as refused:
        threshold_import(
            file_name="f.csv", content=Path(path).read_bytes(), user=editor, decisions=Decisions(accept_all=True)
        )
    assert any("needs a curator" in problem.message for problem in refused.value.plan.problems)
    assert not LabelClassification.objects.filter(label="Interventiewaarden bodem").exists()
