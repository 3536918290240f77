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
