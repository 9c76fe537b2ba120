"""The check page: does a soil sample exceed the thresholds that apply to its soil, and where?

One sample is asked with GET, so the result has an address to share (?pollutant=cadmium&value=1.2&
unit=mg/kg&ph=5.5…); many samples (a pasted table or a CSV/XLSX file in the check's template) are
POSTed. The rules are thresholds/checking.py's, the reading thresholds/samples.py's and the result's
shape thresholds/check_report.py's, as the API's.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.spreadsheets import csv_stream, xlsx_bytes
from core.throttling import export_budget_spent, throttled_for_anonymous
from reference.models import Country, LandUseClass, Tier
from thresholds.check_report import CHECK_FILTERS, CheckRefused, check_download, check_run, run_as_json
from thresholds.matching import Matcher
from thresholds.models import ThresholdValue
from thresholds.samples import (
    MAX_SAMPLES,
    SITE_COLUMNS,
    SMALL_CHECK,
    TEMPLATE_COLUMNS,
    SampleProblem,
    SamplesRefused,
    column_labels,
    read_site,
    records_from_file,
    records_from_text,
)

TEMPLATE = "thresholds/check.html"
FORMATS = ("html", "csv", "xlsx")
SAMPLE_FIELDS = ("sample_id", "pollutant", "value", "unit")
# The page shows every sample's summary, and the full findings of this many; the downloads hold all.
DETAILED_SAMPLES = 50
# The template's example rows: the question and a Dutch sample of lead.
TEMPLATE_EXAMPLES = [
    ["field-3", "cadmium", "1.2", "mg/kg", "agricultural", "5.5", "sand", "", "", "", "", "0-20 cm"],
    ["NL-7", "lead", "400", "mg/kg dry matter", "", "6.8", "", "5", "2", "", "", ""],
]


@require_http_methods(["GET", "POST"])
def check_page(request):
    data = request.POST if request.method == "POST" else request.GET
    asked = request.method == "POST" or any(data.get(name) for name in ("pollutant", "value"))
    context = _choices(data)
    if not asked:
        return render(request, TEMPLATE, context)
    return _checked(request, data, context)


@throttled_for_anonymous
def _checked(request, data, context):
    output = data.get("format") or "html"
    problems: list[SampleProblem] = []

    def site_problem(column: str, message: str) -> None:
        problems.append(SampleProblem(0, column, message))

    site = read_site({name: data.get(name, "") for name in SITE_COLUMNS}, problem=site_problem, matcher=Matcher())
    try:
        records = _records(request, data)
    except SamplesRefused as refused:
        return _refused(request, context, str(refused))
    include = data.get("include_superseded", "") in ("true", "1", "on")
    filters = {name: [part for item in data.getlist(name) for part in item.split(",")] for name in CHECK_FILTERS}
    if output not in FORMATS:
        return _refused(request, context, _("format must be one of %(formats)s.") % {"formats": ", ".join(FORMATS)})
    if problems:
        return render(request, TEMPLATE, {**context, "problems": _described(problems)}, status=400)
    if len(records) > SMALL_CHECK:
        seconds = export_budget_spent(request)
        if seconds is not None:
            response = render(request, "429.html", {"seconds": seconds}, status=429)
            response["Retry-After"] = str(seconds)
            return response
    try:
        run = check_run(records, site=site, filters=filters, include_superseded=include)
        if output in ("csv", "xlsx"):
            return check_download(run, output)
    except CheckRefused as refused:
        message = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in refused.errors.items())
        return _refused(request, context, message)
    result = run_as_json(run)
    # The answer's numbers are written for machines ("0.3"); people read them in their language (0,3).
    for sample in result["samples"]:
        _as_numbers(sample, "concentration_mg_kg")
    for threshold in result["thresholds"].values():
        _as_numbers(threshold, "value_mg_kg")
    detailed = result["samples"][:DETAILED_SAMPLES]
    for sample in detailed:
        for finding in sample["findings"]:
            for value in finding["values"]:
                value["t"] = result["thresholds"][str(value["threshold"])]
                _as_numbers(value, "applicable_mg_kg", "ratio")
            finding["t"] = finding["values"][0]["t"]
    permalink = ""
    if request.method == "GET":
        permalink = "?" + urlencode([(name, value) for name, value in data.items() if value and name != "format"])
    return render(
        request,
        TEMPLATE,
        {
            **context,
            "result": result,
            "detailed": detailed,
            "more_samples": max(0, len(result["samples"]) - DETAILED_SAMPLES),
            "problems": _described(run.problems),
            "permalink": permalink,
        },
        # Nothing could be checked: the request as given is bad, and says why.
        status=400 if run.problems and not run.results else 200,
    )


def _as_numbers(item: dict, *names: str) -> None:
    """Turn the named plain-decimal strings of `item` into decimals, which templates localise."""
    for name in names:
        if isinstance(item.get(name), str):
            item[name] = Decimal(item[name])


def _records(request, data):
    """The samples asked: a file, a pasted table, or the one sample of the form's fields."""
    upload = request.FILES.get("file") if request.method == "POST" else None
    if upload is not None:
        return records_from_file(file_name=upload.name, content=upload.read())
    pasted = data.get("samples", "")
    if pasted.strip():
        return records_from_text(pasted)
    return [(1, {name: data.get(name, "") for name in SAMPLE_FIELDS})]


def _refused(request, context, message: str):
    return render(request, TEMPLATE, {**context, "refused": message}, status=400)


# A table with a bad column has a problem on every row: the page lists the first ones.
MAX_PROBLEMS_SHOWN = 100


def _described(problems: list[SampleProblem]) -> list[dict]:
    labels = column_labels()
    shown = [
        {"row": problem.row, "column": labels.get(problem.column, problem.column), "message": problem.message}
        for problem in problems[:MAX_PROBLEMS_SHOWN]
    ]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        more = len(problems) - MAX_PROBLEMS_SHOWN
        shown.append({"row": "…", "column": "", "message": _("and %(count)s more") % {"count": f"{more:,}"}})
    return shown


def _choices(data) -> dict:
    return {
        "selected": data,
        "land_uses": LandUseClass.objects.order_by("sort_order"),
        "tiers": Tier.objects.order_by("sort_order"),
        "textures": ThresholdValue.Texture.choices,
        "regions": Country.M49Region.choices,
        "selected_tiers": [part for item in data.getlist("tier") for part in item.split(",")],
        "max_samples": MAX_SAMPLES,
        "columns": TEMPLATE_COLUMNS,
    }


def check_template(request, extension: str):
    """The check's template: its columns and two example rows, as CSV or XLSX."""
    if extension == "csv":
        content = "".join(csv_stream(TEMPLATE_EXAMPLES, TEMPLATE_COLUMNS)).encode()
        content_type = "text/csv; charset=utf-8"
    else:
        content = xlsx_bytes(TEMPLATE_EXAMPLES, TEMPLATE_COLUMNS, sheet_title="samples")
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"insop-check-template.{extension}")
    return response
