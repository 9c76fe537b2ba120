"""The benchmark page: a draft's values placed among the values in force elsewhere (thresholds/benchmark.py).

Nothing is stored, so there is nothing to link to afterwards: the download is the same file sent
again with format=csv or format=xlsx.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.spreadsheets import csv_stream, xlsx_bytes
from core.throttling import throttled_for_anonymous
from thresholds.benchmark import MAX_DRAFT_ROWS, TABLE_HEADER, benchmark_chart, benchmark_draft, benchmark_table
from thresholds.import_template import template_example_rows, template_readme
from thresholds.record import TEMPLATE_COLUMNS

TEMPLATE = "thresholds/benchmark.html"
FORMATS = ("html", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_http_methods(["GET", "POST"])
def benchmark_page(request):
    if request.method == "POST":
        return _benchmark(request)
    return render(request, TEMPLATE, {"max_rows": MAX_DRAFT_ROWS})


@throttled_for_anonymous
def _benchmark(request):
    """Read the posted draft and show, or download, where its values sit. Bad input: a 400 page that
    says what is wrong."""
    output = request.POST.get("format") or "html"
    upload = request.FILES.get("draft")
    error = ""
    if output not in FORMATS:
        error = _("format must be one of %(formats)s.") % {"formats": ", ".join(FORMATS)}
    elif upload is None:
        error = _("Choose a file: your draft in the import template's columns, as .csv or .xlsx.")
    if error:
        return render(request, TEMPLATE, {"max_rows": MAX_DRAFT_ROWS, "error": error}, status=400)

    result = benchmark_draft(file_name=upload.name, content=upload.read())
    if result.refused:
        return render(request, TEMPLATE, {"max_rows": MAX_DRAFT_ROWS, "result": result}, status=400)
    if output == "csv":
        content = "".join(csv_stream(benchmark_table(result), TABLE_HEADER)).encode()
        return _download(content, "benchmark.csv", "text/csv; charset=utf-8")
    if output == "xlsx":
        return _download(
            xlsx_bytes(benchmark_table(result), TABLE_HEADER, sheet_title="benchmark"), "benchmark.xlsx", XLSX
        )
    rtl = get_language_bidi()
    charts = [(pollutant, benchmark_chart(members, rtl=rtl)) for pollutant, members in result.by_pollutant()]
    return render(request, TEMPLATE, {"max_rows": MAX_DRAFT_ROWS, "result": result, "charts": charts})


@require_GET
def benchmark_template(request, extension: str):
    """The import template (its columns, an example row and a "read me" sheet), for anyone drafting."""
    if extension == "xlsx":
        content = xlsx_bytes(template_example_rows(), TEMPLATE_COLUMNS, readme=template_readme())
        return _download(content, "threshold-import-template.xlsx", XLSX)
    content = "".join(csv_stream(template_example_rows(), TEMPLATE_COLUMNS)).encode()
    return _download(content, "threshold-import-template.csv", "text/csv; charset=utf-8")


def _download(content: bytes, file_name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response
