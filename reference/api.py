"""Read-only API over the reference code lists."""

from rest_framework import viewsets

from core.conditional import LastModifiedMixin
from core.ids import ID_PATTERN
from reference.models import Country, ExtractionMethod, LandUseClass, Pollutant, Tier, Unit
from reference.serializers import (
    CountrySerializer,
    HarmonisedClassSerializer,
    PollutantSerializer,
    UnitSerializer,
)


class CountryViewSet(LastModifiedMixin, viewsets.ReadOnlyModelViewSet):
    last_modified_from = ((Country, "updated_at"),)
    queryset = Country.objects.order_by("iso3")
    serializer_class = CountrySerializer
    lookup_field = "iso3"
    lookup_value_regex = "[^/]+"
    filterset_fields = ["kind", "m49_region", "gsp_partnership", "un_member"]


class PollutantViewSet(LastModifiedMixin, viewsets.ReadOnlyModelViewSet):
    last_modified_from = ((Pollutant, "updated_at"),)
    queryset = Pollutant.objects.prefetch_related("synonyms", "members").order_by("name")
    serializer_class = PollutantSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["group", "is_pop", "is_obsolete_pesticide", "is_hhp", "cas_rn"]


class UnitViewSet(LastModifiedMixin, viewsets.ReadOnlyModelViewSet):
    last_modified_from = ((Unit, "updated_at"),)
    queryset = Unit.objects.prefetch_related("aliases")
    serializer_class = UnitSerializer
    lookup_field = "code"
    # Unit codes hold slashes ("mg/kg"): units/mg/kg/ is the unit mg/kg.
    lookup_value_regex = ".+"
    pagination_class = None


class HarmonisedClassViewSet(LastModifiedMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = HarmonisedClassSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    pagination_class = None


class LandUseClassViewSet(HarmonisedClassViewSet):
    queryset = LandUseClass.objects.all()
    last_modified_from = ((LandUseClass, "updated_at"),)


class TierViewSet(HarmonisedClassViewSet):
    queryset = Tier.objects.all()
    last_modified_from = ((Tier, "updated_at"),)


class ExtractionMethodViewSet(HarmonisedClassViewSet):
    queryset = ExtractionMethod.objects.all()
    last_modified_from = ((ExtractionMethod, "updated_at"),)
