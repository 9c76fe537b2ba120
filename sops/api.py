"""SOPs, laboratories and the indicators over the API. Laboratory contacts are for curators only."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.ids import ID_PATTERN
from sops.models import Engagement, Laboratory
from sops.selectors import kpis, sop_versions_released, sops_released
from sops.serializers import KpiSerializer, LaboratorySerializer, LaboratoryWithContactsSerializer, SopSerializer


class SopViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SopSerializer
    lookup_field = "code"
    filterset_fields = ["analyte_group", "technique", "extraction__code", "pollutants__slug"]

    def get_queryset(self):
        # The API publishes released versions only, to everyone (curators see drafts in the admin), so an
        # SOP with drafts only is not in it yet.
        versions = sop_versions_released().order_by("-date")
        return (
            sops_released()
            .select_related("extraction")
            .prefetch_related(
                "pollutants",
                Prefetch("engagements", queryset=Engagement.objects.select_related("laboratory")),
                Prefetch("versions", queryset=versions),
            )
            .order_by("code")
            .distinct()
        )


class LaboratoryViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATTERN
    queryset = Laboratory.objects.select_related("country").order_by("country__name", "name")
    filterset_fields = ["country__iso3", "country__m49_region", "glosolan_member"]

    def get_serializer_class(self):
        user = self.request.user
        return LaboratoryWithContactsSerializer if user.has_perm("sops.view_laboratory") else LaboratorySerializer


class KpiView(APIView):
    """The INSOP action plan's indicators, computed from the data now, with their quarterly trend."""

    @extend_schema(responses=KpiSerializer(many=True), operation_id="stats_kpis")
    def get(self, request):
        return Response(KpiSerializer(kpis(), many=True).data)
