"""The shapes of the API's answers (README, "REST API").

Field names follow the book "Django by Example" so that its clients work unchanged.
"""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from wagtail.rich_text import expand_db_html

from classroom.models import Enrollment
from classroom.progress import Progress


class ModuleSerializer(serializers.Serializer):
    """A module as a course lists it: its place, title and description.

    `id` is ours, not the book's: it names the module for `.../modules/<id>/done/`.
    """

    id = serializers.IntegerField()
    order = serializers.SerializerMethodField()
    title = serializers.CharField()
    description = serializers.CharField()

    def get_order(self, module) -> int:
        return module.api_order


class ContentSerializer(serializers.Serializer):
    """One block of a module's body, rendered as the site renders it."""

    order = serializers.IntegerField()
    item = serializers.CharField(help_text="The block rendered to HTML")
    type = serializers.CharField(help_text="Block type: text, image, file or video")
    value = serializers.JSONField(help_text="The block's own data")


class ModuleWithContentsSerializer(ModuleSerializer):
    contents = serializers.SerializerMethodField()

    @extend_schema_field(ContentSerializer(many=True))
    def get_contents(self, module):
        request = self.context.get("request")
        render_context = {
            # Block templates get Django's request, as on the site (not DRF's).
            "request": getattr(request, "_request", request),
            "page": module,
            "self": module,
            "course": self.context.get("course"),
        }
        return [
            {
                "order": order,
                "item": str(block.render(render_context)),
                "type": block.block_type,
                "value": block.block.get_api_representation(
                    block.value, context=render_context
                ),
            }
            for order, block in enumerate(module.body)
        ]


class EnrollmentRulesSerializer(serializers.Serializer):
    """How students get into the course (classroom.enrollment)."""

    mode = serializers.ChoiceField(
        choices=["open", "key", "invitation", "approval"],
        help_text="open, key (type a key), invitation (only), approval (by staff)",
    )
    opens = serializers.DateTimeField(allow_null=True)
    closes = serializers.DateTimeField(allow_null=True)
    capacity = serializers.IntegerField(
        allow_null=True, help_text="Seats; null for no limit"
    )
    seats_left = serializers.IntegerField(
        allow_null=True, help_text="Free seats; null for no limit"
    )
    waitlist = serializers.BooleanField(help_text="Whether a full course has one")


class CourseSerializer(serializers.Serializer):
    """A published course with its modules in page-tree order."""

    id = serializers.IntegerField()
    subject = serializers.IntegerField(source="subject_id", allow_null=True)
    title = serializers.CharField()
    slug = serializers.SlugField()
    overview = serializers.SerializerMethodField()
    created = serializers.DateTimeField()
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    modules = serializers.SerializerMethodField()

    module_serializer_class = ModuleSerializer

    def get_overview(self, course) -> str:
        # Stored rich text links pages by id; expand them as the site does.
        return expand_db_html(course.overview)

    @extend_schema_field(ModuleSerializer(many=True))
    def get_modules(self, course):
        modules = course.api_modules
        for order, module in enumerate(modules):
            module.api_order = order
        return self.module_serializer_class(
            modules, many=True, context={**self.context, "course": course}
        ).data


class CourseDetailSerializer(CourseSerializer):
    """One course as listed, with how to enroll in it (the lists keep the book's
    fields)."""

    enrollment = serializers.SerializerMethodField()

    @extend_schema_field(EnrollmentRulesSerializer)
    def get_enrollment(self, course):
        summary = course.enrollment_summary
        return EnrollmentRulesSerializer(
            {name: summary[name] for name in EnrollmentRulesSerializer._declared_fields}
        ).data


class CourseWithContentsSerializer(CourseSerializer):
    """A course whose modules carry their contents."""

    module_serializer_class = ModuleWithContentsSerializer

    @extend_schema_field(ModuleWithContentsSerializer(many=True))
    def get_modules(self, course):
        return super().get_modules(course)


class SubjectSerializer(serializers.Serializer):
    """A subject, how many courses it has and its three most followed."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.SlugField()
    total_courses = serializers.IntegerField()
    popular_courses = serializers.SerializerMethodField()

    def get_popular_courses(self, subject) -> list[str]:
        return [
            f"{course.title} ({course.students} students)"
            for course in subject.popular_courses
        ]


class EnrolledSerializer(serializers.Serializer):
    enrolled = serializers.BooleanField()


class ProgressSerializer(serializers.Serializer):
    """A classroom.progress.Progress: modules done out of published modules."""

    done = serializers.IntegerField(help_text="Modules marked done")
    total = serializers.IntegerField(help_text="Published modules")
    percent = serializers.IntegerField(help_text="done / total, 0 to 100")


class EnrolledCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.SlugField()


class EnrollmentSerializer(serializers.ModelSerializer):
    """One of the caller's courses and how far they have got."""

    course = serializers.SerializerMethodField()
    enrolled = serializers.DateTimeField(source="created")
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Enrollment
        fields = ["course", "enrolled", "progress"]

    @extend_schema_field(EnrolledCourseSerializer)
    def get_course(self, enrollment):
        return EnrolledCourseSerializer(enrollment.course).data

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, enrollment):
        return ProgressSerializer(enrollment.progress).data


class ModuleDoneSerializer(serializers.Serializer):
    done = serializers.BooleanField()
    progress = ProgressSerializer()


class TokenRequestSerializer(serializers.Serializer):
    """Username and password in, the user out (a 400 with a message otherwise)."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, style={"input_type": "password"}, trim_whitespace=False
    )

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                "Unable to log in with the username and password given.",
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class EnrollRequestSerializer(serializers.Serializer):
    """What POST .../enroll/ may carry: the course's key, when it asks for one."""

    key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        trim_whitespace=True,
        help_text="The enrollment key (courses in key mode)",
    )


class EnrollPendingSerializer(serializers.Serializer):
    """Not enrolled yet: on the waitlist (with the place, 1 is next) or a request
    waiting for the course's staff."""

    enrolled = serializers.BooleanField()
    waitlisted = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False, min_value=1)
    requested = serializers.BooleanField(required=False)


class LeftSerializer(serializers.Serializer):
    enrolled = serializers.BooleanField()


class RosterStudentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="student_id")
    username = serializers.CharField(source="student.username")
    email = serializers.EmailField(source="student.email", allow_blank=True)


class RosterEntrySerializer(serializers.ModelSerializer):
    """A student of the course and how far they have got."""

    student = serializers.SerializerMethodField()
    enrolled = serializers.DateTimeField(source="created")
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Enrollment
        fields = ["student", "enrolled", "progress"]

    @extend_schema_field(RosterStudentSerializer)
    def get_student(self, enrollment):
        return RosterStudentSerializer(enrollment).data

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, enrollment):
        return ProgressSerializer(
            Progress(done=enrollment.done_modules, total=enrollment.published_modules)
        ).data
