"""The "Students" screen of the Wagtail admin: each instructor sees only their own."""

import pytest
from django.urls import NoReverseMatch, reverse

from classroom.models import Enrollment, ModuleCompletion
from classroom.wagtail_hooks import enrollment_policy
from demo.factories import CoursePageFactory, ModulePageFactory, UserFactory


@pytest.fixture
def two_courses(course, enrolled, other_instructor):
    """`course` (instructor's) with `enrolled`, and another instructor's course."""
    theirs = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    ModulePageFactory(parent=theirs, title="Angles")
    geometry_student = UserFactory(username="zoe-geo")
    Enrollment.objects.create(student=geometry_student, course=theirs)
    first = course.modules().first()
    ModuleCompletion.objects.create(student=enrolled, module=first, course=course)
    return course, theirs


def students_page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("students:index"), params)


def test_instructor_sees_students_of_own_courses_with_progress(
    client, instructor, two_courses
):
    response = students_page(client, instructor)
    assert response.status_code == 200
    page = response.content.decode()
    assert "student@example.com" in page
    assert "Algebra" in page
    assert "1 / 2 (50%)" in page
    assert "zoe-geo" not in page
    assert "Geometry" not in page.split("<table", 1)[-1]


def test_other_instructor_never_sees_my_enrollments(
    client, other_instructor, two_courses
):
    page = students_page(client, other_instructor).content.decode()
    assert "zoe-geo" in page
    assert "student@example.com" not in page


def test_superuser_sees_every_enrollment(client, superuser, two_courses):
    page = students_page(client, superuser).content.decode()
    assert "student@example.com" in page and "zoe-geo" in page


def test_filtering_by_another_instructors_course_shows_nothing(
    client, instructor, two_courses
):
    mine, theirs = two_courses
    # Their course is not a choice: the filter is ignored, the listing stays mine.
    page = students_page(client, instructor, course=theirs.pk).content.decode()
    assert "zoe-geo" not in page
    page = students_page(client, instructor, course=mine.pk).content.decode()
    assert "student@example.com" in page


def test_search_stays_inside_own_courses(client, instructor, two_courses):
    page = students_page(client, instructor, q="zoe").content.decode()
    assert "zoe-geo@example.com" not in page
    page = students_page(client, instructor, q="student@").content.decode()
    assert "student@example.com" in page


def test_students_without_admin_access_are_refused(client, student, two_courses):
    response = students_page(client, student)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_enrollments_are_read_only_in_the_admin(instructor, superuser, two_courses):
    course, _ = two_courses
    enrollment = Enrollment.objects.get(course=course)
    for user in (instructor, superuser):
        for action in ("add", "change", "delete"):
            assert not enrollment_policy.user_has_permission(user, action)
            assert not enrollment_policy.user_has_permission_for_instance(
                user, action, enrollment
            )
    for name in ("edit", "delete", "inspect", "history", "usage"):
        with pytest.raises(NoReverseMatch):
            reverse(f"students:{name}", args=[enrollment.pk])


def test_policy_per_instance_follows_course_owner(
    instructor, other_instructor, superuser, two_courses
):
    mine = Enrollment.objects.get(course=two_courses[0])
    assert enrollment_policy.user_has_permission_for_instance(instructor, "view", mine)
    assert enrollment_policy.user_has_permission_for_instance(superuser, "view", mine)
    assert not enrollment_policy.user_has_permission_for_instance(
        other_instructor, "view", mine
    )


def test_students_menu_item_is_shown_to_instructors(client, instructor, two_courses):
    client.force_login(instructor)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("students:index") in page


def test_students_page_queries_do_not_grow_with_rows(
    client, instructor, course, django_assert_max_num_queries
):
    client.force_login(instructor)
    url = reverse("students:index")
    client.get(url)
    budgets = []
    for total in (2, 12):
        while Enrollment.objects.filter(course=course).count() < total:
            n = Enrollment.objects.count()
            Enrollment.objects.create(
                student=UserFactory(username=f"s{n}"), course=course
            )
        with django_assert_max_num_queries(40) as captured:
            page = client.get(url).content.decode()
        assert page.count("0 / 2 (0%)") == total
        budgets.append(len(captured.captured_queries))
    assert budgets[0] == budgets[1]
