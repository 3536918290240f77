"""The one crossing from `learning` to the rule of who may read a course.

Whether a user may see a course's contents is decided by the app that knows who is
enrolled (classroom); `learning` does not import it. That app registers the rule
once, at startup (`register_rule`, from its AppConfig.ready()); pages, files, the
API, search and the chat ask it through the functions below. With no rule
registered nobody may read any course's contents: the door fails closed.

`access_changed` is sent (with `users` and/or `courses`, lists of pks) by the
rule's app once a change that may take access away has been committed, for those
that hold access open (the chat's sockets).
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
