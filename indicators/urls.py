from django.urls import path, re_path

from indicators import views

urlpatterns = [
    path("", views.home, name="home"),
    path("kpis/", views.kpi_dashboard, name="kpis"),
    re_path(r"^kpis/(?P<code>[a-z_]+)\.csv$", views.kpi_csv, name="kpi-csv"),
    path("survey/results/", views.survey_results, name="survey-results"),
]
