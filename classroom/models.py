"""Students' enrollments in courses and the modules they have done."""

from django.conf import settings
from django.db import models
from rest_framework.authtoken.models import Token

from classroom.password_adapter import same_password_rehashed


class Enrollment(models.Model):
    """A student taking a course."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="enrollments"
    )
    created = models.DateTimeField(auto_now_add=True)

    # Not content that uses its course: Wagtail's reference index (the admin's
    # "Usage" of a page) would list every enrollment, and write on each one.
    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "course"], name="one_enrollment_per_course"
            )
        ]
        ordering = ["-created"]

    def __str__(self):
        return f"{self.student} in {self.course}"


class ModuleCompletion(models.Model):
    """A module a student has marked done."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="completed_modules",
    )
    module = models.ForeignKey(
        "learning.ModulePage", on_delete=models.CASCADE, related_name="completions"
    )
    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="+"
    )
    completed = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "module"], name="one_completion_per_module"
            )
        ]

    def __str__(self):
        return f"{self.student} finished {self.module}"


class CourseMember(models.Model):
    """A member of a course's team besides its owner (the page's owner).

    Instructors edit the course and its modules, grade and see its students;
    assistants see the students and their progress, grade and moderate the chat,
    and edit nothing. Both see the course's contents (classroom.access)."""

    INSTRUCTOR = "instructor"
    ASSISTANT = "assistant"
    ROLES = [(INSTRUCTOR, "Instructor"), (ASSISTANT, "Assistant")]

    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="team"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_roles"
    )
    role = models.CharField(max_length=20, choices=ROLES)
    added = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user"], name="one_role_per_course"
            )
        ]
        ordering = ["course_id", "role", "user_id"]

    def __str__(self):
        return f"{self.user} ({self.role}) in {self.course}"


class EnrollmentSettings(models.Model):
    """How students get into a course. A course without a row is open to all,
    at any time, without a limit. The row is also the lock that seats are taken
    under (classroom.enrollment): one at a time per course."""

    OPEN = "open"
    KEY = "key"
    INVITATION = "invitation"
    APPROVAL = "approval"
    MODES = [
        (OPEN, "Open: anyone may enroll"),
        (KEY, "With a key: students type the key you give them"),
        (INVITATION, "By invitation only"),
        (APPROVAL, "On approval: requests wait for the course's staff"),
    ]

    course = models.OneToOneField(
        "learning.CoursePage",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="enrollment_settings",
    )
    mode = models.CharField(max_length=20, choices=MODES, default=OPEN)
    # The key, hashed as passwords are (never stored as typed).
    key_hash = models.CharField(max_length=255, blank=True)
    opens = models.DateTimeField(null=True, blank=True)
    closes = models.DateTimeField(null=True, blank=True)
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seats; empty for no limit"
    )
    waitlist = models.BooleanField(
        default=False, help_text="When full, students may join a waitlist"
    )

    class Meta:
        verbose_name = "enrollment settings"
        verbose_name_plural = "enrollment settings"

    def __str__(self):
        return f"Enrollment in {self.course_id}: {self.mode}"


class WaitlistEntry(models.Model):
    """A student waiting for a seat (in arrival order), or, in an approval course,
    a request waiting for the staff."""

    WAITING = "waiting"
    REQUESTED = "requested"
    KINDS = [(WAITING, "On the waitlist"), (REQUESTED, "Asked to enroll")]

    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="waiting"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waiting_for"
    )
    kind = models.CharField(max_length=20, choices=KINDS, default=WAITING)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "student"], name="one_wait_per_course"
            )
        ]
        ordering = ["course_id", "created", "pk"]

    def __str__(self):
        return f"{self.student} {self.kind} for {self.course}"


class Invitation(models.Model):
    """An invitation to enroll, sent by email as a signed, expiring link; used
    once."""

    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    # Whether it gives a seat in a full course.
    beyond_capacity = models.BooleanField(default=False)
    used = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["course", "email"])]

    def __str__(self):
        return f"{self.email} to {self.course}"


def remember_credentials(sender, instance, raw=False, update_fields=None, **kwargs):
    """Before a user is saved: note whether the password or is_active changes."""
    instance._revoke_api_token = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. a login's last_login: no query
    before = (
        sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    )
    if before is None:
        return
    deactivated = before["is_active"] and not instance.is_active
    instance._revoke_api_token = deactivated or (
        before["password"] != instance.password
        and not same_password_rehashed(instance, before["password"])
    )


def revoke_api_token(sender, instance, raw=False, **kwargs):
    """A token obtained with the old password (or by a deactivated account) stops
    working; POST /api/token/ with the new password gives a new one."""
    if getattr(instance, "_revoke_api_token", False):
        Token.objects.filter(user=instance).delete()
        instance._revoke_api_token = False


models.signals.pre_save.connect(
    remember_credentials,
    sender=settings.AUTH_USER_MODEL,
    dispatch_uid="classroom.remember_credentials",
)
models.signals.post_save.connect(
    revoke_api_token,
    sender=settings.AUTH_USER_MODEL,
    dispatch_uid="classroom.revoke_api_token",
)
