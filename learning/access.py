"""The one crossing from `learning` to the rule of who may read a course.

Whether a user may see a course's contents is decided by the app that knows who is
enrolled (classroom); `learning` does not import it. That app registers the rule
once, at startup (`register_rule`, from its AppConfig.ready()); pages, files, the
API, search and the chat ask it through the functions below. With no rule
registered nobody may read any course's contents: the door fails closed.

`access_changed` is sent (with `users` and/or `courses`, lists of pks) by the
rule's app once a change that may take access away has been committed, for those
that hold access open (the chat's sockets).

The same rule knows each course's team (`role_in`, `is_course_staff`,
`may_edit_course`, `team_roles`, `roles_in`, `course_team` below): Wagtail's page
permissions (learning.permissions) and the admin screens over a course's things
follow it. Those answers fail closed too.
"""

from django.apps import apps
from django.dispatch import Signal

access_changed = Signal()

_rule = None


def register_rule(rule):
    """Make `rule` the access rule: an object with `can_view_contents(user, course)`,
    `viewable_course_ids(user, courses)` and `viewable_courses(user)`."""
    global _rule
    _rule = rule


def registered_rule():
    return _rule


def can_view_contents(user, course):
    """May `user` see the modules of `course`?"""
    return _rule is not None and _rule.can_view_contents(user, course)


def viewable_course_ids(user, courses):
    """The pks of `courses` whose contents `user` may see (one query at most)."""
    return set() if _rule is None else _rule.viewable_course_ids(user, courses)


def viewable_courses(user):
    """The courses whose contents `user` may see, as a CoursePage queryset (None:
    all of them)."""
    if _rule is None:
        # Through the app registry: learning.models imports this module.
        return apps.get_model("learning", "CoursePage").objects.none()
    return _rule.viewable_courses(user)


# --- A course's team (owner, instructors, assistants) -------------------------------
#
# The same rule's app knows who is on a course's team; `learning` asks it here (the
# page permission policy, the admin screens over a course's things). Each answer
# fails closed: with no rule, or a rule that does not know teams, nobody has a role.


def _ask(name, default, *args):
    answer = getattr(_rule, name, None)
    return default if answer is None else answer(*args)


def role_in(user, course):
    """ "owner" (the course page's owner, and superusers), "instructor",
    "assistant", or None."""
    return _ask("role_in", None, user, course)


def is_course_staff(user, course):
    """The course's staff (owner, superusers, its team): they see its contents,
    its students and their grades, and moderate its chat."""
    return bool(_ask("is_course_staff", False, user, course))


def may_edit_course(user, course):
    """May `user` edit `course` and its modules (owner, superusers, the team's
    instructors; not its assistants)?"""
    return bool(_ask("may_edit_course", False, user, course))


def team_roles(user):
    """{course pk: role} of the course teams `user` belongs to (not the courses
    they own)."""
    return dict(_ask("team_roles", {}, user))


def roles_in(course, users):
    """{user pk: role} of those of `users` who are `course`'s staff."""
    return dict(_ask("roles_in", {}, course, users))


def course_team(course):
    """{user pk: role} of `course`'s team (not its owner)."""
    return dict(_ask("course_team", {}, course))
