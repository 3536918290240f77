"""Page-serving middleware: 403 for another's admin edit view; the site from cache."""

from django.core.exceptions import DisallowedHost, PermissionDenied
from wagtail.models import Page

from learning.caching import generation_key, shared_get, shared_set


class PageEditPermissionMiddleware:
    """Refuse `/admin/pages/<id>/edit/` with 403 when the user may not edit the page.

    Wagtail refuses it too, but answers a browser with a redirect to the dashboard;
    another instructor's course should say plainly that it is forbidden. The decision
    is Wagtail's own page permission tester, asked before the view runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name != "wagtailadmin_pages:edit":
            return None
        user = request.user
        if not user.is_authenticated or not user.has_perm("wagtailadmin.access_admin"):
            return None  # Wagtail sends these to its login page
        page = Page.objects.filter(pk=view_kwargs.get("page_id")).first()
        if page is not None and not page.permissions_for_user(user).can_edit():
            raise PermissionDenied("You may not edit this page.")
        return None


class CachedSiteMiddleware:
    """Find the request's Wagtail site (and its root page) in the cache.

    Wagtail looks the site up once per request (a query, then one more for the root
    page it routes from) and keeps it on `request._wagtail_site`, where
    `Site.find_for_request` reads it. A site Wagtail found and routed from is kept
    in the cache under the catalogue generation, which saving or deleting a site or
    any page moves on (learning.caching), so it is never stale; later requests for
    the same host start with it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = cached = None
        if not request.path_info.startswith(("/static/", "/api/")):
            try:
                host = request.get_host()
            except DisallowedHost:
                host = None  # answered 400 by CommonMiddleware
            if host is not None:
                key = generation_key("site", [host, request.get_port()])
                cached = shared_get(key)
                if cached is not None:
                    request._wagtail_site = cached
        response = self.get_response(request)
        site = request.__dict__.get("_wagtail_site")
        if key and site is not None and site is not cached and routed_from(site):
            shared_set(key, site)
        return response


def routed_from(site):
    """Whether the site's root page was loaded as its own type (to route from)."""
    return "specific" in site.root_page.__dict__
