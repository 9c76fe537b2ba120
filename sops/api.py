"""SOPs, laboratories and the indicators over the API. Laboratory contacts are for curators only."""

from django.db.models import Prefetch
from rest_framework import viewsets

from core.ids import ID_PATTERN
from sops.models import Engagement, Laboratory
from sops.selectors import sop_versions_released, sops_released
from sops.serializers import LaboratorySerializer, LaboratoryWithContactsSerializer, SopSerializer


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
