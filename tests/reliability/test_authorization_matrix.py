"""Item 3 of the reliability suite: who gets what. Every page, API operation and download, for five
people: an anonymous visitor, a focal point of Germany (A), a focal point of France (B), a curator and
an administrator. Lists are checked as well as details: a "secret" (a draft value, Germany's survey
comment, a withdrawn instrument, a draft SOP version) must appear exactly where it may.

The table in docs/reliability.md is this matrix, rendered by `python -m tests.reliability.test_authorization_matrix`;
a test keeps the two equal, and another fails when a page or API operation is added without a rule."""

from __future__ import annotations

import contextlib
import datetime
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROLES = ["anonymous", "focal point A", "focal point B", "curator", "admin"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"

# Outcomes: a status code; "sees" / "blind" = 200 with the rule's secret present / absent;
# "login" = a redirect to a sign-in page (web) ; "-" = not applicable.
SEES, BLIND, LOGIN = "sees", "blind", "login"
PUBLIC = ("200",) * 5
CURATORS_ONLY_DETAIL = ("404", "404", "404", "200", "200")
CURATORS_SEE = (BLIND, BLIND, BLIND, SEES, SEES)
STAFF_PAGE = (LOGIN, LOGIN, LOGIN, "200", "200")
API_WRITE = ("401", "403", "403")


@dataclass(frozen=True)
class Rule:
    what: str
    method: str
    path: str
    expect: tuple[str, ...]
    secret: str = ""
    body: str = ""  # the name of a request body built by the world

    def row(self) -> str:
        cells = [self.what, f"`{self.method} {self.path}`", *self.expect]
        return "| " + " | ".join(cells) + " |"


DRAFT_VALUE = "987.6543"
COMMENT_A = "Comment only Germany may read"
COMMENT_B = "Comment only France may read"
WITHDRAWN = "Withdrawn ordinance 7f3"
DRAFT_SOP = "9.9-draft"
DRAFT_ONLY_SOP = "glosolan-sop-in-draft"
DRAFT_ONLY_INSTRUMENT = "Ordinance with draft values only 4c1"

RULES = [
    # ---- public pages -----------------------------------------------------------------------------
    Rule("Home page", "GET", "/", PUBLIC),
    Rule("Countries", "GET", "/countries/", PUBLIC),
    Rule("Country page", "GET", "/countries/DEU/", CURATORS_SEE, DRAFT_VALUE),
    Rule("Pollutants", "GET", "/pollutants/", PUBLIC),
    Rule("Pollutant page", "GET", "/pollutants/cadmium/", CURATORS_SEE, DRAFT_VALUE),
    Rule("Instrument page", "GET", "/instruments/{instrument}/", CURATORS_SEE, DRAFT_VALUE),
    Rule("Withdrawn instrument's page", "GET", "/instruments/{withdrawn}/", CURATORS_ONLY_DETAIL),
    Rule("Page of an instrument with draft values only", "GET", "/instruments/{draft_only}/", CURATORS_ONLY_DETAIL),
    Rule("Search", "GET", "/search/?pollutant=cadmium&country=DEU", CURATORS_SEE, DRAFT_VALUE),
    Rule("Analysis", "GET", "/analysis/", PUBLIC),
    Rule("Analysis: download (CSV)", "GET", "/analysis/?format=csv", CURATORS_SEE, DRAFT_VALUE),
    # The check reads published values only, whoever asks: its answers are the same for everyone.
    Rule("Check a sample", "GET", "/check/?country=DEU&pollutant=cadmium&value=1&unit=mg/kg", (BLIND,) * 5, DRAFT_VALUE),
    Rule("Check: the template (XLSX)", "GET", "/check/template.xlsx", PUBLIC),
    Rule("Check: the template (CSV)", "GET", "/check/template.csv", PUBLIC),
    Rule("Benchmark a draft", "GET", "/benchmark/", PUBLIC),
    Rule("Benchmark: the template (XLSX)", "GET", "/benchmark/template.xlsx", PUBLIC),
    Rule("Benchmark: the template (CSV)", "GET", "/benchmark/template.csv", PUBLIC),
    Rule("SOP library", "GET", "/sops/", PUBLIC),
    Rule("SOP library, SOPs with a draft", "GET", "/sops/?status=draft", CURATORS_SEE, "glosolan-sop-test"),
    Rule("SOP library, SOPs with drafts only", "GET", "/sops/", CURATORS_SEE, DRAFT_ONLY_SOP),
    Rule("SOP page", "GET", "/sops/{sop}/", CURATORS_SEE, DRAFT_SOP),
    Rule("Page of an SOP with drafts only", "GET", "/sops/{draft_only_sop}/", CURATORS_ONLY_DETAIL),
    Rule("Published SOP version download", "GET", "/sops/{sop}/versions/1.0/download/", PUBLIC),
    Rule("Draft SOP version download", "GET", "/sops/{sop}/versions/9.9-draft/download/", CURATORS_ONLY_DETAIL),
    Rule("Indicators", "GET", "/kpis/", PUBLIC),
    Rule("Indicator trend CSV", "GET", "/kpis/countries_in_discussions.csv", PUBLIC),
    Rule("Survey results (aggregate)", "GET", "/survey/results/", (BLIND,) * 5, COMMENT_A),
    # ---- the survey -------------------------------------------------------------------------------
    Rule("Survey entry", "GET", "/survey/", (LOGIN, "302", "302", "302", "302")),
    Rule("Survey dashboard", "GET", "/survey/dashboard/", (LOGIN, "403", "403", "200", "200")),
    Rule("Germany's response", "GET", "/survey/responses/{response_a}/", (LOGIN, "200", "404", "200", "200")),
    Rule("Germany's response, section D", "GET", "/survey/responses/{response_a}/d/", (LOGIN, SEES, "404", SEES, SEES), COMMENT_A),
    Rule("Germany's response, section A", "GET", "/survey/responses/{response_a}/a/", (LOGIN, "200", "404", "200", "200")),
    Rule("Save Germany's section D", "POST", "/survey/responses/{response_a}/d/", (LOGIN, "302", "404", "302", "302"), body="section_d"),
    Rule("Submit Germany's response", "POST", "/survey/responses/{response_a}/submit/", (LOGIN, "302", "404", "302", "302")),
    Rule("Review Germany's response", "GET", "/survey/responses/{response_a}/review/", (LOGIN, "403", "403", "200", "200")),
    Rule("Germany's legal text (PDF)", "GET", "/survey/legal-texts/{legal_text_a}/", (LOGIN, "200", "404", "200", "200")),
    Rule("Survey export, CSV (Germany's row)", "GET", "/survey/export.csv", (LOGIN, SEES, BLIND, SEES, SEES), COMMENT_A),
    Rule("Survey export, CSV (France's row)", "GET", "/survey/export.csv", (LOGIN, BLIND, SEES, SEES, SEES), COMMENT_B),
    Rule("Survey export, XLSX (Germany's rows)", "GET", "/survey/export.xlsx", (LOGIN, SEES, BLIND, SEES, SEES), COMMENT_A),
    # ---- curators' admin --------------------------------------------------------------------------
    Rule("Admin index", "GET", "/admin/", STAFF_PAGE),
    Rule("Admin: threshold values", "GET", "/admin/thresholds/thresholdvalue/", STAFF_PAGE),
    Rule("Admin: import", "GET", "/admin/thresholds/thresholdvalue/import/", STAFF_PAGE),
    Rule("Admin: import batches", "GET", "/admin/thresholds/importbatch/", STAFF_PAGE),
    Rule("Admin: survey responses", "GET", "/admin/surveys/surveyresponse/", STAFF_PAGE),
    Rule("Admin: SOPs", "GET", "/admin/sops/sop/", STAFF_PAGE),
    Rule("Admin: user accounts", "GET", "/admin/auth/user/", (LOGIN, LOGIN, LOGIN, "403", "200")),
    Rule("Admin: sign-in lockouts", "GET", "/admin/axes/accessattempt/", (LOGIN, LOGIN, LOGIN, "403", "200")),
    # ---- API: threshold values and instruments ----------------------------------------------------------
    Rule("API: thresholds list", "GET", "/api/v1/thresholds/?country=DEU&page_size=1000", CURATORS_SEE, DRAFT_VALUE),
    Rule("API: thresholds CSV", "GET", "/api/v1/thresholds/?country=DEU&format=csv", CURATORS_SEE, DRAFT_VALUE),
    Rule("API: thresholds XLSX", "GET", "/api/v1/thresholds/?country=DEU&format=xlsx", CURATORS_SEE, DRAFT_VALUE),
    Rule("API: draft value", "GET", "/api/v1/thresholds/{draft}/", CURATORS_ONLY_DETAIL),
    Rule("API: create a value", "POST", "/api/v1/thresholds/", (*API_WRITE, "201", "201"), body="value"),
    Rule("API: change a value", "PATCH", "/api/v1/thresholds/{published}/", (*API_WRITE, "200", "200"), body="change"),
    Rule("API: withdraw a value", "POST", "/api/v1/thresholds/{to_withdraw}/withdraw/", (*API_WRITE, "200", "200")),
    Rule("API: instruments list", "GET", "/api/v1/instruments/?country=DEU", CURATORS_SEE, WITHDRAWN),
    Rule("API: withdrawn instrument", "GET", "/api/v1/instruments/{withdrawn}/", CURATORS_ONLY_DETAIL),
    Rule("API: instruments list, draft values only", "GET", "/api/v1/instruments/?year=1801", CURATORS_SEE, DRAFT_ONLY_INSTRUMENT),
    Rule("API: instrument with draft values only", "GET", "/api/v1/instruments/{draft_only}/", CURATORS_ONLY_DETAIL),
    Rule("API: create an instrument", "POST", "/api/v1/instruments/", (*API_WRITE, "201", "201"), body="instrument"),
    Rule("API: change an instrument", "PATCH", "/api/v1/instruments/{instrument}/", (*API_WRITE, "200", "200"), body="instrument_change"),
    Rule("API: withdraw an instrument", "POST", "/api/v1/instruments/{instrument_to_withdraw}/withdraw/", (*API_WRITE, "200", "200")),
    # ---- API: the survey ----------------------------------------------------------------------------
    Rule("API: survey responses (Germany's)", "GET", "/api/v1/survey-responses/", ("401", SEES, BLIND, SEES, SEES), COMMENT_A),
    Rule("API: survey responses (France's)", "GET", "/api/v1/survey-responses/", ("401", BLIND, SEES, SEES, SEES), COMMENT_B),
    Rule("API: Germany's response", "GET", "/api/v1/survey-responses/{response_a}/", ("401", "200", "404", "200", "200")),
    # ---- API: reference data, SOPs, indicators, documentation ------------------------------------------
    Rule("API: root", "GET", "/api/v1/", PUBLIC),
    Rule("API: countries", "GET", "/api/v1/countries/", PUBLIC),
    Rule("API: a country", "GET", "/api/v1/countries/DEU/", PUBLIC),
    Rule("API: pollutants", "GET", "/api/v1/pollutants/", PUBLIC),
    Rule("API: a pollutant", "GET", "/api/v1/pollutants/{pollutant}/", PUBLIC),
    Rule("API: units", "GET", "/api/v1/units/", PUBLIC),
    Rule("API: a unit", "GET", "/api/v1/units/{unit}/", PUBLIC),
    Rule("API: land uses", "GET", "/api/v1/land-uses/", PUBLIC),
    Rule("API: a land use", "GET", "/api/v1/land-uses/agricultural/", PUBLIC),
    Rule("API: tiers", "GET", "/api/v1/tiers/", PUBLIC),
    Rule("API: a tier", "GET", "/api/v1/tiers/precautionary/", PUBLIC),
    Rule("API: extraction methods", "GET", "/api/v1/extraction-methods/", PUBLIC),
    Rule("API: an extraction method", "GET", "/api/v1/extraction-methods/{extraction}/", PUBLIC),
    # The API publishes SOPs' released versions only; curators see drafts in the admin.
    # The API shows each reader what the SOP pages show (sops.selectors.sop_versions_visible_to).
    Rule("API: SOPs", "GET", "/api/v1/sops/", CURATORS_SEE, DRAFT_SOP),
    Rule("API: an SOP", "GET", "/api/v1/sops/{sop}/", CURATORS_SEE, DRAFT_SOP),
    Rule("API: SOPs with drafts only", "GET", "/api/v1/sops/", CURATORS_SEE, DRAFT_ONLY_SOP),
    Rule("API: laboratories", "GET", "/api/v1/laboratories/", PUBLIC),
    Rule("API: a laboratory", "GET", "/api/v1/laboratories/{laboratory}/", PUBLIC),
    Rule("API: indicators", "GET", "/api/v1/stats/kpis/", PUBLIC),
    Rule("API: check samples", "POST", "/api/v1/check/", (BLIND,) * 5, DRAFT_VALUE, body="samples"),
    Rule("API: token for one's own account", "POST", "/api/v1/auth/token/", ("400", "200", "200", "200", "200"), body="credentials"),
    Rule("OpenAPI schema", "GET", "/api/schema/", PUBLIC),
    Rule("Swagger UI", "GET", "/api/docs/", PUBLIC),
    Rule("ReDoc", "GET", "/api/redoc/", PUBLIC),
]  # fmt: skip


def matrix_markdown() -> str:
    header = "| What | Request | " + " | ".join(ROLES) + " |"
    rule = "|" + "---|" * (len(ROLES) + 2)
    return "\n".join([header, rule, *(item.row() for item in RULES)])


# ---- the world the rules are checked in ---------------------------------------------------------


@pytest.fixture
def world(db, curator, edition):
    from django.core.files.base import ContentFile

    from reference.models import Country, ExtractionMethod
    from sops.models import Laboratory, Sop, SopVersion
    from surveys.models import ResponseInstrument
    from surveys.services import response_start
    from tests.factories import UserFactory, focal_point
    from thresholds.models import LegalInstrument, ThresholdValue

    people = {
        "anonymous": None,
        "focal point A": focal_point("fp-a", "DEU"),
        "focal point B": focal_point("fp-b", "FRA"),
        "curator": curator,
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
    }
    published = ThresholdValue.objects.filter(
        instrument__country__iso3="DEU", status="published", pollutant__slug="cadmium"
    ).first()
    instrument = published.instrument
    draft = ThresholdValue.objects.get(pk=published.pk)
    draft.pk, draft.status, draft.value_text, draft.condition_text = None, "draft", DRAFT_VALUE, "draft band"
    draft.conditions_key = "draft-band"
    draft.refresh_derived_fields()
    draft.save()
    others = ThresholdValue.objects.filter(instrument__country__iso3="DEU", status="published").exclude(pk=published.pk)
    withdrawn = LegalInstrument.objects.create(country=Country.objects.get(iso3="DEU"), title=WITHDRAWN, withdrawn=True)
    to_withdraw = LegalInstrument.objects.filter(withdrawn=False).exclude(country__iso3="DEU").first()
    # An instrument whose only value is a draft, as a draft import leaves it.
    draft_only = LegalInstrument.objects.create(country=instrument.country, title=DRAFT_ONLY_INSTRUMENT, year=1801)
    only_value = ThresholdValue.objects.get(pk=draft.pk)
    only_value.pk, only_value.instrument = None, draft_only
    only_value.save()

    response_a = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=people["focal point A"])
    response_a.comments = COMMENT_A
    response_a.save()
    response_b = response_start(edition=edition, country=Country.objects.get(iso3="FRA"), user=people["focal point B"])
    response_b.comments = COMMENT_B
    response_b.save()
    legal_text = ResponseInstrument.objects.create(
        response=response_a, title="Bundes-Bodenschutzverordnung", legal_text=ContentFile(b"%PDF-1.4\n%%EOF\n", "a.pdf")
    )

    sop = Sop.objects.create(code="glosolan-sop-test", title="Aqua regia", analyte_group="metals", technique="icp_oes")
    today = datetime.date.today()
    for version, status in (("1.0", "published"), (DRAFT_SOP, "draft")):
        SopVersion.objects.create(
            sop=sop, version=version, date=today, status=status, file=ContentFile(b"%PDF-1.4\n%%EOF\n", "sop.pdf")
        )
    draft_only_sop = Sop.objects.create(
        code=DRAFT_ONLY_SOP, title="Sop in draft", analyte_group="metals", technique="icp_oes"
    )
    SopVersion.objects.create(
        sop=draft_only_sop, version="0.1", date=today, file=ContentFile(b"%PDF-1.4\n%%EOF\n", "sop.pdf")
    )
    laboratory = Laboratory.objects.create(name="Test soil laboratory", country=Country.objects.get(iso3="KEN"))

    return {
        "people": people,
        "instrument": instrument.pk,
        "published": published.pk,
        "draft": draft.pk,
        "to_withdraw": others.first().pk,
        "withdrawn": withdrawn.pk,
        "instrument_to_withdraw": to_withdraw.pk,
        "response_a": response_a.pk,
        "legal_text_a": legal_text.pk,
        "sop": sop.code,
        "draft_only_sop": draft_only_sop.code,
        "draft_only": draft_only.pk,
        "laboratory": laboratory.pk,
        "unit": "mg/kg",
        "pollutant": published.pollutant_id,
        "extraction": ExtractionMethod.objects.order_by("pk").first().code,
    }


def _body(name: str, world: dict, role: str):
    import uuid

    from tests.factories import PASSWORD
    from tests.thresholds.helpers import row

    if name == "value":
        return row(instrument=f"Matrix ordinance {uuid.uuid4().hex[:6]}")
    if name == "change":
        return {"notes": f"changed by {role}"}
    if name == "instrument":
        return {
            "country": "FRA",
            "title": f"Arrêté {uuid.uuid4().hex[:6]}",
            "year": 2025,
            "instrument_type": "regulation",
        }
    if name == "instrument_change":
        return {"year": 2024}
    if name == "section_d":
        from surveys.models import SurveyResponse

        version = SurveyResponse.objects.get(pk=world["response_a"]).version
        return {"version": str(version), "working_towards_adoption": "yes", "comments": COMMENT_A}
    if name == "samples":
        return {"samples": [{"pollutant": "cadmium", "value": "1", "unit": "mg/kg"}], "country": ["DEU"]}
    if name == "credentials":
        user = world["people"][role]
        return {"username": user.username if user else "nobody", "password": PASSWORD}
    return None


def _etag(client, path: str) -> str:
    """The record's current ETag, read as a curator would (a write needs If-Match)."""
    from core.locking import record_etag
    from thresholds.models import LegalInstrument, ThresholdValue

    pk = int(re.search(r"/(\d+)/", path).group(1))
    model = LegalInstrument if "/instruments/" in path else ThresholdValue
    return record_etag(model.objects.get(pk=pk))


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # an XLSX: its cells
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(c) for sheet in book for line in sheet.iter_rows(values_only=True) for c in line if c)
    return content.decode("utf-8", errors="replace")


def outcome(rule: Rule, response) -> str:
    status = response.status_code
    if status == 302 and ("/login/" in response["Location"]):
        return LOGIN
    if status == 200 and rule.secret:
        return SEES if rule.secret in _text(response) else BLIND
    return str(status)


@pytest.mark.parametrize("role", ROLES)
def test_each_person_gets_exactly_what_they_should(client, world, role):
    from rest_framework.authtoken.models import Token

    user = world["people"][role]
    token = Token.objects.create(user=user).key if user else None
    wrong = []
    for rule in RULES:
        expected = rule.expect[ROLES.index(role)]
        path = rule.path.format(**world)
        headers = {}
        if user and path.startswith("/api/") and "/auth/token/" not in path:
            headers["HTTP_AUTHORIZATION"] = f"Token {token}"
        elif user:
            client.force_login(user)
        if rule.method in ("PATCH",) or path.endswith("/withdraw/"):
            headers["HTTP_IF_MATCH"] = _etag(client, path)
        body = _body(rule.body, world, role)
        if rule.method == "GET":
            response = client.get(path, **headers)
        elif path.startswith("/api/"):
            call = client.patch if rule.method == "PATCH" else client.post
            response = call(path, body or {}, content_type="application/json", **headers)
        else:
            response = client.post(path, body or {}, **headers)
        client.logout()
        if "/auth/token/" in path and response.status_code == 200:
            # A new token ends the one before (api_tokens.py): the next rules use the new one.
            token = response.json()["token"]
        got = outcome(rule, response)
        if got != expected:
            wrong.append(f"{rule.what} ({rule.method} {path}): expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


# ---- the matrix covers everything, and the docs show it --------------------------------------------


def _placeholder_pattern(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.split("?")[0])


def test_every_api_operation_has_a_rule():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    covered = {(rule.method, re.sub(r"/[^/]*\{[^}]+\}[^/]*/", "/{}/", rule.path.split("?")[0])) for rule in RULES}
    covered |= {(m, re.sub(r"/(DEU|cadmium|agricultural|precautionary|[\d]+)/", "/{}/", p)) for m, p in covered}
    missing = []
    for path, operations in schema["paths"].items():
        for method in operations:
            key = (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
            if key not in covered:
                missing.append(f"{key[0]} {path}")
    assert not missing, "API operations without an authorization rule:\n" + "\n".join(missing)


def test_every_page_has_a_rule():
    from django.urls import Resolver404, get_resolver, resolve

    paths = {rule.path.split("?")[0] for rule in RULES}
    names = set()
    for path in paths:
        with contextlib.suppress(Resolver404):
            names.add(resolve(re.sub(r"\{[^}]+\}", "1", path).replace("/sops/1/", "/sops/x/")).url_name)
    portal_names = {
        pattern.name
        for app in ("thresholds.urls", "surveys.urls", "sops.urls")
        for pattern in get_resolver(app).url_patterns
    }
    assert portal_names - names == set(), "pages without an authorization rule"


def test_the_documented_matrix_is_this_one():
    assert matrix_markdown() in DOCS.read_text(encoding="utf-8"), (
        "docs/reliability.md is out of date: paste `python -m tests.reliability.test_authorization_matrix`"
    )


if __name__ == "__main__":
    print(matrix_markdown())
