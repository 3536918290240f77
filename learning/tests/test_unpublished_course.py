"""A module is only live for students while its course is.

Unpublishing a course in the admin (subpages not ticked) leaves its modules live;
`ModulePage.objects.live_for_students()` is what lists modules for students.
"""

import pytest

from demo.factories import CoursePageFactory, ModulePageFactory
from learning.models import CoursePage, ModulePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden_course(course):
    """`course` unpublished alone, as the admin's default unpublish does."""
    outline = course.module_outline()  # cached while published
    assert len(outline) == 2
    course.unpublish()
    course.refresh_from_db()
    assert ModulePage.objects.child_of(course).live().count() == 2
    return course


def test_live_for_students_leaves_out_modules_of_an_unpublished_course(
    course, hidden_course
):
    other = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    shown = ModulePageFactory(parent=other, title="Triangles")

    assert list(ModulePage.objects.live_for_students()) == [shown]
    assert list(hidden_course.modules()) == []
    assert hidden_course.module_outline() == []
    assert hidden_course.module_ids() == []


def test_live_for_students_can_still_be_searched(course):
    found = ModulePage.objects.live_for_students().search("Equations")
    assert [module.title for module in found] == ["Equations"]


def test_an_unpublished_course_counts_no_modules(course, hidden_course):
    counted = CoursePage.objects.with_module_counts().get(pk=course.pk)
    assert counted.total_modules == 0
    course.save_revision().publish()
    counted = CoursePage.objects.with_module_counts().get(pk=course.pk)
    assert counted.total_modules == 2


def test_module_page_of_an_unpublished_course_is_not_found_by_students(
    client, enrolled, hidden_course
):
    module = hidden_course.get_children().first()
    client.force_login(enrolled)

    assert client.get(module.url).status_code == 404
    assert client.get(f"/students/course/{hidden_course.pk}/").status_code == 404


def test_module_page_of_an_unpublished_course_is_not_found_by_visitors(
    client, hidden_course
):
    module = hidden_course.get_children().first()

    assert client.get(module.url).status_code == 404


def test_owner_still_previews_a_module_of_the_unpublished_course(
    client, instructor, hidden_course
):
    module = hidden_course.get_children().first()
    client.force_login(instructor)

    assert client.get(module.url).status_code == 200
    preview = client.get(f"/admin/pages/{module.pk}/view_draft/")
    assert preview.status_code == 200
