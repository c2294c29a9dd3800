from django.urls import include, path

from lawtrail.api import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("lawtrail.web.urls")),
]
