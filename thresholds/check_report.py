"""Running a check as the page and the API ask it, and its result in the shapes they give: the JSON
structure (the API's body, which the page renders too) and one flat row per sample and value (the
CSV and XLSX downloads).

Numbers that machines read are plain decimals with a point, whatever the reader's language; the
reasons are sentences in the reader's language.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from core.spreadsheets import csv_stream, xlsx_bytes
from reference.models import Pollutant
from thresholds.checking import DEPENDS, Finding, SampleResult, Site, Verdict, check
from thresholds.filters import ThresholdFilter
from thresholds.matching import Matcher
from thresholds.models import SoilCorrection, ThresholdValue
from thresholds.samples import Sample, SampleProblem, read_samples


@contextmanager
def cyclic_gc_paused():
    """Python's cycle collector paused while a check builds its hundreds of thousands of small,
    acyclic objects: it would otherwise walk them again and again, which doubles a large check's time
    (bench/check_bench.py). Reference counting still frees everything; the collector resumes after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def paused_while_iterating(rows):
    """`rows`, produced with the cycle collector paused (see cyclic_gc_paused), for a streamed download."""
    with cyclic_gc_paused():
        yield from rows


# The filters a check takes, with the values API's names and meanings.
CHECK_FILTERS = ("country", "region", "tier")


class CheckRefused(Exception):
    """A filter or download format the check cannot use: {name: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class CheckRun:
    results: list[SampleResult]
    problems: list[SampleProblem]
    include_superseded: bool
    filters: dict[str, list[str]] = field(default_factory=dict)
    pollutants: dict[int, Pollutant] = field(default_factory=dict)

    @property
    def samples_checked(self) -> int:
        return len(self.results)


def check_run(records, *, site: Site, filters: dict[str, list[str]], include_superseded: bool) -> CheckRun:
    """Read `records` ((row, {column: cell})) as samples and check them against the published values
    of the filters' jurisdictions and tiers (in force unless `include_superseded`). A bounded number
    of queries: the matcher's lookups, one for the values, one for their soil corrections."""
    matcher = Matcher()
    samples, problems = read_samples(records, site=site, matcher=matcher)
    return check_samples(samples, problems=problems, filters=filters, include_superseded=include_superseded)


def check_samples(samples: list[Sample], *, problems=(), filters, include_superseded: bool) -> CheckRun:
    data = QueryDict(mutable=True)
    for name in CHECK_FILTERS:
        data.setlist(name, [item for item in filters.get(name, []) if item])
    filterset = ThresholdFilter(data=data, queryset=ThresholdValue.objects.none())
    if not filterset.is_valid():
        raise CheckRefused(
            {name: [str(message) for message in messages] for name, messages in filterset.errors.items()}
        )
    pollutant_ids = sorted({sample.pollutant_id for sample in samples})
    values = ThresholdValue.objects.public().filter(pollutant_id__in=pollutant_ids)
    if not include_superseded:
        values = values.current()
    for name in CHECK_FILTERS:
        values = filterset.filters[name].filter(values, filterset.form.cleaned_data.get(name))
    values = list(
        values.select_related("instrument__country", "land_use", "tier", "unit", "extraction", "pollutant").order_by()
    )
    instrument_ids = {value.instrument_id for value in values}
    corrections = {
        (item.instrument_id, item.pollutant_id): item
        for item in SoilCorrection.objects.filter(pollutant_id__in=pollutant_ids, instrument_id__in=instrument_ids)
    }
    pollutants = {pollutant.pk: pollutant for pollutant in Pollutant.objects.filter(pk__in=pollutant_ids)}
    with cyclic_gc_paused():
        results = check(samples, values, corrections)
    return CheckRun(
        results=results,
        problems=list(problems),
        include_superseded=include_superseded,
        filters={name: data.getlist(name) for name in CHECK_FILTERS if data.getlist(name)},
        pollutants=pollutants,
    )


@lru_cache(maxsize=100_000)
def _plain(number: Decimal | None) -> str | None:
    """A decimal as machines read it: a point, no exponent, no trailing zeros. Kept: a check writes
    the same few values and ratios hundreds of thousands of times."""
    if number is None:
        return None
    return f"{number.normalize():f}"


def _site(site: Site) -> dict:
    return {
        "land_use": site.land_use,
        "ph": _plain(site.ph),
        "texture": site.texture,
        "clay": _plain(site.clay),
        "organic_matter": _plain(site.toc),
        "cec": _plain(site.cec),
        "crop": site.crop,
        "depth": site.depth,
    }


def _correction(correction: SoilCorrection | None) -> dict | None:
    if correction is None:
        return None
    return {
        "kind": correction.kind,
        "constants": {
            "A": _plain(correction.constant_a),
            "B": _plain(correction.constant_b),
            "C": _plain(correction.constant_c),
        },
        "standard_soil": {
            "clay": _plain(correction.standard_clay),
            "organic_matter": _plain(correction.standard_organic_matter),
        },
        "source": correction.source_title,
        "source_url": correction.source_url,
    }


def _threshold(value: ThresholdValue, correction: SoilCorrection | None) -> dict:
    """What a value is, once per answer however many samples it applies to: where it comes from,
    what it says as written, in mg/kg, and its source."""
    instrument = value.instrument
    return {
        "id": value.pk,
        "country": instrument.country.iso3,
        "country_name": instrument.country.local_name,
        "jurisdiction": instrument.jurisdiction,
        "instrument": {
            "id": instrument.pk,
            "title": instrument.title,
            "short_name": instrument.short_name,
            "status": instrument.status,
            "status_name": instrument.get_status_display(),
            "url": instrument.url,
            "page": f"{reverse('page-instrument', args=[instrument.pk])}",
        },
        "tier": {"code": value.tier.code, "name": value.tier.local_name, "as_written": value.tier_label},
        "land_use": {
            "code": value.land_use.code,
            "name": value.land_use.local_name,
            "as_written": value.land_use_label,
        },
        "extraction": value.extraction.code if value.extraction_id else None,
        "as_written": f"{value.value_text} {value.unit_label}".strip(),
        "qualifier": value.qualifier,
        "value_mg_kg": _plain(value.value_mg_kg),
        "conditions_as_written": value.condition_text,
        "depth": value.depth,
        "correction": _correction(correction),
        "source": {"url": value.source_url, "page": value.source_page, "quote": value.source_quote},
        "verified": value.verification == ThresholdValue.Verification.VERIFIED,
    }


def _verdict(verdict: Verdict) -> dict:
    """How one sample compares with one value (described once in the answer's `thresholds`)."""
    return {
        "threshold": verdict.value.pk,
        "applicable_mg_kg": _plain(verdict.applicable_mg_kg),
        "why": verdict.applicability.reasons,
        "depends_on": verdict.applicability.missing,
        "corrected": verdict.correction is not None and verdict.applicable_mg_kg != verdict.value.value_mg_kg,
        "ratio": _plain(verdict.ratio),
        "exceeds": verdict.exceeds,
    }


def _finding(finding: Finding) -> dict:
    value = finding.first.value
    return {
        "country": value.instrument.country.iso3,
        "jurisdiction": value.instrument.jurisdiction,
        "tier": value.tier.code,
        "outcome": finding.outcome,
        "depends_on": finding.missing,
        "exceeds": finding.exceeds,
        "values": [_verdict(verdict) for verdict in finding.verdicts],
    }


def run_as_json(run: CheckRun) -> dict:
    """The check's result: what the API answers, and what the page shows. Each value that applies
    to any sample is described once, under `thresholds` (by id); each sample's findings name them."""
    with cyclic_gc_paused():
        return _run_as_json(run)


def _run_as_json(run: CheckRun) -> dict:
    thresholds: dict[str, dict] = {}
    samples = []
    for result in run.results:
        sample = result.sample
        pollutant = run.pollutants[sample.pollutant_id]
        for finding in result.findings:
            for verdict in finding.verdicts:
                key = str(verdict.value.pk)
                if key not in thresholds:
                    thresholds[key] = _threshold(verdict.value, verdict.correction)
        findings = [_finding(finding) for finding in result.findings]
        samples.append(
            {
                "row": sample.row,
                "sample_id": sample.sample_id,
                "pollutant": {"id": pollutant.pk, "name": pollutant.local_name, "cas_rn": pollutant.cas_rn},
                "value": sample.value_text,
                "unit": sample.unit_text,
                "concentration_mg_kg": _plain(sample.concentration_mg_kg),
                "site": _site(sample.site),
                "jurisdictions": len({(item["country"], item["jurisdiction"]) for item in findings}),
                "exceeded": sum(1 for item in findings if item["exceeds"]),
                "depends": sum(1 for item in findings if item["outcome"] == DEPENDS),
                "findings": findings,
            }
        )
    return {
        "samples_checked": run.samples_checked,
        "include_superseded": run.include_superseded,
        "filters": run.filters,
        "samples": samples,
        "thresholds": thresholds,
    }


CSV_COLUMNS = [
    "row",
    "sample_id",
    "pollutant",
    "cas_rn",
    "value",
    "unit",
    "concentration_mg_kg",
    "country",
    "jurisdiction",
    "instrument",
    "instrument_status",
    "tier",
    "tier_as_written",
    "land_use",
    "land_use_as_written",
    "threshold_as_written",
    "threshold_mg_kg",
    "applicable_mg_kg",
    "outcome",
    "depends_on",
    "why",
    "ratio",
    "exceeds",
    "source_url",
    "source_page",
    "threshold_id",
]


def _yes_no(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "no")


def run_as_rows(run: CheckRun):
    """One row per sample and value (a sample no value applies to: one row saying so)."""
    described: dict[int, list[str]] = {}
    for result in run.results:
        sample = result.sample
        pollutant = run.pollutants[sample.pollutant_id]
        head = [
            str(sample.row),
            sample.sample_id,
            pollutant.name,
            pollutant.cas_rn,
            sample.value_text,
            sample.unit_text,
            _plain(sample.concentration_mg_kg),
        ]
        if not result.findings:
            yield head + [""] * 11 + ["none"] + [""] * 7
            continue
        for finding in result.findings:
            for verdict in finding.verdicts:
                value = verdict.value
                what = described.get(value.pk)
                if what is None:
                    instrument = value.instrument
                    what = described[value.pk] = [
                        instrument.country.iso3,
                        instrument.jurisdiction,
                        instrument.title,
                        instrument.status,
                        value.tier.code,
                        value.tier_label,
                        value.land_use.code,
                        value.land_use_label,
                        f"{value.value_text} {value.unit_label}".strip(),
                        _plain(value.value_mg_kg) or "",
                    ]
                yield [
                    *head,
                    *what,
                    _plain(verdict.applicable_mg_kg) or "",
                    verdict.outcome,
                    "; ".join(verdict.applicability.missing),
                    "; ".join(verdict.applicability.reasons),
                    _plain(verdict.ratio) or "",
                    _yes_no(verdict.exceeds),
                    value.source_url,
                    value.source_page,
                    str(value.pk),
                ]


def _in_blocks(lines, size: int = 1000):
    """The lines joined a thousand at a time: a response of 145,000 one-line chunks spends more time
    handing chunks to the server than writing them."""
    block = []
    for line in lines:
        block.append(line)
        if len(block) == size:
            yield "".join(block)
            block = []
    if block:
        yield "".join(block)


def check_download(run: CheckRun, export: str) -> HttpResponse:
    """The check's result as a CSV or XLSX file, one row per sample and value. A workbook is built
    row by row in memory, so it holds at most EXPORT_XLSX_MAX_ROWS rows, as the values' exports do:
    a larger one is refused (CheckRefused on `format`) with a pointer to the CSV."""
    if export == "xlsx":
        rows_total = sum(max(1, sum(len(finding.verdicts) for finding in result.findings)) for result in run.results)
        if rows_total > settings.EXPORT_XLSX_MAX_ROWS:
            raise CheckRefused(
                {
                    "format": [
                        _(
                            "The result has %(rows)s rows, more than a workbook holds here (%(limit)s): "
                            "download the CSV."
                        )
                        % {"rows": f"{rows_total:,}", "limit": f"{settings.EXPORT_XLSX_MAX_ROWS:,}"}
                    ]
                }
            )
    rows = paused_while_iterating([cell if cell is not None else "" for cell in row] for row in run_as_rows(run))
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if export == "csv":
        response = StreamingHttpResponse(
            _in_blocks(csv_stream(rows, CSV_COLUMNS)), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            xlsx_bytes(rows, CSV_COLUMNS, sheet_title="check"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = content_disposition_header(True, f"insop-check-{stamp}.{export}")
    return response
