from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.selectors import kpis
from indicators.serializers import KpiSerializer


class KpiView(APIView):
    """The INSOP action plan's indicators, computed from the data now, with their quarterly trend."""

    @extend_schema(responses=KpiSerializer(many=True), operation_id="stats_kpis")
    def get(self, request):
        return Response(KpiSerializer(kpis(), many=True).data)
