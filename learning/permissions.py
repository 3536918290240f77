"""Who may do what with the catalogue in the Wagtail admin.

Instructors belong to the "Instructors" group. It holds Wagtail's "add" and
"publish" page permissions on the catalogue page, admin access, and "add" +
"choose" on the root collection for images and documents ("add" only for
wagtailmedia, which has no "choose"). Wagtail's "add" lets a user create pages
and edit the ones they own; `OwnedPagePermissionTester` extends ownership to
publishing, locking and adding children, so one instructor cannot publish,
unpublish or add modules to another's course, and only administrators (users
with "change" or superusers) create subjects. With "add" but not "change" on a
collection, users edit only the images, documents and media they uploaded.
"""

from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.models import Page, PagePermissionTester
from wagtail.permission_policies import BasePermissionPolicy

INSTRUCTORS = "Instructors"

# (app_label, model, codename, name) of the group's global permissions.
ADMIN_ACCESS = ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
# Collection permissions on the root collection.
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "image", "add_image", "Can add image"),
    ("wagtailimages", "image", "choose_image", "Can choose image"),
    ("wagtaildocs", "document", "add_document", "Can add document"),
    ("wagtaildocs", "document", "choose_document", "Can choose document"),
    ("wagtailmedia", "media", "add_media", "Can add media"),
]
# Page permissions on the catalogue page (and so on everything under it).
PAGE_PERMISSIONS = ["add_page", "publish_page"]


def _permission(apps, app_label, model, codename, name):
    # get_or_create: permissions are made by post_migrate, which has not run yet
    # when a fresh database is migrated.
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(
        app_label=app_label, model=model
    )
    permission, _ = apps.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def setup_instructors_group(apps=global_apps):
    """Create the Instructors group with admin access and collection permissions.

    Idempotent. `apps` is the migration's app registry in the data migration and
    the real one otherwise.
    """
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS)
    group.permissions.add(_permission(apps, *ADMIN_ACCESS))
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for spec in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=root_collection,
                permission=_permission(apps, *spec),
            )
    return group


def grant_instructor_page_permissions(catalog, apps=global_apps):
    """Give Instructors "add" and "publish" on `catalog` (idempotent)."""
    group = setup_instructors_group(apps)
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    for codename in PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page_id=catalog.pk,
            permission=_permission(
                apps, "wagtailcore", "page", codename, f"Can {codename[:-5]} page"
            ),
        )


def catalog_saved(sender, instance, created, raw=False, **kwargs):
    """post_save receiver: a new catalogue page gets the instructors' permissions."""
    if created and not raw:
        grant_instructor_page_permissions(instance)


# --- Who owns a page ---------------------------------------------------------------
#
# A module belongs to whoever owns its course. That is kept in the data, in one
# place: a module gets its course's owner when it is made (ModulePage.save) or moved
# under a course, and a course's change of owner is carried to its modules at once.
# So every door that asks about ownership (the page permission tester, Wagtail's
# page permission policy behind listings, actions, reports and notifications) can
# read each page's own `owner`, as Wagtail does.


def owned_with_parent(page_class):
    """Whether pages of this type belong to their parent's owner (modules)."""
    return getattr(page_class, "owned_with_parent", False)


def carry_owner_to_children(page):
    """Give the children that belong to `page`'s owner that owner (one UPDATE)."""
    if any(owned_with_parent(m) for m in page.specific_class.allowed_subpage_models()):
        children = page.get_children().exclude(owner_id=page.owner_id)
        children.update(owner_id=page.owner_id)


def page_saved(sender, instance, raw=False, **kwargs):
    """post_save receiver: a course's owner is its modules' owner."""
    if not raw and isinstance(instance, Page) and not instance.is_leaf():
        carry_owner_to_children(instance)


def page_moved(sender, instance, **kwargs):
    """post_page_move receiver: a module moved under a course takes its owner."""
    if owned_with_parent(instance.specific_class):
        parent = instance.get_parent()
        if parent is not None and instance.owner_id != parent.owner_id:
            Page.objects.filter(pk=instance.pk).update(owner_id=parent.owner_id)


class OwnedPagePermissionTester(PagePermissionTester):
    """Wagtail's page permissions, with ownership required beyond editing.

    A user who holds "change" on a page (an editor or administrator) keeps
    Wagtail's behaviour. A user with only "add" and "publish" (an instructor)
    may edit, delete, publish, unpublish, lock and reorder only pages they own,
    and add children only under pages they own, unless the page's children are
    shared (subjects: any instructor may add a course). A module's owner is its
    course's (see "Who owns a page" above).
    """

    def __init__(self, user, page, children_are_shared=False):
        super().__init__(user, page)
        self.children_are_shared = children_are_shared

    def owns_page(self):
        if not self.user.is_active:
            return False
        if self.user.is_superuser or "change" in self.permissions:
            return True
        return self.page.owner_id is not None and self.page.owner_id == self.user.pk

    def can_add_subpage(self):
        return super().can_add_subpage() and (
            self.children_are_shared or self.owns_page()
        )

    def can_publish_subpage(self):
        return super().can_publish_subpage() and (
            self.children_are_shared or self.owns_page()
        )

    def can_reorder_children(self):
        return super().can_reorder_children() and self.owns_page()

    def can_publish(self):
        return super().can_publish() and self.owns_page()

    def can_unpublish(self):
        return super().can_unpublish() and self.owns_page()

    def can_lock(self):
        return super().can_lock() and self.owns_page()

    def can_move_to(self, destination):
        # Wagtail checks "add" on the destination directly; also require the
        # right to add children there (so no module moves into another's course).
        return super().can_move_to(destination) and (
            self.user.is_superuser
            or destination.permissions_for_user(self.user).can_add_subpage()
        )


class CourseOwnerPermissionPolicy(BasePermissionPolicy):
    """Admin screens over things that belong to a course (enrollments, chat messages).

    Admin users may take `actions` on the items of courses they own; superusers on
    every item. Subclasses name the model and the actions, nothing else.
    """

    actions = frozenset({"view"})

    @staticmethod
    def is_admin_user(user):
        return user.is_active and (
            user.is_superuser or user.has_perm("wagtailadmin.access_admin")
        )

    def user_has_permission(self, user, action):
        return action in self.actions and self.is_admin_user(user)

    def users_with_any_permission(self, actions):
        User = get_user_model()
        if not self.actions.intersection(actions):
            return User.objects.none()
        return User.objects.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="access_admin")
            | Q(user_permissions__codename="access_admin"),
            is_active=True,
        ).distinct()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and (
            user.is_superuser or instance.course.owner_id == user.pk
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.actions.intersection(actions) or not self.is_admin_user(user):
            return self.model.objects.none()
        if user.is_superuser:
            return self.model.objects.all()
        return self.model.objects.filter(course__owner=user)


def courses_administered_by(request):
    """The courses an admin screen offers as a filter: own courses; all for superusers.

    Takes the request, as django-filter's `queryset` callables do.
    """
    # Through the app registry: learning.models imports this module.
    courses = global_apps.get_model("learning", "CoursePage").objects.order_by("title")
    if request is None or request.user.is_superuser:
        return courses
    return courses.filter(owner=request.user)
