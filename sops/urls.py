from django.urls import path, re_path

from sops import views
from sops.models import VERSION_LABEL_PATTERN

urlpatterns = [
    path("sops/", views.sop_list, name="sop-list"),
    path("sops/<slug:code>/", views.sop_detail, name="sop-detail"),
    re_path(
        rf"^sops/(?P<code>[-\w]+)/versions/(?P<version>{VERSION_LABEL_PATTERN})/download/$",
        views.version_download,
        name="sop-download",
    ),
]
