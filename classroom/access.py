"""The one access rule: who may see a course's contents (DESIGN.md, "Who sees what").

Page serving, the API, search snippets, protected files and the chat consumer all ask
`can_view_contents` (or `viewable_course_ids` for a list); nothing else decides it.
"""

from classroom.models import Enrollment
from learning.caching import remember


def viewable_course_ids(user, courses):
    """The pks of `courses` whose contents `user` may see, in at most one query.

    Enrolled students, the course's owner and superusers may see a course's contents.
    """
    courses = list(courses)
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {course.pk for course in courses}
    owned = {course.pk for course in courses if course.owner_id == user.pk}
    others = [course.pk for course in courses if course.pk not in owned]
    if not others:
        return owned
    enrolled = Enrollment.objects.filter(student=user, course_id__in=others)
    return owned | set(enrolled.values_list("course_id", flat=True))


def can_view_contents(user, course):
    """May `user` see the modules of `course`? (The rule is `viewable_course_ids`.)

    The answer is remembered under the catalogue and enrollment generations, which
    every course, user and enrollment change moves on (learning.caching), so it is
    never stale.
    """
    if user is None or not user.is_authenticated:
        return False
    return remember(
        "can-view-contents",
        [user.pk, user.is_active, user.is_superuser, course.pk, course.owner_id],
        lambda: course.pk in viewable_course_ids(user, [course]),
        enrollments=True,
    )
