"""The threshold API: read for everyone (published values), drafts too for curators; CSV export."""

from django.db.models import Count, Q
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import renderers, viewsets

from insop_portal.pagination import StableCursorPagination
from thresholds.exports import export_rows_with_mg_kg
from thresholds.filters import ThresholdFilter
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.selectors import thresholds_visible_to, user_sees_drafts
from thresholds.serializers import LegalInstrumentSerializer, ThresholdValueSerializer
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


@extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAMETER]))
class ThresholdValueViewSet(viewsets.ReadOnlyModelViewSet):
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


class LegalInstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Laws, regulations, standards and guidelines that set threshold values."""

    serializer_class = LegalInstrumentSerializer
    pagination_class = StableCursorPagination
    filterset_fields = ["status", "instrument_type", "binding", "year"]

    def get_queryset(self):
        visible = Q() if user_sees_drafts(self.request.user) else Q(values__status=ThresholdValue.Status.PUBLISHED)
        return LegalInstrument.objects.select_related("country").annotate(value_count=Count("values", filter=visible))
