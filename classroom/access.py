"""The one access rule: who may see a course's contents (DESIGN.md, "Who sees what").

Page serving, the API, search snippets, protected files and the chat consumer all ask
`can_view_contents`; nothing else decides it.
"""

from classroom.models import Enrollment


def can_view_contents(user, course):
    """Enrolled students, the course's owner and superusers may see its contents."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or course.owner_id == user.pk:
        return True
    return Enrollment.objects.filter(student=user, course_id=course.pk).exists()
