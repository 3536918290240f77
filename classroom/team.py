"""Admin access for course teams: members reach the Wagtail admin through the
"Course team" group, kept in step with their memberships however they are made
(the Team screen, the shell, an import: classroom.signals)."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from classroom.models import CourseMember

TEAM_GROUP = "Course team"


def team_group():
    """The "Course team" group: Wagtail admin access, nothing else (idempotent).

    Made when first needed (a data migration may make it beforehand; get_or_create
    the permission: post_migrate makes it, which may not have run yet)."""
    group, _ = Group.objects.get_or_create(name=TEAM_GROUP)
    content_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailadmin", model="admin"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="access_admin",
        defaults={"name": "Can access Wagtail admin"},
    )
    group.permissions.add(permission)
    return group


def grant_admin_access(user):
    """A team member reaches the Wagtail admin (through the "Course team" group)."""
    user.groups.add(team_group())


def withdraw_admin_access(user):
    """Out of the "Course team" group once on no team any more."""
    if not CourseMember.objects.filter(user=user).exists():
        group = Group.objects.filter(name=TEAM_GROUP).first()
        if group is not None:
            user.groups.remove(group)
