"""The one access rule: who may see a course's contents (README, "Who sees what").

Page serving, the API, search, protected files and the chat consumer all ask
`can_view_contents` (or `viewable_course_ids` for a list, `viewable_courses` for a
query); nothing else decides it.

A course's contents are for its staff always (its owner, superusers and its team
of instructors and assistants: they edit, grade and preview it before it is
published), and for its enrolled students while the course is published:
unpublishing a course leaves its modules live in Wagtail, so the rule itself looks
at the course.
"""

from django.db.models import Q

from classroom.models import CourseMember, Enrollment
from learning.models import CoursePage
from sitecache import tags


def team_roles(user):
    """{course pk: role} of the course teams `user` belongs to (owners are not
    listed: the page's owner is). Cached until their memberships change."""
    if user is None or not user.is_authenticated:
        return {}
    return tags.remember(
        "team-roles",
        [user.pk],
        lambda: dict(
            CourseMember.objects.filter(user_id=user.pk).values_list(
                "course_id", "role"
            )
        ),
        [team_tag(user.pk)],
    )


def team_tag(user_pk):
    """What a user's course-team memberships show."""
    return tags.user_tag("team", user_pk)


def role_in(user, course):
    """ "owner" (the course page's owner, and superusers), "instructor",
    "assistant", or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser or (
        course.owner_id is not None and course.owner_id == user.pk
    ):
        return "owner"
    return team_roles(user).get(course.pk)


def is_course_staff(user, course):
    """The course's staff: its owner, superusers and its team. They see its
    contents even while it is unpublished, its students and their grades, and
    they grade and moderate its chat."""
    return role_in(user, course) is not None


def may_edit_course(user, course):
    """Those who may edit the course and its modules: the owner, superusers and
    the team's instructors (not its assistants)."""
    return role_in(user, course) in ("owner", CourseMember.INSTRUCTOR)


def viewable_course_ids(user, courses):
    """The pks of `courses` whose contents `user` may see, in at most one query.

    The course's owner and superusers may see a course's contents; enrolled
    students only while it is published.
    """
    courses = list(courses)
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    owned = {course.pk for course in courses if is_course_staff(user, course)}
    others = [course.pk for course in courses if course.pk not in owned and course.live]
    if not others:
        return owned
    enrolled = Enrollment.objects.filter(student=user, course_id__in=others)
    return owned | set(enrolled.values_list("course_id", flat=True))


def viewable_courses(user):
    """The same rule as a query: a CoursePage queryset of the courses whose
    contents `user` may see (None for a superuser: every course). For lookups over
    the whole catalogue (search), where listing the courses first would cost more.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return CoursePage.objects.none()
    if user.is_superuser:
        return None
    enrolled = Enrollment.objects.filter(student=user).values("course_id")
    return CoursePage.objects.filter(
        Q(owner=user) | Q(pk__in=list(team_roles(user))) | Q(live=True, pk__in=enrolled)
    )


def can_view_contents(user, course):
    """May `user` see the modules of `course`? (The rule is `viewable_course_ids`.)

    The answer is remembered under the user's enrollments (sitecache.tags), which
    each enrollment and unenrollment of theirs replaces, so it is never stale. The
    key names everything the answer reads from the user and the course (its owner
    and whether it is published) as well.
    """
    if user is None or not user.is_authenticated:
        return False
    return tags.remember(
        "can-view-contents",
        [
            user.pk,
            user.is_active,
            user.is_superuser,
            course.pk,
            course.owner_id,
            course.live,
        ],
        lambda: course.pk in viewable_course_ids(user, [course]),
        [tags.user_tag("enrollments", user.pk), team_tag(user.pk)],
    )


def course_team(course):
    """{user pk: role} of `course`'s team, its owner not included (one query)."""
    return dict(
        CourseMember.objects.filter(course_id=course.pk).values_list("user_id", "role")
    )


def roles_in(course, users):
    """{user pk: role} of those of `users` who are `course`'s staff, as `role_in`
    answers for each (superusers count as owners), in one query at most."""
    users = [user for user in users if user is not None and user.is_active]
    roles = {
        user.pk: "owner"
        for user in users
        if user.is_superuser
        or (course.owner_id is not None and course.owner_id == user.pk)
    }
    others = [user.pk for user in users if user.pk not in roles]
    if others:
        roles.update(
            CourseMember.objects.filter(
                course_id=course.pk, user_id__in=others
            ).values_list("user_id", "role")
        )
    return roles


def staff_courses(user):
    """The courses `user` is staff of, as a CoursePage queryset (all of them for a
    superuser)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return CoursePage.objects.none()
    courses = CoursePage.objects.order_by("title", "pk")
    if user.is_superuser:
        return courses
    return courses.filter(Q(owner=user) | Q(pk__in=list(team_roles(user))))
