"""Students' enrollments in courses and the modules they have done."""

from django.conf import settings
from django.db import models


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
