"""Django's permission checks, with each user's permission set kept in the cache.

Every page shows the Wagtail user bar to those who may use the admin, so every page
asks `user.has_perm("wagtailadmin.access_admin")`: two queries (the user's and their
groups' permissions) for each request, after the one that loads the user.
`CachedModelBackend` answers all three from the cache.
The entry is keyed by the user, whether they are a superuser, and a *permissions
generation* replaced whenever a group, a permission, a group's permissions or a
user's groups or permissions change, so a change applies on the next request.
`is_active` and `is_superuser` are read from the user row loaded for the request,
as ModelBackend does.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save

from learning.caching import (
    PERMISSIONS_GENERATION_KEY,
    bump_now_and_on_commit,
    current_generation,
    remember,
    replace_generation,
    shared_get,
    shared_set,
)


def permissions_generation():
    return current_generation(PERMISSIONS_GENERATION_KEY)


def bump_permissions_generation(**kwargs):
    replace_generation(PERMISSIONS_GENERATION_KEY)


class CachedModelBackend(ModelBackend):
    """ModelBackend whose users and per-user permission sets come from the cache.

    The user a session names is remembered under the catalogue generation, which
    saving or deleting any user moves on (learning.caching; a login's update of
    `last_login` alone does not), so a deactivated user or a changed password takes
    effect on the next request, as without the cache.
    """

    def get_user(self, user_id):
        load = super().get_user
        return remember("user", [user_id], lambda: load(user_id))

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = ":".join(
                [
                    "learning:permissions",
                    permissions_generation(),
                    str(user_obj.pk),
                    "super" if user_obj.is_superuser else "user",
                ]
            )
            perms = shared_get(key)
            if perms is None:
                perms = super().get_all_permissions(user_obj)
                shared_set(key, perms)
            user_obj._perm_cache = perms
        return user_obj._perm_cache


def permissions_changed(sender, raw=False, action=None, **kwargs):
    """Any change to who holds which permission: a new generation, now and on commit."""
    if raw or (action is not None and not action.startswith("post_")):
        return
    bump_now_and_on_commit(bump_permissions_generation)


def connect():
    User = get_user_model()
    for through in (
        User.groups.through,
        User.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(
            permissions_changed,
            sender=through,
            dispatch_uid=f"learning.auth.{through._meta.label}",
        )
    for model in (Group, Permission):
        for signal in (post_save, post_delete):
            signal.connect(
                permissions_changed,
                sender=model,
                dispatch_uid=f"learning.auth.{model._meta.label}.{id(signal)}",
            )
