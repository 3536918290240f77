"""API permissions: they ask the one access rule, never decide it themselves."""

from rest_framework.permissions import BasePermission

from classroom.access import can_view_contents


class CanViewContents(BasePermission):
    """The caller may see this course's contents (classroom.access decides)."""

    message = "You may see this course's contents only once you are enrolled in it."

    def has_object_permission(self, request, view, obj):
        return can_view_contents(request.user, obj)
