"""OpenAPI schema hooks (drf-spectacular)."""

from wagtail.api.v2.views import BaseAPIViewSet


def only_drf_endpoints(endpoints):
    """Leave out Wagtail API v2: drf-spectacular cannot describe its views."""
    return [
        (path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if not issubclass(getattr(callback, "cls", object), BaseAPIViewSet)
    ]
