"""Survey responses over the API, read-only and scoped: a curator reads every response, a focal
point only their country's (in the list as in the detail), anonymous clients nothing."""

from django.db.models import Prefetch
from rest_framework import permissions, viewsets

from core.ids import ID_PATTERN
from surveys.models import ResponseInstrument
from surveys.selectors import responses_visible_to
from surveys.serializers import SurveyResponseSerializer


class SurveyResponseViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATTERN
    serializer_class = SurveyResponseSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["status", "edition__year", "country__iso3"]

    def get_queryset(self):
        instruments = ResponseInstrument.objects.prefetch_related(
            "values__land_use", "values__tier", "values__extraction"
        )
        return (
            responses_visible_to(self.request.user)
            .prefetch_related("land_uses", "laboratories", Prefetch("instruments", queryset=instruments))
            .order_by("id")
        )
