"""Wagtail API v2 (`/api/v2/`): pages, images, documents and media.

Only published, public pages appear (Wagtail's own page queryset); `?search=` finds
subjects and courses, never modules. A module's `body`
is given only to callers who may see its course's contents; everybody else gets
`"body": null`, as in the DRF API. Video and audio files are linked through the
protected view, never through MEDIA_URL.
"""

from wagtail.api.v2 import serializers as wagtail_serializers
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import get_full_url
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.fields import StreamField
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import Page
from wagtailmedia.api.serializers import MediaDownloadUrlField, MediaItemSerializer
from wagtailmedia.api.views import MediaAPIViewSet

from learning.access import can_view_contents
from learning.blocks import protected_media_url
from learning.models import CoursePage, ModulePage


def may_see_body(request, module):
    """May the caller of `request` see this module's body? Cached per request."""
    course_path = module.path[: -Page.steplen]
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


class ProtectedPagesAPIViewSet(PagesAPIViewSet):
    """Wagtail's pages endpoint with module bodies behind the access rule."""

    base_serializer_class = PageSerializer

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
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


class ProtectedMediaAPIViewSet(MediaAPIViewSet):
    """wagtailmedia's endpoint, linking files through the protected view only."""

    base_serializer_class = ProtectedMediaItemSerializer


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", ProtectedPagesAPIViewSet)
api_router.register_endpoint("images", ImagesAPIViewSet)
api_router.register_endpoint("documents", DocumentsAPIViewSet)
api_router.register_endpoint("media", ProtectedMediaAPIViewSet)

urlpatterns = api_router.get_urlpatterns()
app_name = "wagtailapi"
