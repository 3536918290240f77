"""Wagtail API v2 (`/api/v2/`): pages, images, documents and media.

Only published, public pages appear (Wagtail's own page queryset), and no module of a
course that is not live; `?search=` finds subjects and courses, never modules. A
module's `body`
is given only to callers who may see its course's contents; everybody else gets
`"body": null`, as in the DRF API. Video and audio files are linked through the
protected view, never through MEDIA_URL. Query parameters the database cannot take
(NUL characters, offsets past 64 bits, unknown search operators, blank searches,
`find/?id=` not a number) answer 400 with `{"message": ...}`, as Wagtail answers its
other bad parameters.
"""

from django.http import Http404
from wagtail.api.v2 import serializers as wagtail_serializers
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError, get_full_url
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.fields import StreamField
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtailmedia.api.serializers import MediaDownloadUrlField, MediaItemSerializer
from wagtailmedia.api.views import MediaAPIViewSet

from learning.access import can_view_contents
from learning.blocks import protected_media_url
from learning.models import CoursePage, ModulePage, parent_is_live, parent_path_of

NUL = "\x00"
SEARCH_OPERATORS = {"and", "or"}  # what Wagtail's search backends accept
# Wagtail adds the limit (at most WAGTAILAPI_LIMIT_MAX, 20) to the offset: keep the
# sum within a 64-bit database integer.
MAX_OFFSET = 10**18
MAX_ID_DIGITS = 18  # longer ids overflow a 64-bit database integer


def nul_parameter(query_params):
    """The first query parameter whose name or value holds a NUL, or None.

    PostgreSQL text cannot hold NUL (psycopg raises) and SQLite truncates at it, so
    such a value can never match anything: it is refused before any query.
    """
    for name, values in query_params.lists():
        if NUL in name or any(NUL in value for value in values):
            return name.replace(NUL, "\\x00")
    return None


def is_id(value):
    return value.isascii() and value.isdigit()


def check_query_parameters(query_params, action):
    """Raise BadRequestError (Wagtail's 400) for parameters Wagtail would pass on to
    the database or search backend unchecked, each a 500 otherwise."""
    name = nul_parameter(query_params)
    if name is not None:
        raise BadRequestError(f"{name}: null characters are not allowed")
    search = query_params.get("search")
    if search and not search.strip():
        # A search backend turns blank terms into no condition at all and fails.
        raise BadRequestError("search needs at least one word")
    operator = query_params.get("search_operator")
    if operator is not None and operator.lower() not in SEARCH_OPERATORS:
        raise BadRequestError("search_operator must be 'and' or 'or'")
    offset = query_params.get("offset", "")
    # Compared as text first: int() refuses strings of thousands of digits.
    if is_id(offset) and (
        len(offset.lstrip("0")) > len(str(MAX_OFFSET)) or int(offset) > MAX_OFFSET
    ):
        raise BadRequestError(f"offset cannot be higher than {MAX_OFFSET}")
    find_id = query_params.get("id")
    if action == "find_view" and find_id is not None:
        if not is_id(find_id):
            raise BadRequestError("id must be a whole number")
        if len(find_id) > MAX_ID_DIGITS:  # past 64 bits: no such object
            raise Http404("not found")


class CheckedParametersMixin:
    """Check query parameters on every action (listing, detail, find) of a viewset."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_query_parameters(request.query_params, self.action)


def without_modules_of_unpublished_courses(pages):
    """`pages` less the modules whose course is not live.

    Unpublishing a course leaves its modules live; Wagtail's live() looks at each page
    alone, so a module is hidden here when its parent course is not live (the same
    test as `ModulePage.objects.live_for_students()`, over modules only).
    """
    hidden = ModulePage.objects.exclude(parent_is_live()).values("pk")
    # As `pk__in` (a subquery, no extra query): Wagtail's search backends, which
    # `?search=` runs on this queryset, accept that filter but not Exists itself.
    return pages.exclude(pk__in=hidden)


def may_see_body(request, module):
    """May the caller of `request` see this module's body? Cached per request."""
    course_path = parent_path_of(module.path)
    decided = request.__dict__.setdefault("_educa_course_access", {})
    if course_path not in decided:
        course = CoursePage.objects.filter(path=course_path).first()
        decided[course_path] = course is not None and can_view_contents(
            request.user, course
        )
    return decided[course_path]


class ProtectedStreamField(wagtail_serializers.StreamField):
    """A module's body, or null for callers the access rule keeps out."""

    def get_attribute(self, instance):
        request = self.context["request"]
        if isinstance(instance, ModulePage) and not may_see_body(request, instance):
            return None
        return super().get_attribute(instance)


class PageSerializer(wagtail_serializers.PageSerializer):
    serializer_field_mapping = {
        **wagtail_serializers.PageSerializer.serializer_field_mapping,
        StreamField: ProtectedStreamField,
    }


class ProtectedPagesAPIViewSet(CheckedParametersMixin, PagesAPIViewSet):
    """Wagtail's pages endpoint with module bodies behind the access rule."""

    base_serializer_class = PageSerializer

    def get_base_queryset(self):
        # Listings, detail, find and the child_of/descendant_of parents all start here.
        queryset = without_modules_of_unpublished_courses(super().get_base_queryset())
        if "search" in self.request.GET:
            # A search over module bodies would tell an outsider whether a word is
            # in a course it may not read; modules are found through /search/ and
            # /api/courses/?search=, which apply the access rule to what they show.
            queryset = queryset.not_type(ModulePage)
        return queryset


class ProtectedMediaDownloadUrlField(MediaDownloadUrlField):
    """The file's address through the view that applies the access rule."""

    def to_representation(self, media):
        return get_full_url(self.context["request"], protected_media_url(media))


class ProtectedMediaItemSerializer(MediaItemSerializer):
    download_url = ProtectedMediaDownloadUrlField()


class CheckedImagesAPIViewSet(CheckedParametersMixin, ImagesAPIViewSet):
    pass


class CheckedDocumentsAPIViewSet(CheckedParametersMixin, DocumentsAPIViewSet):
    pass


class ProtectedMediaAPIViewSet(CheckedParametersMixin, MediaAPIViewSet):
    """wagtailmedia's endpoint, linking files through the protected view only."""

    base_serializer_class = ProtectedMediaItemSerializer


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", ProtectedPagesAPIViewSet)
api_router.register_endpoint("images", CheckedImagesAPIViewSet)
api_router.register_endpoint("documents", CheckedDocumentsAPIViewSet)
api_router.register_endpoint("media", ProtectedMediaAPIViewSet)

urlpatterns = api_router.get_urlpatterns()
app_name = "wagtailapi"
