"""Page-serving middleware: 403 for another's admin edit view."""

from django.core.exceptions import PermissionDenied
from wagtail.models import Page


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
