from django.urls import path

import core.ids  # noqa: F401  (registers <id:...>)
from thresholds import views
from thresholds.views.analysis import analysis
from thresholds.views.benchmark import benchmark_page, benchmark_template
from thresholds.views.check import check_page, check_template

urlpatterns = [
    path("countries/", views.country_list, name="page-countries"),
    path("countries/<str:iso3>/", views.country_detail, name="page-country"),
    path("pollutants/", views.pollutant_list, name="page-pollutants"),
    path("pollutants/<slug:slug>/", views.pollutant_detail, name="page-pollutant"),
    path("analysis/", analysis, name="page-analysis"),
    path("instruments/<id:pk>/", views.instrument_detail, name="page-instrument"),
    path("search/", views.search, name="search"),
    path("check/", check_page, name="page-check"),
    path("check/template.xlsx", check_template, {"extension": "xlsx"}, name="page-check-template-xlsx"),
    path("check/template.csv", check_template, {"extension": "csv"}, name="page-check-template-csv"),
    path("benchmark/", benchmark_page, name="page-benchmark"),
    path("benchmark/template.xlsx", benchmark_template, {"extension": "xlsx"}, name="page-benchmark-template-xlsx"),
    path("benchmark/template.csv", benchmark_template, {"extension": "csv"}, name="page-benchmark-template-csv"),
]
