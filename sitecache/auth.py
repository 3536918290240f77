"""Django's model backend, with each user and their permission set in the cache.

Every page shows the Wagtail user bar to those who may use the admin, so every page
asks `user.has_perm("wagtailadmin.access_admin")`: two queries (the user's and their
groups' permissions) for each request, after the one that loads the user.
`CachedModelBackend` answers all three from the cache: the user a session names
under their own tag (`user:<pk>`, replaced by any save of theirs but a login's
`last_login`), so a deactivated user or a changed password takes effect on the next
request; the permission set under the `permissions` tag (any group, permission or
membership change: sitecache.receivers), keyed by the user and whether they are a
superuser. `is_active` and `is_superuser` are read from the user row loaded for the
request, as ModelBackend does.
"""

from django.contrib.auth.backends import ModelBackend

from sitecache import tags


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        load = super().get_user
        return tags.remember(
            "user", [user_id], lambda: load(user_id), [f"user:{user_id}"]
        )

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        # Within a request the entry is read once (the request's memo).
        return tags.remember(
            "permissions",
            [user_obj.pk, user_obj.is_superuser],
            lambda: super(CachedModelBackend, self).get_all_permissions(user_obj),
            ["permissions"],
        )
