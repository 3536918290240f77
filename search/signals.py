"""Keep the pages' index entries in step with what is published.

The site's page types leave their own entries to this module (they set Wagtail's
`search_auto_update = False`): Wagtail would rebuild a page's entry on every save,
and a draft's save writes only the draft's bookkeeping, which no search reads.

A course is indexed with its published modules' titles and descriptions
(`CoursePage.public_module_text`), so publishing, unpublishing, renaming, moving or
deleting a module changes what its course is found by. A page's save reindexes only
that page; these receivers reindex its course too. The same goes for its
owner's name: renaming a user reindexes the courses they own.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page
from wagtail.search import index
from wagtail.signals import post_page_move

from learning.models import (
    CoursePage,
    ModulePage,
    parent_path_of,
    saved_only_a_draft,
)


def page_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or saved_only_a_draft(update_fields):
        return
    index.insert_or_update_object(instance)


def page_deleted(sender, instance, **kwargs):
    index.remove_object(instance)


def reindex_course_at(path):
    course = CoursePage.objects.filter(path=path).first()
    if course is not None:  # gone when the whole course is being deleted
        index.insert_or_update_object(course)


# What of a module its course's entry holds; a draft revision's save touches none.
INDEXED_MODULE_FIELDS = {"title", "description", "live", "path"}


def module_changed(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not INDEXED_MODULE_FIELDS & update_fields):
        return
    reindex_course_at(parent_path_of(instance.path))


# What of a user their courses' entries hold; a login's save touches none.
INDEXED_OWNER_FIELDS = {"first_name", "last_name"}


def owner_changed(sender, instance, created=False, raw=False, update_fields=None, **kw):
    if created or raw:  # a new user owns no course yet
        return
    if update_fields is not None and not INDEXED_OWNER_FIELDS & set(update_fields):
        return
    for course in CoursePage.objects.filter(owner=instance).select_related("owner"):
        index.insert_or_update_object(course)


def module_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    for parent in {parent_page_before.path, parent_page_after.path}:
        reindex_course_at(parent)


def connect():
    for model in apps.get_models():
        if issubclass(model, Page) and not getattr(model, "search_auto_update", True):
            uid = f"search.page.{model._meta.label_lower}"
            post_save.connect(page_saved, sender=model, dispatch_uid=uid)
            post_delete.connect(page_deleted, sender=model, dispatch_uid=uid)
    post_save.connect(module_changed, sender=ModulePage, dispatch_uid="search.module")
    post_delete.connect(
        module_changed, sender=ModulePage, dispatch_uid="search.module_deleted"
    )
    post_page_move.connect(
        module_moved, sender=ModulePage, dispatch_uid="search.module_moved"
    )
    post_save.connect(
        owner_changed, sender=get_user_model(), dispatch_uid="search.owner"
    )
