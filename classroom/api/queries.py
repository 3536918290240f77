"""The querysets behind the API, each list a fixed number of queries at any size.

Modules and popular courses are fetched for a whole page of results in one query
each (a page tree has no foreign key for `prefetch_related` to follow).
"""

from collections import defaultdict
from functools import reduce
from operator import or_

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from classroom.models import Enrollment
from classroom.progress import progress_for_courses
from learning.models import (
    CoursePage,
    ModulePage,
    SubjectPage,
    parent_path,
    parent_path_of,
)
from search.queries import search_courses as site_search

POPULAR_COURSES = 3
MAX_ID_DIGITS = 18  # longer numbers overflow a 64-bit database integer


def search_courses(queryset, term, user=None):
    """Courses of `queryset` that match `term`.

    The site search answers (`search.queries.search_courses`): this is the only
    place the API searches.
    """
    results = site_search(queryset, term, user=user)
    if hasattr(results, "query"):  # a QuerySet keeps our annotations and ordering
        return results
    # Search results (not a QuerySet): keep the API's annotations, lose the ranking.
    return queryset.filter(pk__in=[page.pk for page in results])


def published_courses():
    """Published, public courses as the catalogue lists them, with their subject id."""
    subject_id = SubjectPage.objects.filter(path=parent_path(OuterRef("path"))).values(
        "pk"
    )[:1]
    return (
        CoursePage.objects.catalogue()
        # The catalogue's cards need owners and image renditions; the API does not.
        .select_related(None)
        .prefetch_related(None)
        .annotate(subject_id=Subquery(subject_id, output_field=IntegerField()))
    )


def courses_of_subject(queryset, subject):
    """Filter courses by subject, given as a page id or a slug."""
    subjects = SubjectPage.objects.live().public()
    subject = str(subject)
    is_id = subject.isdigit() and len(subject) <= MAX_ID_DIGITS
    found = subjects.filter(pk=int(subject)) if is_id else None
    if found is None or not found.exists():
        found = subjects.filter(slug=subject)
    found = found.first()
    if found is None:
        return queryset.none()
    return queryset.child_of(found)


def live_children(parents, model):
    """Live pages of `model` directly under any of `parents`, in tree order."""
    if not parents:
        return model.objects.none()
    under_any = reduce(
        or_,
        (Q(path__startswith=page.path, depth=page.depth + 1) for page in parents),
    )
    return model.objects.live().filter(under_any).order_by("path")


def attach_modules(courses, with_body=False):
    """Set `course.api_modules` on each course: its published modules, in order."""
    courses = list(courses)
    modules = live_children(courses, ModulePage)
    if not with_body:
        modules = modules.defer("body")
    by_parent = defaultdict(list)
    for module in modules:
        by_parent[parent_path_of(module.path)].append(module)
    for course in courses:
        course.api_modules = by_parent[course.path]
    return courses


def subjects_with_counts():
    """Published subjects with `total_courses`, by title."""
    return SubjectPage.objects.live().public().with_course_counts()


def attach_popular_courses(subjects):
    """Set `subject.popular_courses`: its three courses with most students."""
    subjects = list(subjects)
    if not subjects:
        return subjects
    students = (
        Enrollment.objects.filter(course=OuterRef("pk"))
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    ranked = (
        live_children(subjects, CoursePage)
        .public()
        .annotate(
            students=Coalesce(Subquery(students, output_field=IntegerField()), 0),
            parent=parent_path(),
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("parent")],
                order_by=[F("students").desc(), F("title").asc(), F("pk").asc()],
            )
        )
        .filter(rank__lte=POPULAR_COURSES)
        .order_by("parent", "rank")
        .only("title", "path")
    )
    by_parent = defaultdict(list)
    for course in ranked:
        by_parent[course.parent].append(course)
    for subject in subjects:
        subject.popular_courses = by_parent[subject.path]
    return subjects


def enrollments_of(student):
    """The student's enrollments in published courses, newest first."""
    return (
        Enrollment.objects.filter(
            student=student,
            course__in=CoursePage.objects.live().public().values("pk"),
        )
        .select_related("course")
        .order_by("-created", "pk")
    )


def attach_progress(enrollments, student):
    """Set `enrollment.progress` (classroom.progress decides) for a page, one query."""
    enrollments = list(enrollments)
    progress = progress_for_courses(student, [e.course for e in enrollments])
    for enrollment in enrollments:
        enrollment.progress = progress[enrollment.course_id]
    return enrollments
