from django.contrib import admin
from django.urls import include, path

from insop_portal.api import router
from reference import views as reference_views

admin.site.site_header = "INSOP portal: curators"
admin.site.site_title = "INSOP curators"

urlpatterns = [
    path("", reference_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("i18n/", include("django.conf.urls.i18n")),
]
