"""Per-student parts of course and module pages.

These are computed for each request and rendered by includes that sit outside any
cached fragment, so no student ever sees another's state. Each piece is cached under
the tags of what it shows (the student's own, the course's seats): no query when
warm.
"""

from django import template

from classroom import enrollment
from classroom.progress import Progress, course_status

register = template.Library()

VISITOR = {
    "authenticated": False,
    "enrolled": False,
    "teaches": False,
    "progress": Progress(0, 0),
    "module_done": False,
}


def _status(context, course, module=None):
    request = context.get("request")
    user = getattr(request, "user", None)
    if course is None or user is None or not user.is_authenticated:
        return dict(VISITOR)
    status = course_status(user, course, module=module)
    status["authenticated"] = True
    status["teaches"] = course.owner_id == user.pk
    return status


@register.simple_tag(takes_context=True)
def course_status_of(context, course):
    """`{% course_status_of page as status %}`: the user's enrollment and progress."""
    return _status(context, course)


@register.simple_tag(takes_context=True)
def module_status_of(context, module, course=None):
    """`{% module_status_of page course as status %}`: also whether it is done."""
    if course is None:
        course = module.course
    return _status(context, course, module=module)


@register.simple_tag(takes_context=True)
def enrollment_state_of(context, course):
    """`{% enrollment_state_of page as enrollment %}`: what the course page says
    about getting in (classroom.enrollment.page_state), for this user or a visitor.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if course is None:
        return {}
    return enrollment.page_state(user, course)


@register.filter
def ordinal(number):
    """4 -> "4th"."""
    try:
        return enrollment.ordinal(int(number))
    except (TypeError, ValueError):
        return ""
