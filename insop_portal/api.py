"""The API router: /api/v1/. Each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from reference import api as reference_api
from sops import api as sops_api
from surveys import api as surveys_api
from thresholds import api as thresholds_api

router = DefaultRouter()
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
