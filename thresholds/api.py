"""The threshold API: read for everyone (published values), drafts too for curators; CSV export."""

from django.db.models import Count, Q
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import renderers, viewsets
from rest_framework.response import Response

from insop_portal.api_errors import ErrorSerializer
from insop_portal.pagination import StableCursorPagination
from reference.api import CountryViewSet
from thresholds.exports import export_rows_with_mg_kg
from thresholds.filters import ThresholdFilter
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.selectors import country_coverage, thresholds_visible_to, user_sees_drafts
from thresholds.serializers import CountryCoverageSerializer, LegalInstrumentSerializer, ThresholdValueSerializer
from thresholds.spreadsheets import csv_stream


class CSVRenderer(renderers.BaseRenderer):
    """Lets ?format=csv and Accept: text/csv through content negotiation; the view streams the body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, (bytes, str)) else b""


FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["json", "csv"], description="csv exports the whole filtered result, not one page."
)


ERRORS = {400: ErrorSerializer, 404: ErrorSerializer, 429: ErrorSerializer}


class CachingMixin:
    """Anonymous reads may be cached for a minute by browsers and proxies; signed-in reads are private."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(response, public=True, max_age=60)
            patch_vary_headers(response, ["Accept", "Cookie", "Authorization"])
        return response


def record_etag(record) -> str:
    """Changes whenever the record is saved: the version is raised on every write."""
    return f'"{type(record).__name__.lower()}-{record.pk}-v{record.version}"'


@extend_schema_view(
    list=extend_schema(parameters=[FORMAT_PARAMETER], responses={200: ThresholdValueSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: ThresholdValueSerializer, **ERRORS}),
)
class ThresholdValueViewSet(CachingMixin, viewsets.ReadOnlyModelViewSet):
    """Threshold values. Anonymous clients see published values; curators also see drafts and withdrawn ones."""

    serializer_class = ThresholdValueSerializer
    filterset_class = ThresholdFilter
    pagination_class = StableCursorPagination
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]

    def get_queryset(self):
        return thresholds_visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            values = self.filter_queryset(self.get_queryset())
            response = StreamingHttpResponse(
                csv_stream(*export_rows_with_mg_kg(values)), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="thresholds-{timezone.now():%Y%m%d}.csv"'
            return response
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        value = self.get_object()
        response = Response(self.get_serializer(value).data)
        response["ETag"] = record_etag(value)
        response["Last-Modified"] = http_date(value.updated_at.timestamp())
        return response


@extend_schema_view(
    list=extend_schema(responses={200: LegalInstrumentSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: LegalInstrumentSerializer, **ERRORS}),
)
class LegalInstrumentViewSet(CachingMixin, viewsets.ReadOnlyModelViewSet):
    """Laws, regulations, standards and guidelines that set threshold values."""

    serializer_class = LegalInstrumentSerializer
    pagination_class = StableCursorPagination
    filterset_fields = ["status", "instrument_type", "binding", "year"]

    def get_queryset(self):
        visible = Q() if user_sees_drafts(self.request.user) else Q(values__status=ThresholdValue.Status.PUBLISHED)
        return LegalInstrument.objects.select_related("country").annotate(value_count=Count("values", filter=visible))


@extend_schema_view(
    list=extend_schema(responses={200: CountryCoverageSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: CountryCoverageSerializer, **ERRORS}),
)
class CountryCoverageViewSet(CachingMixin, CountryViewSet):
    """Countries and territories (ISO 3166-1, plus EUU), with how many instruments and values each has."""

    serializer_class = CountryCoverageSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "coverage": self._coverage}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._coverage = country_coverage(country_ids=[country.id for country in page], user=request.user)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        country = self.get_object()
        self._coverage = country_coverage(country_ids=[country.id], user=request.user)
        return Response(self.get_serializer(country).data)
