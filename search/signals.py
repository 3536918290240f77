"""Keep a course's index entry in step with its modules and its instructor.

A course is indexed with its published modules' titles and descriptions
(`CoursePage.public_module_text`), so publishing, unpublishing, renaming, moving or
deleting a module changes what its course is found by. Wagtail reindexes only the
page that was saved; these receivers reindex its course too. The same goes for its
owner's name: renaming a user reindexes the courses they own.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from wagtail.search import index
from wagtail.signals import post_page_move

from learning.models import CoursePage, ModulePage, parent_path_of


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
