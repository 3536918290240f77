"""Security headers: Content-Security-Policy by path, and Permissions-Policy.

Our own pages get CONTENT_SECURITY_POLICY (no inline script or style at all). The
Wagtail admin (inline styles and scripts, preview iframes) and Swagger UI (an
inline start-up script) cannot live with it, so the paths in
CONTENT_SECURITY_POLICY_BY_PATH replace some directives, there only. A view's own
`csp_replace`/`csp_update` (django-csp decorators) still applies on top.
"""

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.utils.functional import cached_property

# What a response or its view sets to have a policy of its own (django-csp's
# decorators) or none at all. django-csp has no public way to ask this, nor whether
# a nonce was used (`request._csp_nonce`); tests/test_security_headers.py fails if
# these names change (a decorated view or a nonce would get the shared header).
OWN_POLICY_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)
CSP_SETTINGS = {
    "CONTENT_SECURITY_POLICY",
    "CONTENT_SECURITY_POLICY_REPORT_ONLY",
    "CONTENT_SECURITY_POLICY_BY_PATH",
    "DEBUG",
}


class PathCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with directives replaced for some path prefixes.

    django-csp builds the header from the settings again for every response. A
    response with no policy of its own and no nonce gets the header of its path's
    kind (which of CONTENT_SECURITY_POLICY_BY_PATH and of the policies'
    EXCLUDE_URL_PREFIXES its path starts with): django-csp builds that once, on an
    empty response, and later responses of the kind get a copy.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self.headers_by_kind = {}
        setting_changed.connect(self.forget_headers, weak=True)

    def forget_headers(self, setting, **kwargs):
        if setting in CSP_SETTINGS:
            self.headers_by_kind = {}

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in OWN_POLICY_ATTRIBUTES)
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        kind = self.kind_of(request.path_info)
        headers = self.headers_by_kind.get(kind)
        if headers is None:
            empty = super().process_response(request, HttpResponse())
            headers = {
                name: empty[name]
                for name in (HEADER, HEADER_REPORT_ONLY)
                if empty.has_header(name)
            }
            self.headers_by_kind[kind] = headers
        else:
            # As django-csp does: a nonce asked for from now on could not be in
            # the header any more, so asking fails.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    @staticmethod
    def kind_of(path):
        def excluded(policy):
            prefixes = (policy or {}).get("EXCLUDE_URL_PREFIXES") or ()
            return path.startswith(tuple(prefixes))

        by_path = next(
            (p for p in settings.CONTENT_SECURITY_POLICY_BY_PATH if path.startswith(p)),
            None,
        )
        return (
            by_path,
            excluded(getattr(settings, "CONTENT_SECURITY_POLICY", None)),
            excluded(getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)),
        )

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        for prefix, directives in settings.CONTENT_SECURITY_POLICY_BY_PATH.items():
            if request.path_info.startswith(prefix):
                parts.replace = {**directives, **(parts.replace or {})}
                break
        return parts


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` from settings.PERMISSIONS_POLICY ({feature: [origins]});
    Django has no setting for it. "self" stays bare, other origins are quoted."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def header(self):
        def allowlist(origins):
            quoted = [o if o in ("self", "*") else f'"{o}"' for o in origins]
            return "(" + " ".join(quoted) + ")"

        return ", ".join(
            f"{feature}={allowlist(origins)}"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
