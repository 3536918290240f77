"""The API router: DRF endpoints of `classroom`, Wagtail API v2 of `learning`.

Also the OpenAPI schema and its Swagger UI (assets served locally by
drf-spectacular-sidecar), and a JSON 404 for any other address under /api/.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from classroom.api.views import not_found

api_urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"
    ),
    path("", include("classroom.api.urls")),
    path("v2/", include("learning.api")),
    # Only addresses ending in "/": without it Django first redirects to the slash.
    # [\s\S], not ".": "." skips newlines (%0A in a path), which then got HTML 404s.
    re_path(r"^[\s\S]*/$", not_found),
]
