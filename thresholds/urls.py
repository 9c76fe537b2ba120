from django.urls import path

import core.ids  # noqa: F401  (registers <id:...>)
from thresholds import views

urlpatterns = [
    path("countries/", views.country_list, name="page-countries"),
    path("countries/<str:iso3>/", views.country_detail, name="page-country"),
    path("pollutants/", views.pollutant_list, name="page-pollutants"),
    path("pollutants/<slug:slug>/", views.pollutant_detail, name="page-pollutant"),
    path("instruments/<id:pk>/", views.instrument_detail, name="page-instrument"),
    path("search/", views.search, name="search"),
]
