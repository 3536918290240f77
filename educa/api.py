"""The API router: DRF endpoints of `classroom`, Wagtail API v2 of `learning`."""

from django.urls import include, path

api_urlpatterns = [
    path("", include("classroom.api.urls")),
    path("v2/", include("learning.api")),
]
