"""The API router: /api/v1/. Each app registers its viewsets here."""

from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import APIRootView, DefaultRouter

from reference import api as reference_api
from sops import api as sops_api
from surveys import api as surveys_api
from thresholds import api as thresholds_api

# Served under /api/v1/ by views that are not viewsets (insop_portal/urls.py), listed by the root too.
NOT_ROUTED = ["stats/kpis"]


class ApiRootView(APIRootView):
    """/api/v1/: every resource, at its address under the root. Not reversed by URL name as DRF's root
    does: a page may have a list's name (the SOP page is `sop-list`), and the root would link to it."""

    def get(self, request, *args, **kwargs):
        root = reverse("api-root", request=request)
        return Response({prefix: f"{root}{prefix}/" for prefix in self.api_root_dict})


class ApiRouter(DefaultRouter):
    APIRootView = ApiRootView

    def get_api_root_view(self, api_urls=None):
        prefixes = [prefix for prefix, _viewset, _basename in self.registry] + NOT_ROUTED
        return self.APIRootView.as_view(api_root_dict=dict.fromkeys(prefixes))


router = ApiRouter()
router.register("thresholds", thresholds_api.ThresholdValueViewSet, basename="threshold")
router.register("instruments", thresholds_api.LegalInstrumentViewSet, basename="instrument")
router.register("countries", thresholds_api.CountryCoverageViewSet, basename="country")
router.register("pollutants", reference_api.PollutantViewSet, basename="pollutant")
router.register("units", reference_api.UnitViewSet, basename="unit")
router.register("land-uses", reference_api.LandUseClassViewSet, basename="land-use")
router.register("tiers", reference_api.TierViewSet, basename="tier")
router.register("extraction-methods", reference_api.ExtractionMethodViewSet, basename="extraction-method")
router.register("survey-responses", surveys_api.SurveyResponseViewSet, basename="survey-response")
router.register("sops", sops_api.SopViewSet, basename="sop")
router.register("laboratories", sops_api.LaboratoryViewSet, basename="laboratory")
