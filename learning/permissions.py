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

A course's team (classroom.models.CourseMember, asked through `learning.access`)
adds to that, in one place, Wagtail's page permission policy
(`CoursePagePermissionPolicy`, registered for every page type): the team's
instructors hold "add", "change" and "publish" on their course, so they edit,
publish and add modules to it as its owner does, in the page tester and in every
listing, action and report Wagtail asks the policy about; the course itself stays
the owner's to delete or move. Assistants hold no page permission: they edit
nothing. The admin screens over a course's things (students, chat messages) are
for the course's whole staff (`CourseOwnerPermissionPolicy`).
"""

from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from wagtail.models import GroupPagePermission, Page, PagePermissionTester
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import register_permission_policy

from learning import access

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
# Page permissions a course's team instructors hold on their course (and so on
# its modules); assistants hold none.
TEAM_INSTRUCTOR = "instructor"
TEAM_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]


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
        # Whether this page is a course the user edits as a team instructor only
        # (not as its owner, nor with "change" from a group).
        self.team_course_only = False
        if user.is_active and not user.is_superuser and page.owner_id != user.pk:
            here = [
                perm
                for perm in self.permission_policy.get_cached_permissions_for_user(user)
                if page.path.startswith(perm.page.path)
            ]
            self.team_course_only = any(
                is_team_permission(perm) and perm.page_id == page.pk for perm in here
            ) and not any(
                perm.permission.codename == "change_page"
                and not is_team_permission(perm)
                for perm in here
            )

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

    def can_delete(self, ignore_bulk=False):
        # A team instructor edits the course; deleting or moving it is its owner's.
        return not self.team_course_only and super().can_delete(ignore_bulk)

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


# --- A course's team in Wagtail's page permissions ---------------------------------


def is_team_permission(perm):
    """Whether a page permission comes from a course team (not from a group)."""
    return getattr(perm, "from_team", False)


def team_page_permissions(user):
    """The page permissions `user` holds as a team instructor: "add", "change" and
    "publish" on each course whose team they are an instructor of. Unsaved
    GroupPagePermission rows, shaped as Wagtail's policy reads its own."""
    if not user.is_active or user.is_anonymous or user.is_superuser:
        return []
    courses = [
        pk for pk, role in access.team_roles(user).items() if role == TEAM_INSTRUCTOR
    ]
    if not courses:
        return []
    permissions = []
    for page in Page.objects.filter(pk__in=courses).order_by("path"):
        for codename in TEAM_PAGE_PERMISSIONS:
            perm = GroupPagePermission(
                page=page, permission=Permission(codename=codename)
            )
            perm.from_team = True
            permissions.append(perm)
    return permissions


class CoursePagePermissionPolicy(PagePermissionPolicy):
    """Wagtail's page permission policy, with each course's team instructors
    holding "add", "change" and "publish" on their course (see the module's doc).

    Wagtail's page tester, explorer, listings, choosers, bulk actions and reports
    all read a user's page permissions from here
    (`get_cached_permissions_for_user`), so they agree with
    `OwnedPagePermissionTester` in every door.
    """

    def get_all_permissions_for_user(self, user):
        granted = super().get_all_permissions_for_user(user)
        team = team_page_permissions(user)
        return [*granted, *team] if team else granted

    def users_with_any_permission_for_instance(
        self, actions, instance, include_superusers=True
    ):
        users = super().users_with_any_permission_for_instance(
            actions, instance, include_superusers
        )
        if not {"add", "change", "publish"} & set(actions):
            return users
        CoursePage = global_apps.get_model("learning", "CoursePage")
        course = (
            CoursePage.objects.ancestor_of(instance, inclusive=True)
            .only("pk", "owner_id")
            .first()
        )
        if course is None:
            return users
        editors = [
            pk
            for pk, role in access.course_team(course).items()
            if role == TEAM_INSTRUCTOR
        ]
        if not editors:
            return users
        User = get_user_model()
        return (
            users
            | User._default_manager.filter(is_active=True, pk__in=editors).distinct()
        )


course_page_policy = CoursePagePermissionPolicy(Page)
# For Page and every page type (Wagtail's own is registered for AbstractPage).
register_permission_policy(Page, course_page_policy)


class CourseOwnerPermissionPolicy(BasePermissionPolicy):
    """Admin screens over things that belong to a course (enrollments, chat messages).

    Admin users may take `actions` on the items of courses they are staff of (the
    owner, and the team's instructors and assistants: `learning.access`);
    superusers on every item. Subclasses name the model and the actions, nothing
    else.
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
            user.is_superuser or access.is_course_staff(user, instance.course)
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.actions.intersection(actions) or not self.is_admin_user(user):
            return self.model.objects.none()
        if user.is_superuser:
            return self.model.objects.all()
        return self.model.objects.filter(staffed(user, "course"))


def staffed(user, prefix=""):
    """A filter on the courses `user` is staff of (owned, or on their team), or,
    with `prefix`, on the things whose `prefix` is such a course."""
    field = f"{prefix}__" if prefix else ""
    team = list(access.team_roles(user))
    return Q(**{f"{field}owner": user}) | Q(**{f"{field}pk__in": team})


def courses_administered_by(request):
    """The courses an admin screen offers as a filter: those the user is staff of
    (owner or team member); all for superusers.

    Takes the request, as django-filter's `queryset` callables do.
    """
    # Through the app registry: learning.models imports this module.
    courses = global_apps.get_model("learning", "CoursePage").objects.order_by("title")
    if request is None or request.user.is_superuser:
        return courses
    return courses.filter(staffed(request.user))
