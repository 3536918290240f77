"""Security headers: Content-Security-Policy by path, and Permissions-Policy.

Our own pages get CONTENT_SECURITY_POLICY (no inline script or style at all). The
Wagtail admin (inline styles and scripts, preview iframes) and Swagger UI (an
inline start-up script) cannot live with it, so the paths in
CONTENT_SECURITY_POLICY_BY_PATH replace some directives, there only. A view's own
`csp_replace`/`csp_update` (django-csp decorators) still applies on top.
"""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.utils.functional import cached_property


class PathCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with directives replaced for some path prefixes."""

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
