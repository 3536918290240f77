"""What students hand in and what they get for it.

A quiz's questions live in a module's body (learning.blocks.QuizBlock); each attempt
keeps a *snapshot* of the questions it served, with their answers, so that editing
or deleting a question later never changes a stored score. Re-grading against the
questions as they are now is an explicit, recorded action of the course's staff.
Grades the staff change by hand are overrides: the computed grade is kept beside
them, and each change is a row of its own.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class QuizAttempt(models.Model):
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    module = models.ForeignKey(
        "learning.ModulePage", on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    # The quiz block's id in the module's body (StreamField ids survive revisions).
    block_id = models.CharField(max_length=64)
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    # The questions served (after shuffling and drawing), with their answers:
    # never sent to a browser. See assessment.grading.
    snapshot = models.JSONField()
    answers = models.JSONField(default=dict, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    passed = models.BooleanField(null=True)
    # Per question: points given, out of what, and whether it was right.
    results = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["student_id", "module_id", "block_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "module", "block_id", "number"],
                name="assessment_attempt_number",
            ),
            # One attempt in progress per student and quiz, however many tabs.
            models.UniqueConstraint(
                fields=["student", "module", "block_id"],
                condition=Q(submitted_at__isnull=True),
                name="assessment_one_open_attempt",
            ),
        ]
        indexes = [models.Index(fields=["course", "block_id"])]

    def __str__(self):
        return f"Attempt {self.number} by {self.student_id} at {self.block_id}"

    @property
    def percent(self):
        if self.score is None or not self.max_score:
            return None
        return self.score * 100 / self.max_score


class Regrade(models.Model):
    """A re-grade of a quiz's attempts against its questions as they are now."""

    module = models.ForeignKey(
        "learning.ModulePage", on_delete=models.CASCADE, related_name="regrades"
    )
    block_id = models.CharField(max_length=64)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True
    )
    at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"Re-grade of {self.block_id} at {self.at}"


class Submission(models.Model):
    """One hand-in of an assignment; handing in again adds another."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    module = models.ForeignKey(
        "learning.ModulePage", on_delete=models.CASCADE, related_name="submissions"
    )
    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="submissions"
    )
    block_id = models.CharField(max_length=64)
    text = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["student_id", "module_id", "block_id", "submitted_at"]
        indexes = [models.Index(fields=["course", "block_id"])]

    def __str__(self):
        return (
            f"{self.student} at {self.module_id}/{self.block_id}, {self.submitted_at}"
        )


def submission_path(instance, filename):
    # Outside the folders MEDIA_URL serves (learning.files): only the door for
    # submissions (assessment) hands these out.
    submission = instance.submission
    return f"submissions/{submission.course_id}/{submission.pk}/{filename}"


class SubmissionFile(models.Model):
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(upload_to=submission_path, max_length=500)
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)

    def __str__(self):
        return self.name


class AssignmentGrade(models.Model):
    """The staff's grade of a student's work on an assignment (its latest hand-in)."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    module = models.ForeignKey(
        "learning.ModulePage", on_delete=models.CASCADE, related_name="+"
    )
    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="+"
    )
    block_id = models.CharField(max_length=64)
    submission = models.ForeignKey(
        Submission, on_delete=models.SET_NULL, null=True, related_name="grades"
    )
    points = models.DecimalField(max_digits=9, decimal_places=2)
    feedback = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    graded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "module", "block_id"],
                name="assessment_one_assignment_grade",
            )
        ]

    def __str__(self):
        return f"{self.points} for {self.student_id} at {self.block_id}"


class GradeOverride(models.Model):
    """A grade set by hand, with why; the latest for an item counts."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    module = models.ForeignKey(
        "learning.ModulePage", on_delete=models.CASCADE, related_name="+"
    )
    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="+"
    )
    block_id = models.CharField(max_length=64)
    points = models.DecimalField(max_digits=9, decimal_places=2)
    # The grade as computed when it was overridden (None: there was none).
    original = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    reason = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.points} for {self.student_id} at {self.block_id} (override)"
