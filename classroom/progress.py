"""How far a student has got in a course.

Progress is the share of a course's *published* modules the student has marked done.
Unpublished modules do not count (a student cannot open them) and deleted modules
take their completions with them. Modules are found through the page tree (the live
children of the course), so a module moved to another course counts there.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from wagtail.images import get_image_model

from classroom.models import Enrollment, ModuleCompletion
from learning.models import (
    COURSE_CARD_IMAGE,
    CoursePage,
    ModulePage,
    children_of_outer,
)
from sitecache import tags


@dataclass(frozen=True)
class Progress:
    """Modules done out of published modules in one course."""

    done: int
    total: int

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def completed(self):
        """A course with no published module is never "completed"."""
        return self.total > 0 and self.done >= self.total


def _count(queryset):
    """A correlated subquery counting `queryset`'s rows (0 when there are none)."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(_one=Value(1))
            .values("_one")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def published_modules_of(course_ref_prefix=""):
    """Live modules that are children of the outer course (an OuterRef prefix)."""
    return ModulePage.objects.live().filter(children_of_outer(course_ref_prefix))


def done_modules_of(student_ref, course_ref_prefix=""):
    """Completions by the student of live modules of the outer course."""
    return ModuleCompletion.objects.filter(
        children_of_outer(course_ref_prefix, "module__"),
        student=student_ref,
        module__live=True,
    )


def with_progress(courses, student):
    """Annotate a CoursePage queryset with `published_modules` and `done_modules`.

    One query for any number of courses: both counts are correlated subqueries.
    """
    return courses.annotate(
        published_modules=_count(published_modules_of()),
        done_modules=_count(done_modules_of(student.pk)),
    )


def with_enrollment_progress(enrollments):
    """Annotate an Enrollment queryset with its course's module counts (one query)."""
    return enrollments.annotate(
        published_modules=_count(published_modules_of("course__")),
        done_modules=_count(done_modules_of(OuterRef("student"), "course__")),
    )


def progress_of(student, course):
    """The student's Progress in one course (one query)."""
    row = (
        with_progress(CoursePage.objects.filter(pk=course.pk), student)
        .values("published_modules", "done_modules")
        .first()
    )
    if row is None:
        return Progress(done=0, total=0)
    return Progress(done=row["done_modules"], total=row["published_modules"])


def progress_for_courses(student, courses):
    """{course pk: Progress} for many courses in one query (a bulk progress_of)."""
    pks = [course.pk for course in courses]
    rows = with_progress(CoursePage.objects.filter(pk__in=pks), student).values_list(
        "pk", "done_modules", "published_modules"
    )
    progress = {pk: Progress(done=done, total=total) for pk, done, total in rows}
    return {pk: progress.get(pk, Progress(0, 0)) for pk in pks}


def enrolled_courses(student):
    """The student's live courses, most recently enrolled first, with progress."""
    enrollment = Enrollment.objects.filter(student=student, course=OuterRef("pk"))
    return (
        with_progress(
            CoursePage.objects.live().filter(enrollments__student=student), student
        )
        .annotate(enrolled_on=Subquery(enrollment.values("created")[:1]))
        .order_by("-enrolled_on", "pk")
    )


@dataclass(frozen=True)
class Study:
    """Where a student stands in one course they are enrolled in: what the home
    page and "My courses" show."""

    course: CoursePage
    progress: Progress
    # The first published module not done yet (the first one once all are done);
    # None while the course has no published module.
    next_module: ModulePage | None
    # The latest of the enrollment and the completions of the course's modules.
    last_activity: datetime


def studies_of(student):
    """The student's `Study` of each live course they are enrolled in, the most
    recently active first.

    A fixed number of queries whatever the number of courses: the courses with
    their counts, enrollment date, last completion and next module's pk (correlated
    subqueries), their cover images with the card's rendition, and the next
    modules (without their bodies).
    """
    first_module = published_modules_of().order_by("path").values("pk")[:1]
    not_done = (
        published_modules_of()
        .exclude(
            Exists(
                ModuleCompletion.objects.filter(
                    student=student.pk, module=OuterRef("pk")
                )
            )
        )
        .order_by("path")
        .values("pk")[:1]
    )
    last_done = (
        done_modules_of(student.pk).order_by("-completed").values("completed")[:1]
    )
    images = get_image_model().objects.prefetch_renditions(COURSE_CARD_IMAGE)
    courses = list(
        enrolled_courses(student)
        .annotate(
            last_done=Subquery(last_done),
            next_module_pk=Coalesce(Subquery(not_done), Subquery(first_module)),
        )
        .prefetch_related(Prefetch("image", queryset=images))
    )
    wanted = [course.next_module_pk for course in courses if course.next_module_pk]
    modules = ModulePage.objects.defer("body").in_bulk(wanted)
    studies = [
        Study(
            course=course,
            progress=Progress(done=course.done_modules, total=course.published_modules),
            next_module=modules.get(course.next_module_pk),
            last_activity=max(filter(None, (course.enrolled_on, course.last_done))),
        )
        for course in courses
    ]
    studies.sort(key=lambda study: study.last_activity, reverse=True)
    return studies


def split_studies(studies):
    """{"in_progress": [...], "completed": [...]}: a student's studies, apart."""
    return {
        "in_progress": [each for each in studies if not each.progress.completed],
        "completed": [each for each in studies if each.progress.completed],
    }


def course_status(student, course, module=None):
    """Enrollment and progress of `student` in `course`: no query, when warm.

    Returns a dict with `enrolled`, `progress` and, when `module` is given,
    `module_done`. The published modules come from the course's cached list of them,
    enrollment from `is_enrolled` and the modules done from `done_module_ids`, each
    exact by its own tags (sitecache.tags).
    """
    module_ids = course.module_ids()
    done = done_module_ids(student).intersection(module_ids)
    return {
        "enrolled": is_enrolled(student, course),
        "progress": Progress(done=len(done), total=len(module_ids)),
        "module_done": module is not None and module.pk in done,
    }


def done_module_ids(student):
    """The pks of every module `student` has marked done, in any course.

    Remembered under the student's progress tag, which their completions alone
    replace (`completions_changed`): exact, and one student's progress leaves
    everyone else's entries in use.
    """
    return tags.remember(
        "done-modules",
        [student.pk],
        lambda: frozenset(
            ModuleCompletion.objects.filter(student=student).values_list(
                "module_id", flat=True
            )
        ),
        [tags.user_tag("progress", student.pk)],
    )


def is_enrolled(student, course):
    """Whether `student` is enrolled in `course`, remembered under the student's
    enrollments tag (each enrollment and unenrollment of theirs replaces it)."""
    return tags.remember(
        "enrolled",
        [student.pk, course.pk],
        lambda: Enrollment.objects.filter(
            student=student, course_id=course.pk
        ).exists(),
        [tags.user_tag("enrollments", student.pk)],
    )


def next_module_for(student, course):
    """The first published module the student has not done, else the first one."""
    modules = list(course.modules())
    if not modules:
        return None
    done = done_module_ids(student)
    return next((m for m in modules if m.pk not in done), modules[0])


def completions_changed(sender, instance, raw=False, **kwargs):
    """A module marked done or not (or its completion deleted with the module or
    the student): that student's `done_module_ids` are forgotten."""
    if not raw:
        tags.changed(tags.user_tag("progress", instance.student_id))


def connect():
    for signal in (post_save, post_delete):
        signal.connect(
            completions_changed,
            sender=ModuleCompletion,
            dispatch_uid=f"classroom.progress.completions.{id(signal)}",
        )


# Why a module cannot be marked done by hand (its quiz decides), or None.
COMPLETED_BY_QUIZ = "Pass this module's quiz to complete it."


def why_not_done_by_hand(module):
    """None if a student may mark `module` done themselves; else the reason. Every
    door that marks a module done asks this (the page's button, the API)."""
    return COMPLETED_BY_QUIZ if module.completed_by_quiz else None
