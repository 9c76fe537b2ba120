from django.urls import path, re_path

import core.ids  # noqa: F401  (registers <id:...>)
from surveys import views

urlpatterns = [
    path("survey/", views.survey_home, name="survey-home"),
    path("survey/dashboard/", views.dashboard, name="survey-dashboard"),
    re_path(r"^survey/export\.(?P<file_format>csv|xlsx)$", views.export, name="survey-export"),
    path("survey/responses/<id:pk>/", views.response_detail, name="survey-response"),
    path("survey/responses/<id:pk>/submit/", views.submit, name="survey-submit"),
    path("survey/responses/<id:pk>/review/", views.review, name="survey-review"),
    path("survey/responses/<id:pk>/<str:code>/", views.section, name="survey-section"),
    path("survey/legal-texts/<id:pk>/", views.legal_text, name="survey-legal-text"),
]
