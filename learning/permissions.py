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
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Substr
from wagtail.models import GroupPagePermission, Page, PagePermissionTester
from wagtail.models.pages import get_page_models
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import register_permission_policy

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
# A module is owned by whoever owns its course: a course changing hands takes its
# modules with it, whatever each module's own `owner` field still says. Every door
# that asks about ownership (the page permission tester, Wagtail's page permission
# policy behind listings, actions and notifications) reads it from here.


def owned_with_parent(page_class):
    """Whether pages of this type belong to their parent's owner (modules)."""
    return getattr(page_class, "owned_with_parent", False)


def owner_id_of(page):
    """The pk of the user who owns `page` for permissions (None: nobody)."""
    if not owned_with_parent(page.specific_class):
        return page.owner_id
    course = getattr(page, "course", None)  # a ModulePage: its cached course
    if course is not None:
        return course.owner_id
    return (
        Page.objects.filter(path=page.path[: -Page.steplen])
        .values_list("owner_id", flat=True)
        .first()
    )


def owned_by(user):
    """A Q on Page: the pages `user` owns, as `owner_id_of` decides."""
    through_parent = [model for model in get_page_models() if owned_with_parent(model)]
    if not through_parent:
        return Q(owner=user)
    types = ContentType.objects.get_for_models(
        *through_parent, for_concrete_models=False
    ).values()
    parent_owned = Exists(
        Page.objects.filter(
            owner=user,
            path=Substr(OuterRef("path"), 1, (OuterRef("depth") - 1) * Page.steplen),
        )
    )
    return (Q(owner=user) & ~Q(content_type__in=types)) | (
        Q(content_type__in=types) & parent_owned
    )


class OwnedPagePermissionTester(PagePermissionTester):
    """Wagtail's page permissions, with ownership required beyond editing.

    A user who holds "change" on a page (an editor or administrator) keeps
    Wagtail's behaviour. A user with only "add" and "publish" (an instructor)
    may edit, delete, publish, unpublish, lock and reorder only pages they own,
    and add children only under pages they own, unless the page's children are
    shared (subjects: any instructor may add a course). A module is owned by
    whoever owns its course (`owner_id_of`), never by its own `owner` field, so a
    course changing hands takes its modules along.
    """

    def __init__(self, user, page, children_are_shared=False):
        super().__init__(user, page)
        self.children_are_shared = children_are_shared

    def is_owner(self):
        owner_id = owner_id_of(self.page)
        return owner_id is not None and owner_id == self.user.pk

    def owns_page(self):
        if not self.user.is_active:
            return False
        if self.user.is_superuser or "change" in self.permissions:
            return True
        return self.is_owner()

    def can_edit(self):
        # Wagtail's own test, with our owner: Wagtail reads `page.owner_id`, which
        # for a module may still name its course's previous owner.
        if not self.user.is_active or self.page_is_root:
            return False
        if self.user.is_superuser or "change" in self.permissions:
            return True
        if "add" in self.permissions and self.is_owner():
            return True
        task = self.page.current_workflow_task
        return bool(task and task.user_can_access_editor(self.page, self.user))

    def can_delete(self, ignore_bulk=False):
        if (
            not self.user.is_active
            or self.page_is_root
            or self.user.is_superuser
            or "change" in self.permissions
            or "add" not in self.permissions
        ):
            return super().can_delete(ignore_bulk=ignore_bulk)
        # Wagtail's "add" branch (every page to delete is the user's), with our owner.
        if (
            "bulk_delete" not in self.permissions
            and not self.page.is_leaf()
            and not ignore_bulk
        ):
            return False
        pages = self.page.get_descendants(inclusive=True)
        if "publish" not in self.permissions and pages.live().exists():
            return False
        return not pages.exclude(owned_by(self.user)).exists()

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


class OwnedPagePermissionPolicy(PagePermissionPolicy):
    """Wagtail's page permission policy with ownership read by `owner_id_of`.

    Wagtail's "add" permission means "change" on the pages one owns; the policy
    (used by the admin's actions, listings, reports and notifications, beside the
    tester above) reads ownership from `page.owner` in three places, replaced here.
    """

    def user_has_any_permission_for_instance(self, user, actions, instance):
        base_permission = self._base_user_has_permission(user)
        if base_permission is not None:
            return base_permission
        add = self._get_permission_codename("add")
        permissions = set()
        for perm in self.get_cached_permissions_for_user(user):
            if instance.pk == perm.page_id or instance.is_descendant_of(perm.page):
                permissions.add(perm.permission.codename)
                if perm.permission.codename == add and owner_id_of(instance) == user.pk:
                    permissions.add(self._get_permission_codename("change"))
        return bool(self._get_permission_codenames(actions) & permissions)

    def instances_user_has_any_permission_for(self, user, actions):
        base_queryset = self._base_queryset_for_user(user)
        if base_queryset is not None:
            return base_queryset
        pages = self.model._default_manager.none()
        for perm in self.get_cached_permissions_for_user(user):
            under = self.model._default_manager.descendant_of(perm.page, inclusive=True)
            if (
                perm.permission.codename == self._get_permission_codename("add")
                and "add" not in actions
                and "change" in actions
            ):
                pages |= under.filter(owned_by(user))
            elif perm.permission.codename in self._get_permission_codenames(actions):
                pages |= under
        return pages

    def users_with_any_permission_for_instance(
        self, actions, instance, include_superusers=True
    ):
        users = super().users_with_any_permission_for_instance(
            actions, instance, include_superusers
        )
        if "change" not in actions or "add" in actions:
            return users
        # Wagtail adds `instance.owner` if their groups have "add" here; the real
        # owner instead (users are filtered by groups, so the union stays exact).
        owner_id = owner_id_of(instance)
        if owner_id == instance.owner_id:
            return users
        ancestors = instance.get_ancestors(inclusive=True)
        add_groups = GroupPagePermission.objects.filter(
            permission__codename=self._get_permission_codename("add"),
            page__in=ancestors,
        ).values_list("group", flat=True)
        granted = GroupPagePermission.objects.filter(
            permission__codename__in=self._get_permission_codenames(actions),
            page__in=ancestors,
        ).values_list("group", flat=True)
        others = Q(groups__in=granted)
        if include_superusers:
            others |= Q(is_superuser=True)
        real_owner = Q(groups__in=add_groups, pk=owner_id)
        return (
            get_user_model()
            ._default_manager.filter(is_active=True)
            .filter(others | real_owner)
            .distinct()
        )


# Registered for Page (and so for every page type): Wagtail looks the policy up by
# `Page` in most places, by the page's class in its actions.
register_permission_policy(Page, OwnedPagePermissionPolicy(Page))


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
    from learning.models import CoursePage

    courses = CoursePage.objects.order_by("title")
    if request is None or request.user.is_superuser:
        return courses
    return courses.filter(owner=request.user)
