"""Instructors in the Wagtail admin: their own courses only; subjects are admins'."""

import pytest
from django.contrib.auth.models import Group
from wagtail.actions.edit_page import EditPageAction
from wagtail.models import GroupPagePermission, Page
from wagtail.permissions import policy_registry
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from demo.factories import (
    CoursePageFactory,
    ImageFactory,
    ModulePageFactory,
    SubjectPageFactory,
    UserFactory,
)
from learning.models import CoursePage, ModulePage, SubjectPage
from learning.permissions import INSTRUCTORS, setup_instructors_group

pytestmark = pytest.mark.django_db


# Wagtail's admin answers a refused request with 403 when it comes from its own
# scripts (X-Requested-With), and with a redirect to the dashboard carrying "Sorry,
# you do not have permission" for a plain page load.
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def assert_refused(client, url, method="get", data=None):
    call = getattr(client, method)
    assert call(url, data or {}, **XHR).status_code == 403
    response = call(url, data or {}, follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert "you do not have permission" in response.content.decode()


def assert_edit_forbidden(client, url, method="get", data=None):
    """The edit view of a page one may not edit: 403, for scripts and browsers."""
    call = getattr(client, method)
    assert call(url, data or {}, **XHR).status_code == 403
    assert call(url, data or {}).status_code == 403


def make_instructor(username):
    user = UserFactory(username=username)
    user.groups.add(setup_instructors_group())
    return user


@pytest.fixture
def irene(db):
    return make_instructor("irene")


@pytest.fixture
def tomas(db):
    return make_instructor("tomas")


@pytest.fixture
def subject(catalog):
    return SubjectPageFactory(parent=catalog, title="Mathematics")


@pytest.fixture
def irenes_course(subject, irene):
    course = CoursePageFactory(parent=subject, title="Algebra", owner=irene)
    ModulePageFactory(parent=course, title="Equations")
    return course


@pytest.fixture
def tomas_course(subject, tomas):
    course = CoursePageFactory(parent=subject, title="Geometry", owner=tomas)
    ModulePageFactory(parent=course, title="Triangles")
    return course


def test_migration_creates_the_instructors_group_with_admin_access():
    group = Group.objects.get(name=INSTRUCTORS)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert "access_admin" in codenames
    collection_codenames = set(
        group.collection_permissions.values_list("permission__codename", flat=True)
    )
    assert {"add_image", "choose_image", "add_document", "add_media"} <= (
        collection_codenames
    )
    # "change" would let them edit everybody's files.
    assert not collection_codenames & {"change_image", "change_document"}


def test_a_new_catalogue_gets_the_instructors_page_permissions(catalog):
    granted = set(
        GroupPagePermission.objects.filter(
            group__name=INSTRUCTORS, page=catalog
        ).values_list("permission__codename", flat=True)
    )
    assert granted == {"add_page", "publish_page"}


def test_instructor_reaches_the_admin(client, irene):
    client.force_login(irene)
    assert client.get("/admin/").status_code == 200


def test_instructor_edits_own_course(client, irene, irenes_course):
    client.force_login(irene)
    assert client.get(f"/admin/pages/{irenes_course.pk}/edit/").status_code == 200
    module = irenes_course.get_children().first()
    assert client.get(f"/admin/pages/{module.pk}/edit/").status_code == 200


def test_instructor_cannot_edit_another_instructors_course(client, irene, tomas_course):
    client.force_login(irene)
    assert_edit_forbidden(client, f"/admin/pages/{tomas_course.pk}/edit/")
    module = tomas_course.get_children().first()
    assert_edit_forbidden(client, f"/admin/pages/{module.pk}/edit/")
    assert_edit_forbidden(
        client,
        f"/admin/pages/{tomas_course.pk}/edit/",
        method="post",
        data=nested_form_data(
            {
                "title": "Hijacked",
                "slug": "geometry",
                "overview": rich_text(""),
                "pass_mark": "50",
            }
        ),
    )
    tomas_course.refresh_from_db()
    assert tomas_course.title == "Geometry"


def test_instructor_cannot_publish_or_unpublish_another_instructors_course(
    client, irene, irenes_course, tomas_course
):
    assert irenes_course.permissions_for_user(irene).can_publish()
    assert irenes_course.permissions_for_user(irene).can_unpublish()
    perms = tomas_course.permissions_for_user(irene)
    assert not perms.can_publish()
    assert not perms.can_unpublish()
    assert not perms.can_lock()
    client.force_login(irene)
    assert_refused(client, f"/admin/pages/{tomas_course.pk}/unpublish/", "post")
    tomas_course.refresh_from_db()
    assert tomas_course.live


def test_instructor_cannot_add_modules_to_another_instructors_course(
    client, irene, irenes_course, tomas_course
):
    client.force_login(irene)
    add_module = "/admin/pages/add/learning/modulepage/{}/"
    assert_refused(client, add_module.format(tomas_course.pk))
    assert client.get(add_module.format(irenes_course.pk)).status_code == 200
    # Nor move one of hers into it.
    module = irenes_course.get_children().first()
    assert not module.permissions_for_user(irene).can_move_to(tomas_course)


def test_instructor_cannot_create_a_subject(client, irene, catalog):
    client.force_login(irene)
    assert_refused(client, f"/admin/pages/add/learning/subjectpage/{catalog.pk}/")
    assert not catalog.permissions_for_user(irene).can_add_subpage()


def test_instructor_cannot_change_a_subject(client, irene, subject):
    client.force_login(irene)
    assert_edit_forbidden(client, f"/admin/pages/{subject.pk}/edit/")
    assert not subject.permissions_for_user(irene).can_unpublish()


def test_instructor_creates_and_publishes_a_course_with_a_module(
    client, irene, subject
):
    client.force_login(irene)
    response = client.post(
        f"/admin/pages/add/learning/coursepage/{subject.pk}/",
        nested_form_data(
            {
                "title": "Statistics",
                "slug": "statistics",
                "overview": rich_text("<p>Means and medians.</p>"),
                "pass_mark": "50",
                "action-publish": "action-publish",
            }
        ),
    )
    assert response.status_code == 302
    course = CoursePage.objects.get(title="Statistics")
    assert course.live
    assert course.owner == irene
    response = client.post(
        f"/admin/pages/add/learning/modulepage/{course.pk}/",
        nested_form_data(
            {
                "title": "Averages",
                "slug": "averages",
                "description": "",
                "body": streamfield([("text", rich_text("<p>Sum, divide.</p>"))]),
                "action-publish": "action-publish",
            }
        ),
    )
    assert response.status_code == 302
    module = ModulePage.objects.get(title="Averages")
    assert module.live
    assert module.owner == irene


def test_superuser_may_do_everything(tomas_course, catalog):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert tomas_course.permissions_for_user(admin).can_publish()
    assert catalog.permissions_for_user(admin).can_add_subpage()
    assert SubjectPage.can_create_at(catalog)


def test_instructor_manages_only_their_own_images(client, irene, tomas):
    own = ImageFactory(uploaded_by_user=irene)
    other = ImageFactory(uploaded_by_user=tomas)
    client.force_login(irene)
    assert client.get(f"/admin/images/{own.pk}/").status_code == 200
    assert_refused(client, f"/admin/images/{other.pk}/")
    # Both can be chosen for a page.
    chooser = client.get("/admin/images/chooser/")
    assert chooser.status_code == 200
    assert other.title in chooser.content.decode()


def test_user_outside_the_group_has_no_admin(client, student):
    client.force_login(student)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_api_does_not_show_another_instructors_module_bodies(
    client, tomas, irenes_course
):
    module = irenes_course.get_children().get()
    client.force_login(tomas)
    for url in (
        f"/admin/api/main/pages/?child_of={irenes_course.pk}&fields=body",
        f"/admin/api/main/pages/{module.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert '"body"' not in response.content.decode()


# --- A course changing hands takes its modules along -------------------------------
#
# The course's new owner is carried to its modules when the course is saved
# (learning.permissions.carry_owner_to_children), so every Wagtail door that reads a
# page's owner agrees.


@pytest.fixture
def handed_over(irenes_course, tomas):
    """Irene's course (and so its module), given to Tomas by an administrator."""
    module = irenes_course.get_children().get().specific
    assert module.owner_id != tomas.pk
    irenes_course.owner = tomas
    irenes_course.save()
    module.refresh_from_db()
    assert module.owner_id == tomas.pk
    return module


def test_old_owner_may_no_longer_edit_or_unpublish_the_modules(
    client, irene, handed_over
):
    client.force_login(irene)
    edit = f"/admin/pages/{handed_over.pk}/edit/"
    unpublish = f"/admin/pages/{handed_over.pk}/unpublish/"

    assert client.get(edit).status_code == 403
    assert client.get(unpublish, **XHR).status_code == 403
    assert client.post(unpublish, **XHR).status_code == 403
    handed_over.refresh_from_db()
    assert handed_over.live
    perms = handed_over.permissions_for_user(irene)
    assert not (perms.can_edit() or perms.can_delete() or perms.can_publish())


def test_new_owner_edits_and_unpublishes_the_modules(client, tomas, handed_over):
    client.force_login(tomas)

    assert client.get(f"/admin/pages/{handed_over.pk}/edit/").status_code == 200
    response = client.post(
        f"/admin/pages/{handed_over.pk}/edit/",
        nested_form_data(
            {
                "title": "Equations, revised",
                "slug": handed_over.slug,
                "description": "",
                "body": streamfield([]),
                "action-publish": "action-publish",
            }
        ),
    )
    assert response.status_code == 302
    handed_over.refresh_from_db()
    assert handed_over.title == "Equations, revised"
    assert handed_over.permissions_for_user(tomas).can_delete()

    response = client.post(f"/admin/pages/{handed_over.pk}/unpublish/")
    assert response.status_code == 302
    handed_over.refresh_from_db()
    assert not handed_over.live


def test_wagtails_permission_policy_reads_the_course_owner(irene, tomas, handed_over):
    policy = policy_registry.get_by_type(Page)
    as_page = Page.objects.get(pk=handed_over.pk)  # not the specific page

    editable_by = {
        user.username: set(
            policy.instances_user_has_permission_for(user, "change").values_list(
                "pk", flat=True
            )
        )
        for user in (irene, tomas)
    }
    assert handed_over.pk in editable_by["tomas"]
    assert handed_over.pk not in editable_by["irene"]
    assert policy.user_has_permission_for_instance(tomas, "change", as_page)
    assert not policy.user_has_permission_for_instance(irene, "change", as_page)
    assert set(policy.users_with_permission_for_instance("change", as_page)) & {
        irene,
        tomas,
    } == {tomas}
    # The page actions (the admin API's edit) ask both the policy and the tester.
    assert EditPageAction(handed_over, user=tomas).user_has_permission()
    assert not EditPageAction(handed_over, user=irene).user_has_permission()


def test_a_module_added_by_an_administrator_belongs_to_the_course_owner(
    client, irenes_course, irene
):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)

    response = client.post(
        f"/admin/pages/add/learning/modulepage/{irenes_course.pk}/",
        nested_form_data(
            {
                "title": "Matrices",
                "slug": "matrices",
                "description": "",
                "body": streamfield([]),
                "action-publish": "action-publish",
            }
        ),
    )

    assert response.status_code == 302
    assert ModulePage.objects.get(slug="matrices").owner == irene


def test_a_module_moved_to_another_course_belongs_to_that_course_owner(
    irenes_course, tomas_course, tomas
):
    module = irenes_course.get_children().get().specific
    module.move(tomas_course, pos="last-child")
    module.refresh_from_db()
    assert module.owner_id == tomas.pk
