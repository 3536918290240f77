"""The one crossing from `learning` to `classroom`.

Whether a user may see a course's contents is decided by `classroom` (it knows who is
enrolled). Pages call it through these functions, imported lazily so that `learning`
does not depend on `classroom` at import time.
"""


def can_view_contents(user, course):
    """May `user` see the modules of `course`? Decided by classroom.access."""
    from classroom.access import can_view_contents as rule

    return rule(user, course)


def viewable_course_ids(user, courses):
    """The pks of `courses` whose contents `user` may see (one query at most)."""
    from classroom.access import viewable_course_ids as rule

    return rule(user, courses)


def viewable_courses(user):
    """The courses whose contents `user` may see, as a queryset (None: all)."""
    from classroom.access import viewable_courses as rule

    return rule(user)
