"""SOPs, laboratories and the indicators over the API. Laboratory contacts are for curators only."""

from django.db.models import Prefetch
from rest_framework import viewsets

from core.ids import ID_PATTERN
from sops.models import Engagement, Laboratory
from sops.selectors import sop_versions_visible_to, sops_visible_to
from sops.serializers import LaboratorySerializer, LaboratoryWithContactsSerializer, SopSerializer


class SopViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SopSerializer
    lookup_field = "code"
    filterset_fields = ["analyte_group", "technique", "extraction__code", "pollutants__slug"]

    def get_queryset(self):
        # What the SOP pages show the same reader (sops.selectors): released versions, and drafts and
        # versions under review for curators; an SOP with drafts only is not public yet.
        versions = sop_versions_visible_to(self.request.user).order_by("-date")
        return (
            sops_visible_to(self.request.user)
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
