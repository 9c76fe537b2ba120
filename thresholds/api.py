"""The threshold API: read for everyone (published values), drafts too for curators; CSV export."""

import json
import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, parsers, permissions, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.conditional import LastModifiedMixin, last_changed
from core.ids import ID_PATTERN
from core.locking import ConcurrentEdit, PreconditionFailed, expected_version, record_etag, versioned_change
from core.pagination import StableCursorPagination
from core.parsers import JSONParser
from core.renderers import FastJSONRenderer
from core.spreadsheets import csv_stream, write_xlsx
from core.throttling import EXPORT_THROTTLES, AnonymousPageThrottle, export_budget_spent
from reference.api import CountryViewSet
from thresholds.check_report import CHECK_FILTERS, CheckRefused, check_download, check_run, run_as_json
from thresholds.checking import Site
from thresholds.exports import dataset_citation, export_csv_by_copy, export_readme, export_rows_with_mg_kg
from thresholds.filters import InstrumentFilter, ThresholdFilter
from thresholds.importing import Decisions
from thresholds.matching import Matcher
from thresholds.models import LegalInstrument
from thresholds.samples import MAX_SAMPLES, SMALL_CHECK, SamplesRefused, read_site, records_from_text
from thresholds.selectors import (
    DATA_CHANGES,
    country_coverage,
    data_changes_seen_by,
    instruments_visible_to,
    kept_until_changed,
    list_lookups,
    thresholds_visible_to,
)
from thresholds.serializers import (
    CheckRequestSerializer,
    CountryCoverageSerializer,
    LegalInstrumentSerializer,
    LegalInstrumentWriteSerializer,
    ThresholdValueSerializer,
    ThresholdWriteSerializer,
    threshold_list_rows,
    threshold_representations,
)
from thresholds.services import (
    ImportRejected,
    instrument_save,
    instrument_withdraw,
    threshold_create,
    threshold_update,
    threshold_withdraw,
)

EXPORTS = {"csv", "xlsx"}


class CSVRenderer(renderers.BaseRenderer):
    """Lets ?format=csv and Accept: text/csv through content negotiation; the view streams the body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, (bytes, str)) else b""


class XLSXRenderer(CSVRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None


# The cursor pages need a unique order: the id, either way (core.filters checks `ordering`).
ORDERING_FIELDS = ("id",)
ORDERING_PARAMETER = OpenApiParameter(
    "ordering",
    str,
    enum=["id", "-id"],
    description="id (the default) or -id for the newest first; any other value is a 400.",
)
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv", "xlsx"],
    description=(
        "csv and xlsx export the whole filtered result (xlsx up to 20,000 values: larger results are a 400 "
        "that points to csv). Downloads have their own rate limit: 20 an hour per address, 120 per account."
    ),
)


class CachingMixin(LastModifiedMixin):
    """Anonymous reads may be cached for a minute by browsers and proxies; signed-in reads are private.
    Last-Modified says when the threshold data the client can see last changed (drafts move it only
    for curators)."""

    last_modified_from = DATA_CHANGES

    def last_modified(self, request):
        return last_changed(data_changes_seen_by(request.user))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(response, public=True, max_age=60)
            patch_vary_headers(response, ["Accept", "Cookie", "Authorization"])
        return response


def _refuse_large_xlsx(values) -> None:
    """An XLSX is built in Python, a value at a time: past EXPORT_XLSX_MAX_ROWS it is refused (counted
    without reading further than the limit) with a pointer to the CSV, which the database writes."""
    limit = settings.EXPORT_XLSX_MAX_ROWS
    if values.order_by()[: limit + 1].count() > limit:
        raise exceptions.ValidationError(
            {
                "format": [
                    f"These filters select more than {limit:,} values, too many for an XLSX download. "
                    "Download them as CSV (format=csv), which has no limit, or narrow the filters."
                ]
            }
        )


class CuratorsWrite(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads; writing needs the model permission (the Curators group has it)."""


def _problems_as_validation_error(rejected: ImportRejected) -> exceptions.ValidationError:
    errors: dict[str, list[str]] = {}
    for problem in rejected.plan.problems:
        errors.setdefault(problem.column or "non_field_errors", []).append(problem.message)
    return exceptions.ValidationError(errors)


def _proposal_decisions(request) -> Decisions:
    """?accept_proposals=true accepts the matcher's proposals (a label read from its words, a name with
    a qualifier dropped, a new pollutant from its CAS number); without it each is a 400 problem naming
    the proposal, so nothing is read in a way the writer did not see."""
    given = request.query_params.get("accept_proposals", "false").strip().lower()
    if given not in ("true", "false", "1", "0"):
        raise exceptions.ValidationError({"accept_proposals": ["accept_proposals must be true or false."]})
    return Decisions(accept_all=given in ("true", "1"))


ACCEPT_PROPOSALS = OpenApiParameter(
    "accept_proposals",
    bool,
    OpenApiParameter.QUERY,
    required=False,
    description="Accept the matcher's proposals for labels, names and units it reads from their words; "
    "without it a proposal is a 400 problem showing how the text would be read.",
)

IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True, description="The record's ETag.")


@extend_schema_view(
    list=extend_schema(
        parameters=[FORMAT_PARAMETER, ORDERING_PARAMETER],
        responses={
            (200, "application/json"): ThresholdValueSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            (200, XLSXRenderer.media_type): OpenApiTypes.BINARY,
        },
    ),
    retrieve=extend_schema(responses={200: ThresholdValueSerializer}),
    create=extend_schema(
        request=ThresholdWriteSerializer, responses={201: ThresholdValueSerializer}, parameters=[ACCEPT_PROPOSALS]
    ),
    partial_update=extend_schema(
        request=ThresholdWriteSerializer,
        parameters=[IF_MATCH, ACCEPT_PROPOSALS],
        responses={200: ThresholdValueSerializer},
    ),
    withdraw=extend_schema(request=None, parameters=[IF_MATCH], responses={200: ThresholdValueSerializer}),
)
class ThresholdValueViewSet(CachingMixin, viewsets.ModelViewSet):
    """Threshold values. Anonymous clients see published values; curators also see drafts and withdrawn ones.

    Curators write with the import template's columns (see the import guide): the same checks apply.
    Changes need If-Match with the value's ETag.
    """

    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_classes = [CuratorsWrite]
    lookup_value_regex = ID_PATTERN

    def get_renderers(self):
        # Only the list exports CSV; elsewhere ?format=csv is simply not available (404).
        renderers_ = super().get_renderers()
        return renderers_ if self.action == "list" else [r for r in renderers_ if r.format not in EXPORTS]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always JSON in the one error shape, even when CSV was asked for.
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer is not None and renderer.format in EXPORTS:
            request.accepted_renderer, request.accepted_media_type = renderers.JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    serializer_class = ThresholdValueSerializer
    filterset_class = ThresholdFilter
    pagination_class = StableCursorPagination
    ordering_fields = ORDERING_FIELDS
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]

    def get_queryset(self):
        return thresholds_visible_to(self.request.user)

    def get_throttles(self):
        # Downloads of a whole result have their own, stricter budget on top of the API's.
        throttles = super().get_throttles()
        renderer = getattr(self.request, "accepted_renderer", None)
        if self.action == "list" and renderer is not None and renderer.format in EXPORTS:
            throttles += [throttle() for throttle in EXPORT_THROTTLES]
        return throttles

    def list(self, request, *args, **kwargs):
        export = request.accepted_renderer.format
        if export in EXPORTS:
            return self._export(request, export)
        # The hot path: plain rows, no model instances, and for anonymous visitors the page kept
        # under the time the data last changed (which Last-Modified reports anyway).
        stamp = self.last_modified(request)

        def page() -> dict:
            rows = self.paginate_queryset(threshold_list_rows(self.filter_queryset(self.get_queryset())))
            results = threshold_representations(rows, request=request, lookups=list_lookups(stamp))
            return self.paginator.get_paginated_response(results).data

        data = kept_until_changed(
            f"api:thresholds:{self._page_key(request)}",
            page,
            stamp=stamp,
            seconds=0 if request.user.is_authenticated else settings.API_LIST_CACHE_SECONDS,
        )
        response = Response(data)
        if stamp is not None:
            response["Last-Modified"] = http_date(stamp.timestamp())
        return response

    def _page_key(self, request) -> str:
        """What a kept page depends on: the host (its links), and the parameters the list reads. Other
        parameters change nothing, so junk ones cannot fill the cache with copies of one page."""
        known = {*self.filterset_class.base_filters, self.paginator.cursor_query_param}
        known.update((self.paginator.page_size_query_param, "ordering"))
        query = sorted((name, values) for name, values in request.GET.lists() if name in known)
        return f"{request.get_host()}|{urlencode(query, doseq=True)}"

    def _export(self, request, export: str):
        rows, header = export_rows_with_mg_kg(self.filter_queryset(self.get_queryset()))
        site = request.build_absolute_uri("/")
        if export == "csv":
            # PostgreSQL writes the CSV itself (COPY), an order of magnitude faster than Python.
            body = (
                export_csv_by_copy(self.filter_queryset(self.get_queryset()))
                if connection.vendor == "postgresql"
                else csv_stream(rows, header)
            )
            response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
        else:
            _refuse_large_xlsx(self.filter_queryset(self.get_queryset()))
            # Written to a temporary file (openpyxl's write-only mode), then streamed from disk; the
            # response closes, and so deletes, the file once it is sent.
            workbook = tempfile.TemporaryFile()  # noqa: SIM115
            try:
                readme = export_readme(site_url=site, query=request.GET.urlencode())
                write_xlsx(workbook, rows, header, readme=readme)
            except BaseException:
                workbook.close()
                raise
            workbook.seek(0)
            response = FileResponse(workbook, content_type=XLSXRenderer.media_type)
        response["Content-Disposition"] = f'attachment; filename="thresholds-{timezone.now():%Y%m%d}.{export}"'
        # The citation and licence travel with every export (in the xlsx also on its "read me" sheet).
        response["Link"] = f'<{settings.PORTAL_DATA_LICENCE_URL}>; rel="license"'
        response["X-Citation"] = dataset_citation(site)
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._representation(self.get_object())

    def _representation(self, value, status_code=status.HTTP_200_OK):
        value = self.get_queryset().get(pk=value.pk)
        data = self.get_serializer(value).data
        response = Response(data, status=status_code)
        response["ETag"] = record_etag(value, data)
        return response

    def _record(self, request) -> dict:
        serializer = ThresholdWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def create(self, request, *args, **kwargs):
        try:
            value = threshold_create(
                record=self._record(request), user=request.user, decisions=_proposal_decisions(request)
            )
        except ImportRejected as rejected:
            raise _problems_as_validation_error(rejected) from rejected
        response = self._representation(value, status.HTTP_201_CREATED)
        # A plain str: DRF's Hyperlink (a str subclass) is refused by wsgiref, so `make run` answered 500.
        response["Location"] = str(response.data["url"])
        return response

    def partial_update(self, request, *args, **kwargs):
        value = self.get_object()
        version = expected_version(request, value)
        changes = self._record(request)
        try:
            value = threshold_update(
                value=value,
                changes=changes,
                user=request.user,
                expected_version=version,
                decisions=_proposal_decisions(request),
            )
        except ImportRejected as rejected:
            raise _problems_as_validation_error(rejected) from rejected
        except ConcurrentEdit as exc:
            raise PreconditionFailed(str(exc)) from exc
        return self._representation(value)

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a value: it stays in the database and its history, but is no longer public."""
        value = self.get_object()
        return self._representation(
            versioned_change(
                threshold_withdraw, value=value, user=request.user, version=expected_version(request, value)
            )
        )


@extend_schema_view(
    list=extend_schema(parameters=[ORDERING_PARAMETER], responses={200: LegalInstrumentSerializer(many=True)}),
    retrieve=extend_schema(responses={200: LegalInstrumentSerializer}),
    create=extend_schema(request=LegalInstrumentWriteSerializer, responses={201: LegalInstrumentSerializer}),
    partial_update=extend_schema(
        request=LegalInstrumentWriteSerializer, parameters=[IF_MATCH], responses={200: LegalInstrumentSerializer}
    ),
    withdraw=extend_schema(request=None, parameters=[IF_MATCH], responses={200: LegalInstrumentSerializer}),
)
class LegalInstrumentViewSet(CachingMixin, viewsets.ModelViewSet):
    """Laws, regulations, standards and guidelines that set threshold values.

    Curators create and change them; a change needs If-Match with the instrument's ETag.
    """

    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_classes = [CuratorsWrite]

    def retrieve(self, request, *args, **kwargs):
        return self._representation(self.get_object())

    def _representation(self, instrument, status_code=status.HTTP_200_OK):
        instrument = self.get_queryset().get(pk=instrument.pk)
        data = self.get_serializer(instrument).data
        response = Response(data, status=status_code)
        response["ETag"] = record_etag(instrument, data)
        return response

    def _save(self, request, instrument, *, partial, version=None):
        serializer = LegalInstrumentWriteSerializer(instrument, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            return instrument_save(
                instrument=instrument, data=serializer.validated_data, user=request.user, expected_version=version
            )
        except ConcurrentEdit as exc:
            raise PreconditionFailed(str(exc)) from exc

    def create(self, request, *args, **kwargs):
        return self._representation(self._save(request, LegalInstrument(), partial=False), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        instrument = self.get_object()
        version = expected_version(request, instrument)
        return self._representation(self._save(request, instrument, partial=True, version=version))

    serializer_class = LegalInstrumentSerializer
    pagination_class = StableCursorPagination
    ordering_fields = ORDERING_FIELDS
    filterset_class = InstrumentFilter

    def get_queryset(self):
        return instruments_visible_to(self.request.user)

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw an instrument and all its values: they stay in the database and their history, but are
        no longer public. Needs If-Match and the permission to publish."""
        instrument = self.get_object()
        version = expected_version(request, instrument)
        return self._representation(
            versioned_change(instrument_withdraw, instrument=instrument, user=request.user, version=version)
        )


@extend_schema_view(
    list=extend_schema(responses={200: CountryCoverageSerializer(many=True)}),
    retrieve=extend_schema(responses={200: CountryCoverageSerializer}),
)
class CountryCoverageViewSet(CachingMixin, CountryViewSet):
    """Countries and territories (ISO 3166-1, plus EUU), with how many instruments and values each has."""

    serializer_class = CountryCoverageSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "coverage": self._coverage}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._coverage = country_coverage(
            country_ids=[country.id for country in page], user=request.user, current=False
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        country = self.get_object()
        self._coverage = country_coverage(country_ids=[country.id], user=request.user, current=False)
        return Response(self.get_serializer(country).data)


class CSVBodyParser(parsers.BaseParser):
    """A CSV body of samples (the check's template columns): the rows, for the view to read."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        content = stream.read() if stream is not None else b""
        try:
            return {"csv": content.decode("utf-8-sig")}
        except UnicodeDecodeError:
            raise exceptions.ParseError("The CSV body is not UTF-8 text: save it as CSV UTF-8.") from None


# A table with a bad column has a problem on every row: the first ones say what is wrong.
MAX_PROBLEMS_SHOWN = 100
CHECK_EXAMPLE_REQUEST = {
    "site": {"land_use": "agricultural", "ph": 5.5, "texture": "sand"},
    "samples": [
        {"sample_id": "field-3", "pollutant": "cadmium", "value": 1.2, "unit": "mg/kg"},
        {"sample_id": "field-4", "pollutant": "7439-92-1", "value": "85", "unit": "mg kg-1 dry matter", "ph": "7.2"},
    ],
    "country": ["CHN", "DEU"],
    "include_superseded": False,
}
CHECK_EXAMPLE_RESPONSE = {
    "samples_checked": 1,
    "include_superseded": False,
    "filters": {"country": ["CHN"]},
    "samples": [
        {
            "row": 1,
            "sample_id": "field-3",
            "pollutant": {"id": 12, "name": "Cadmium", "cas_rn": "7440-43-9"},
            "value": "1.2",
            "unit": "mg/kg",
            "concentration_mg_kg": "1.2",
            "site": {
                "land_use": "agricultural",
                "ph": "5.5",
                "texture": "sand",
                "clay": None,
                "organic_matter": None,
                "cec": None,
                "crop": None,
                "depth": None,
            },
            "jurisdictions": 1,
            "exceeded": 1,
            "depends": 0,
            "findings": [
                {
                    "country": "CHN",
                    "country_name": "China",
                    "jurisdiction": "",
                    "instrument": {
                        "id": 7,
                        "title": "GB 15618-2018",
                        "short_name": "GB 15618-2018",
                        "status": "in_force",
                        "url": "https://…",
                        "page": "/instruments/7/",
                    },
                    "tier": {
                        "code": "precautionary",
                        "name": "Precautionary or screening",
                        "as_written": "risk screening",
                    },
                    "land_use": {
                        "code": "agricultural",
                        "name": "Agricultural",
                        "as_written": "other agricultural land",
                    },
                    "extraction": None,
                    "outcome": "applies",
                    "depends_on": [],
                    "exceeds": True,
                    "values": [
                        {
                            "id": 341,
                            "as_written": "0.3 mg/kg",
                            "qualifier": "=",
                            "value_mg_kg": "0.3",
                            "applicable_mg_kg": "0.3",
                            "why": ["set for agricultural land", "applies where soil pH is at most 5.5"],
                            "depends_on": [],
                            "conditions_as_written": "pH<=5.5; other agricultural land",
                            "depth": "",
                            "ratio": "4",
                            "exceeds": True,
                            "correction": None,
                            "source": {"url": "https://…", "page": "Table 1", "quote": "…"},
                            "verified": False,
                        }
                    ],
                }
            ],
        }
    ],
}


@extend_schema(
    tags=["check"],
    summary="Check soil samples against the world's threshold values",
    request={"application/json": CheckRequestSerializer, "text/csv": OpenApiTypes.STR},
    parameters=[
        OpenApiParameter("country", str, description="With a CSV body: ISO alpha-3 codes, comma-separated."),
        OpenApiParameter("region", str, description="With a CSV body: a UN M49 region."),
        OpenApiParameter("tier", str, description="With a CSV body: tier codes, comma-separated."),
        OpenApiParameter("include_superseded", bool, description="With a CSV body: superseded instruments too."),
        OpenApiParameter(
            "format", str, enum=["json", "csv", "xlsx"], description="The answer as JSON (default), CSV or XLSX."
        ),
    ],
    responses={
        200: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="For each sample, jurisdiction and tier: the value that applies to the soil, why, "
            "whether the sample exceeds it and by how much (ratio), and the source; where a value depends on "
            "a property not given, every value it could be.",
            examples=[OpenApiExample("A sample of cadmium in China", value=CHECK_EXAMPLE_RESPONSE)],
        ),
        400: OpenApiResponse(description="A sample or site property that cannot be read, by row and field."),
    },
    examples=[OpenApiExample("Two samples on an acid sandy field", value=CHECK_EXAMPLE_REQUEST, request_only=True)],
)
class CheckView(APIView):
    """POST samples (JSON, or a CSV body in the check's template columns with the site's properties
    per row and the filters as query parameters); the answer is the check's result (check_report)."""

    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser, CSVBodyParser]
    renderer_classes = [FastJSONRenderer, CSVRenderer, XLSXRenderer]
    throttle_classes = [*APIView.throttle_classes, AnonymousPageThrottle]

    def post(self, request):
        if request.content_type.split(";")[0].strip().lower() == CSVBodyParser.media_type:
            options = {name: request.query_params.getlist(name) for name in CHECK_FILTERS}
            include = request.query_params.get("include_superseded", "false")
            try:
                records = records_from_text(request.data.get("csv", "") if hasattr(request.data, "get") else "")
                site = read_site_or_refuse(request.query_params, prefix="")
            except SamplesRefused as refused:
                raise exceptions.ValidationError({"samples": [str(refused)]}) from None
        else:
            records, site, options, include = _json_check_request(request.data)
        if len(records) > SMALL_CHECK:
            seconds = export_budget_spent(request)
            if seconds is not None:
                self.throttled(request, seconds)
        if str(include).lower() not in ("true", "false"):
            raise exceptions.ValidationError({"include_superseded": ["Give true or false."]})
        try:
            run = check_run(records, site=site, filters=options, include_superseded=str(include).lower() == "true")
        except CheckRefused as refused:
            raise exceptions.ValidationError(refused.errors) from None
        if run.problems:
            errors: dict[str, list[str]] = {}
            for problem in run.problems[:MAX_PROBLEMS_SHOWN]:
                errors.setdefault(f"samples[{problem.row}].{problem.column}", []).append(problem.message)
            if len(run.problems) > MAX_PROBLEMS_SHOWN:
                more = len(run.problems) - MAX_PROBLEMS_SHOWN
                errors["samples"] = [f"… and {more:,} more problems: correct these and send the samples again."]
            raise exceptions.ValidationError(errors)
        export = request.accepted_renderer.format
        if export in EXPORTS:
            try:
                return check_download(run, export)
            except CheckRefused as refused:
                raise exceptions.ValidationError(refused.errors) from None
        return Response(run_as_json(run))

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer is not None and renderer.format in EXPORTS:
            request.accepted_renderer, request.accepted_media_type = renderers.JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


def _json_check_request(data):
    """(records, site, filters, include_superseded) from the JSON body; a 400 naming the field for a
    body of the wrong shape."""
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": ["The body is a JSON object with a list of samples."]})
    samples = data.get("samples")
    if not isinstance(samples, list) or not samples:
        raise exceptions.ValidationError({"samples": ["Give a list of one or more samples."]})
    if len(samples) > MAX_SAMPLES:
        raise exceptions.ValidationError({"samples": [f"More than {MAX_SAMPLES:,} samples: split them."]})
    records = []
    for number, sample in enumerate(samples, start=1):
        if not isinstance(sample, dict):
            raise exceptions.ValidationError(
                {f"samples[{number}]": ["A sample is an object with pollutant, value and unit."]}
            )
        records.append((number, {str(key): _cell(value) for key, value in sample.items()}))
    site_data = data.get("site") or {}
    if not isinstance(site_data, dict):
        raise exceptions.ValidationError({"site": ["The site is an object (land_use, ph, texture, clay…)."]})
    site = read_site_or_refuse({str(key): _cell(value) for key, value in site_data.items()}, prefix="site.")
    filters = {}
    for name in CHECK_FILTERS:
        given = data.get(name) or []
        given = [given] if isinstance(given, str) else given
        if not isinstance(given, list) or not all(isinstance(item, str) for item in given):
            raise exceptions.ValidationError({name: ["Give a code or a list of codes."]})
        filters[name] = given
    include = data.get("include_superseded", False)
    if not isinstance(include, bool):
        raise exceptions.ValidationError({"include_superseded": ["Give true or false."]})
    return records, site, filters, "true" if include else "false"


def _cell(value) -> str:
    """A JSON value as the cell of a table: numbers as written, anything else refused by the reading."""
    if isinstance(value, (bool, dict, list)):
        return json.dumps(value)[:50]
    return "" if value is None else str(value)


def read_site_or_refuse(cells, *, prefix: str) -> Site:
    """The site's properties among `cells`, or a 400 naming each one that cannot be read."""
    errors: dict[str, list[str]] = {}

    def problem(column: str, message: str) -> None:
        errors.setdefault(f"{prefix}{column}", []).append(message)

    site = read_site({name: cells.get(name) for name in cells}, problem=problem, matcher=Matcher())
    if errors:
        raise exceptions.ValidationError(errors)
    return site
