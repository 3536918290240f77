"""What changes outside the page tree forget (sitecache.tags).

Connected by `SitecacheConfig.ready()`. Pages: sitecache.pages.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtailmedia import get_media_model

from sitecache import tags


def site_changed(sender, instance=None, raw=False, **kwargs):
    # A hostname or root changes every route.
    if not raw:
        tags.changed("sites", "tree")


def privacy_changed(sender, instance=None, raw=False, **kwargs):
    # A page made private must stop being served from any cache at once.
    if not raw:
        tags.changed("privacy")


def file_changed(sender, instance=None, raw=False, created=False, **kwargs):
    # Pages show a file's title, an image's rendition; a new file is on no page yet.
    if not raw and not created:
        tags.changed("files")


def user_changed(sender, instance=None, raw=False, created=False, **kwargs):
    """A user's own entries (the session's user); and the pages that show their
    name, if they own any. A sign-up, or a login's `last_login`, shows nowhere."""
    if raw:
        return
    fields = kwargs.get("update_fields")
    if fields and set(fields) <= {"last_login"}:
        return
    tags.changed(f"user:{instance.pk}")
    if not created and Page.objects.filter(owner_id=instance.pk).exists():
        tags.changed("owners")


def permissions_changed(sender, raw=False, action=None, **kwargs):
    """Any change to who holds which permission (sitecache.auth)."""
    if raw or (action is not None and not action.startswith("post_")):
        return
    tags.changed("permissions")


def connect():
    for model, receiver in [
        (Site, site_changed),
        (PageViewRestriction, privacy_changed),
        (get_image_model(), file_changed),
        (get_document_model(), file_changed),
        (get_media_model(), file_changed),
        (get_user_model(), user_changed),
        (Group, permissions_changed),
        (Permission, permissions_changed),
    ]:
        for signal in (post_save, post_delete):
            signal.connect(
                receiver,
                sender=model,
                dispatch_uid=f"sitecache.{model._meta.label}.{id(signal)}",
            )
    User = get_user_model()
    for through in (
        User.groups.through,
        User.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(
            permissions_changed,
            sender=through,
            dispatch_uid=f"sitecache.{through._meta.label}",
        )
