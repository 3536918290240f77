"""DRF views under /api/: the catalogue, enrollment, contents, progress and tokens.

Permissions are set on each view: the project default stays AllowAny so that Wagtail's
API v2 remains public (DRF's defaults would apply to its views too).

The public catalogue and course contents answer from Django's cache (Redis in
production). What is cached is the answer as DRF rendered it, per media type, and
only for 200 answers (a hit still gets DRF's headers); throttling, authentication
and permissions run on every request, hits included. Every key holds the tokens of
what the answer shows (sitecache.tags: published pages, and for the subjects their
enrollments too, since they count students): an entry is never stale, only
unreachable, so each process also keeps copies of the entries it read.
"""

from types import SimpleNamespace

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    OpenApiTypes,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, routers, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from classroom import enrollment
from classroom.access import is_course_staff
from classroom.api import queries
from classroom.api.pagination import StandardPagination
from classroom.api.permissions import CanViewContents
from classroom.api.serializers import (
    CourseDetailSerializer,
    CourseSerializer,
    CourseWithContentsSerializer,
    EnrolledSerializer,
    EnrollmentSerializer,
    EnrollPendingSerializer,
    EnrollRequestSerializer,
    LeftSerializer,
    ModuleDoneSerializer,
    ProgressSerializer,
    RosterEntrySerializer,
    SubjectSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from classroom.api.throttling import AnonWindowThrottle
from classroom.limits import LoginLockedOut, is_locked_out
from classroom.models import Enrollment, ModuleCompletion
from classroom.progress import (
    progress_of,
    why_not_done_by_hand,
    with_enrollment_progress,
)
from learning.api import nul_parameter
from learning.models import ModulePage
from sitecache import tags

ERROR = inline_serializer("Error", fields={"detail": serializers.CharField()})
NOT_FOUND = OpenApiResponse(ERROR, description="No such published course")
UNAUTHORIZED = OpenApiResponse(
    ERROR, description="No credentials (the answer carries a Basic challenge)"
)
FORBIDDEN = OpenApiResponse(ERROR, description="Refused (or a session without CSRF)")
NO_SUCH_PAGE = OpenApiResponse(ERROR, description="No such page of the list")
BAD_PARAMETER = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="A query parameter that cannot be read: {name: [message]}",
)
# Ids beyond 64 bits would overflow the database driver: such paths are unknown.
ID_PATTERN = r"[0-9]{1,18}"


class IsCourseStaff(BasePermission):
    """The course's staff: owner, team, superusers (classroom.access decides)."""

    message = "Only the course's staff see its students."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        return is_course_staff(request.user, obj)


class ChecksQueryParameters:
    """Refuse query parameters holding NUL before any query (400, {name: [message]}).

    PostgreSQL text cannot hold NUL (psycopg raises, a 500) and SQLite cuts the
    value there; no course, subject or slug holds one, so nothing is lost.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        name = nul_parameter(request.query_params)
        if name is not None:
            raise exceptions.ValidationError(
                {name: ["Null characters are not allowed."]}, code="null_characters"
            )


class APIRootView(ChecksQueryParameters, routers.APIRootView):
    """The API's entry point: the address of each list (book clients start here)."""

    schema = AutoSchema()  # DRF leaves the root out of schemas; we describe it
    throttle_classes = [AnonWindowThrottle]

    @extend_schema(
        summary="The address of each list",
        responses=inline_serializer(
            "APIRoot",
            fields={
                "subjects": serializers.URLField(),
                "courses": serializers.URLField(),
                "me/courses": serializers.URLField(),
            },
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def render_now(view, response):
    """Render a view's Response as DRF will (same renderer, media type, context) and
    give what `rendered_answer` needs to answer again without rendering."""
    request = view.request
    response.accepted_renderer = request.accepted_renderer
    response.accepted_media_type = request.accepted_media_type
    response.renderer_context = view.get_renderer_context()
    response.render()
    return {"content_type": response["Content-Type"], "content": response.content}


def rendered_answer(stored):
    """A stored rendering: DRF still adds its headers (Allow, Vary: Accept)."""
    return HttpResponse(stored["content"], content_type=stored["content_type"])


class PublicCatalogueViewSet(ChecksQueryParameters, viewsets.ReadOnlyModelViewSet):
    """Readable by anyone (anonymous callers throttled), paginated, numeric ids.

    Answers are the same whoever asks, so they are cached under what they show, view and
    action, scheme, host and path (pagination links are absolute URLs) and
    query parameters. Pagination links repeat every query parameter, so a request
    with one the lists do not read, or a browsable API page (which also draws the
    paginator's page controls), is answered without the cache.
    """

    pagination_class = StandardPagination
    permission_classes = [AllowAny]
    throttle_classes = [AnonWindowThrottle]
    lookup_value_regex = ID_PATTERN
    cached_params = {"format", "page", "page_size", "search", "subject"}
    # What the answers show: every published page (lists, details); a list of
    # subjects with their most followed courses shows enrollments too.
    cache_tags = ("pages", "privacy", "owners", "files")

    def list(self, request, *args, **kwargs):
        return self.cached(super().list, request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self.cached(super().retrieve, request, *args, **kwargs)

    def cached(self, answer, request, *args, **kwargs):
        key = self.answer_cache_key(request)
        stored = None if key is None else tags.shared_get(key)
        if stored is not None:
            return rendered_answer(stored)
        response = answer(request, *args, **kwargs)
        if key is not None and response.status_code == status.HTTP_200_OK:
            tags.shared_set(key, render_now(self, response))
        return response

    def answer_cache_key(self, request):
        params = request.query_params
        if request.accepted_renderer.format != "json" or not (
            params.keys() <= self.cached_params
        ):
            return None
        # Read before the database: a change committed meanwhile retires the key.
        return tags.key(
            f"api-rendered:{self.basename}:{self.action}",
            [
                f"{request.scheme}://{request.get_host()}{request.path}",
                sorted(params.lists()),
                request.accepted_media_type,
            ],
            self.cache_tags,
        )


@extend_schema_view(
    list=extend_schema(
        summary="Published subjects with their course counts",
        responses={
            200: SubjectSerializer(many=True),
            400: BAD_PARAMETER,
            404: NO_SUCH_PAGE,
        },
    ),
    retrieve=extend_schema(
        summary="One subject", responses={200: SubjectSerializer, 404: NOT_FOUND}
    ),
)
class SubjectViewSet(PublicCatalogueViewSet):
    """Subjects of the catalogue, each with its three most followed courses."""

    serializer_class = SubjectSerializer
    cache_tags = (*PublicCatalogueViewSet.cache_tags, "enrollments")

    def get_queryset(self):
        return queries.subjects_with_counts()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else queries.attach_popular_courses(page)

    def get_object(self):
        return queries.attach_popular_courses([super().get_object()])[0]


@extend_schema_view(
    list=extend_schema(
        summary="Published courses, newest first",
        responses={
            200: CourseSerializer(many=True),
            400: BAD_PARAMETER,
            404: NO_SUCH_PAGE,
        },
        parameters=[
            OpenApiParameter(
                "subject", OpenApiTypes.STR, description="A subject's id or slug"
            ),
            OpenApiParameter(
                "search", OpenApiTypes.STR, description="Words to look for"
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One published course, with how to enroll in it",
        responses={200: CourseDetailSerializer, 404: NOT_FOUND},
    ),
)
class CourseViewSet(PublicCatalogueViewSet):
    """Published courses, their modules, and what a caller can do with them."""

    serializer_class = CourseSerializer

    def get_queryset(self):
        courses = queries.published_courses()
        if self.action != "list":
            return courses
        subject = self.request.query_params.get("subject", "").strip()
        if subject:
            courses = queries.courses_of_subject(courses, subject)
        term = self.request.query_params.get("search", "").strip()
        if term:
            # Module text counts only for courses this caller may read.
            courses = queries.search_courses(courses, term, user=self.request.user)
        return courses

    def answer_cache_key(self, request):
        if "search" in request.query_params and request.user.is_authenticated:
            return None  # what matches depends on what this caller may read
        if self.action == "retrieve":
            # One course's answer shows its enrollment rules and seats left too.
            self.cache_tags = (
                *PublicCatalogueViewSet.cache_tags,
                enrollment.seats_tag(int(self.kwargs["pk"])),
                "enrollments",
            )
        return super().answer_cache_key(request)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CourseDetailSerializer
        return super().get_serializer_class()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else queries.attach_modules(page)

    def get_object(self):
        course = super().get_object()
        queries.attach_modules([course], with_body=self.action == "contents")
        if self.action == "retrieve":
            enrollment.attach_summaries([course])
        return course

    def permission_denied(self, request, message=None, code=None):
        # Reading contents is refused with 403 whoever asks (README); writes
        # without credentials keep DRF's 401 with the Basic challenge.
        if request.method in ("GET", "HEAD", "OPTIONS"):
            raise exceptions.PermissionDenied(detail=message, code=code)
        super().permission_denied(request, message=message, code=code)

    @extend_schema(
        summary="Enroll the caller in this course (idempotent)",
        description="The course's mode, window, key and capacity decide: enrolled "
        "(200), on the waitlist or a request waiting for the staff (202), or "
        "refused with the reason (403). Wrong keys are limited per student and "
        "course: past the limit even the right key answers 429 for a while.",
        request=EnrollRequestSerializer,
        responses={
            200: EnrolledSerializer,
            202: EnrollPendingSerializer,
            400: BAD_PARAMETER,
            401: UNAUTHORIZED,
            403: OpenApiResponse(
                ERROR,
                description="Refused: wrong key, not open yet or closed, by "
                "invitation only, full without a waitlist (or a session without "
                "CSRF)",
            ),
            404: NOT_FOUND,
            429: OpenApiResponse(
                ERROR,
                description="Too many wrong keys: when to try again (also in "
                "Retry-After)",
            ),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def enroll(self, request, pk=None):
        course = self.get_object()
        body = EnrollRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = enrollment.enroll(
            request.user, course, key=body.validated_data.get("key") or None
        )
        if outcome.enrolled:
            return Response({"enrolled": True})
        if outcome.status == enrollment.WAITLISTED:
            return Response(
                {"enrolled": False, "waitlisted": True, "position": outcome.position},
                status=status.HTTP_202_ACCEPTED,
            )
        if outcome.status == enrollment.REQUESTED:
            return Response(
                {"enrolled": False, "requested": True},
                status=status.HTTP_202_ACCEPTED,
            )
        if outcome.code == "throttled":
            return Response(
                {"detail": outcome.reason},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(outcome.retry_after)},
            )
        return Response({"detail": outcome.reason}, status=status.HTTP_403_FORBIDDEN)

    @extend_schema(
        summary="Leave this course, its waitlist or a request (idempotent)",
        description="A freed seat goes to the first on the waitlist.",
        request=None,
        responses={
            200: LeftSerializer,
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def leave(self, request, pk=None):
        course = self.get_object()
        enrollment.leave(request.user, course)
        return Response({"enrolled": False})

    @extend_schema(
        summary="The course's students with their progress (the course's staff)",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="From 1"),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description="From 1 to 100"
            ),
        ],
        responses={
            200: inline_serializer(
                "PaginatedRosterList",
                fields={
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": RosterEntrySerializer(many=True),
                },
            ),
            400: BAD_PARAMETER,
            403: FORBIDDEN,
            404: OpenApiResponse(
                ERROR, description="No such published course, or page of the list"
            ),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=RosterEntrySerializer,
        permission_classes=[IsCourseStaff],
    )
    def students(self, request, pk=None):
        course = self.get_object()
        roster = with_enrollment_progress(
            Enrollment.objects.filter(course=course).select_related("student")
        ).order_by("student__username", "pk")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(roster, request, view=self)
        return paginator.get_paginated_response(
            RosterEntrySerializer(page, many=True).data
        )

    @extend_schema(
        summary="The course with each module's contents",
        responses={
            200: CourseWithContentsSerializer,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=CourseWithContentsSerializer,
        permission_classes=[CanViewContents],
    )
    def contents(self, request, pk=None):
        # Cached per course, under what it shows: the same for all who may see it
        # (block HTML uses relative URLs, nothing per user). An entry exists only
        # for a course published and public when it was made (unpublishing or
        # making it private retires the key); it keeps the owner's id so that a
        # hit still asks the access rule, at the cost of the rule's own query.
        # (No docstring: the schema would show it.)
        key = tags.key(
            "api-rendered:course-contents",
            [int(pk), request.accepted_media_type],
            [f"page:{int(pk)}", f"below:{int(pk)}", "privacy", "files"],
        )
        cached = tags.shared_get(key)
        if cached is None:
            course = self.get_object()  # 404 or 403 before anything is cached
            response = Response(self.get_serializer(course).data)
            cached = {"owner_id": course.owner_id, **render_now(self, response)}
            tags.shared_set(key, cached)
            return response
        # What the access rule reads of a course; an entry exists only for a course
        # that was live (get_object() finds only those; unpublishing retires the
        # key), so it still is.
        course = SimpleNamespace(pk=int(pk), owner_id=cached["owner_id"], live=True)
        self.check_object_permissions(request, course)
        return rendered_answer(cached)

    @extend_schema(
        summary="Mark a module of the course done",
        request=None,
        parameters=[
            OpenApiParameter(
                "module_pk", OpenApiTypes.INT, OpenApiParameter.PATH, pattern=ID_PATTERN
            )
        ],
        responses={
            200: ModuleDoneSerializer,
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: OpenApiResponse(
                ERROR, description="Its quiz completes it: pass the quiz"
            ),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"modules/(?P<module_pk>{ID_PATTERN})/done",
        url_name="module-done",
        permission_classes=[IsAuthenticated, CanViewContents],
    )
    def module_done(self, request, pk=None, module_pk=None):
        course = self.get_object()
        module = get_object_or_404(
            ModulePage.objects.live().child_of(course), pk=module_pk
        )
        refusal = why_not_done_by_hand(module)
        if refusal:
            return Response({"detail": refusal}, status=status.HTTP_409_CONFLICT)
        ModuleCompletion.objects.get_or_create(
            student=request.user, module=module, defaults={"course": course}
        )
        progress = progress_of(request.user, course)
        return Response({"done": True, "progress": ProgressSerializer(progress).data})


@extend_schema_view(
    list=extend_schema(
        summary="The caller's courses with progress",
        responses={
            200: EnrollmentSerializer(many=True),
            400: BAD_PARAMETER,
            401: UNAUTHORIZED,
            404: NO_SUCH_PAGE,
        },
    )
)
class MyCourseViewSet(
    ChecksQueryParameters, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """The courses the caller is enrolled in, with modules done out of published."""

    serializer_class = EnrollmentSerializer
    pagination_class = StandardPagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return queries.enrollments_of(self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return (
            None if page is None else queries.attach_progress(page, self.request.user)
        )


class ObtainTokenView(APIView):
    """Trade a username and password for a token (`Authorization: Token <key>`).

    Basic auth hashes the password on every request; clients that call often should
    use a token instead.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonWindowThrottle]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        summary="Get the caller's API token",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad credentials"),
            429: OpenApiResponse(
                ERROR,
                description="Too many failed logins for this username or address: "
                "when to try again (also in Retry-After)",
            ),
        },
    )
    def post(self, request):
        serializer = TokenRequestSerializer(
            data=request.data, context={"request": request}
        )
        if not serializer.is_valid():
            # The serializer's authenticate() was refused by the login lockout.
            if is_locked_out(request):
                raise LoginLockedOut(request)
            raise exceptions.ValidationError(serializer.errors)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key}, status=status.HTTP_200_OK)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Unknown addresses under /api/ answer JSON too, like every other API error."""
    raise exceptions.NotFound()
