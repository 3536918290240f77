"""The admin's "Students" screen and a student's progress in one course: titled
"Students", each row opens the student's progress, which only the course's staff
may see; and the demo fills it for the demo instructor."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from classroom.models import CourseMember, Enrollment, ModuleCompletion
from demo.factories import CoursePageFactory, ModulePageFactory, UserFactory
from demo.management.commands.load_demo import DEMO_STUDENTS, make_demo_classroom


def progress_url(course, student):
    return reverse("students:progress", args=[course.pk, student.pk])


@pytest.fixture
def halfway(course, enrolled):
    """`enrolled` has done the first of `course`'s two modules, two days ago."""
    first = course.modules().first()
    done = ModuleCompletion.objects.create(
        student=enrolled, module=first, course=course
    )
    when = timezone.now() - timedelta(days=2)
    ModuleCompletion.objects.filter(pk=done.pk).update(completed=when)
    Enrollment.objects.filter(student=enrolled).update(created=when - timedelta(days=3))
    return enrolled


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_students_screen_is_titled_students(client, instructor, halfway):
    page = get(client, instructor, reverse("students:index")).content.decode()
    assert "<title>Students" in page
    assert "Enrollments" not in page
    # The menu is drawn from JSON: its item's label and address are there.
    menu = html.unescape(page)
    assert re.search(r'"name": "students", "label": "Students"', menu)


def test_each_row_opens_the_students_progress(client, instructor, course, halfway):
    page = get(client, instructor, reverse("students:index")).content.decode()
    assert f'href="{progress_url(course, halfway)}"' in page


def test_progress_shows_each_module_done_or_not_with_its_date(
    client, instructor, course, halfway
):
    response = get(client, instructor, progress_url(course, halfway))
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r'<tr class="module-progress ([a-z-]+)">(.*?)</tr>', page, re.S)
    assert [state for state, _ in rows] == ["done", "not-done"]
    assert "Equations" in rows[0][1] and "Inequalities" in rows[1][1]
    done_on = ModuleCompletion.objects.get(student=halfway).completed
    assert f"{done_on:%-d %B %Y}" in rows[0][1]
    assert "1 of 2 modules (50%)" in page


def test_progress_shows_enrollment_date_and_last_activity(
    client, instructor, course, halfway
):
    page = get(client, instructor, progress_url(course, halfway)).content.decode()
    enrolled_on = Enrollment.objects.get(student=halfway).created
    done_on = ModuleCompletion.objects.get(student=halfway).completed
    enrolled = re.search(r'<dd class="enrolled">(.*?)</dd>', page).group(1)
    last = re.search(r'<dd class="last-activity">(.*?)</dd>', page).group(1)
    assert enrolled.startswith(f"{enrolled_on:%-d %B %Y}")
    assert last.startswith(f"{done_on:%-d %B %Y}")


def test_unpublished_modules_are_not_listed(client, instructor, course, halfway):
    draft = ModulePageFactory(parent=course, title="Draft module")
    draft.unpublish()
    page = get(client, instructor, progress_url(course, halfway)).content.decode()
    assert "Draft module" not in page


def test_team_member_sees_the_progress(client, course, halfway):
    assistant = UserFactory(username="assistant")
    CourseMember.objects.create(
        course=course, user=assistant, role=CourseMember.ASSISTANT
    )
    assert get(client, assistant, progress_url(course, halfway)).status_code == 200


def test_superuser_sees_the_progress(client, superuser, course, halfway):
    assert get(client, superuser, progress_url(course, halfway)).status_code == 200


def test_another_instructor_gets_404(client, other_instructor, course, halfway):
    response = get(client, other_instructor, progress_url(course, halfway))
    assert response.status_code == 404


def test_a_student_not_enrolled_in_the_course_is_404(
    client, instructor, course, outsider
):
    assert get(client, instructor, progress_url(course, outsider)).status_code == 404


def test_an_unknown_course_is_404(client, instructor, halfway):
    url = reverse("students:progress", args=[999999, halfway.pk])
    assert get(client, instructor, url).status_code == 404


def test_students_without_admin_access_never_see_it(client, course, halfway):
    response = get(client, halfway, progress_url(course, halfway))
    assert response.status_code in (302, 403)
    assert "Equations" not in response.content.decode()


def test_progress_queries_do_not_grow_with_modules(
    client, instructor, course, halfway, django_assert_max_num_queries
):
    client.force_login(instructor)
    url = progress_url(course, halfway)
    budgets = []
    for extra in (0, 10):
        for n in range(extra):
            module = ModulePageFactory(parent=course, title=f"Extra {n}")
            ModuleCompletion.objects.create(
                student=halfway, module=module, course=course
            )
        client.get(url)
        with django_assert_max_num_queries(30) as captured:
            page = client.get(url).content.decode()
        assert page.count('class="module-progress') == 2 + extra
        budgets.append(len(captured.captured_queries))
    assert budgets[0] == budgets[1]


# --- the demo -------------------------------------------------------------------


def test_demo_enrolls_students_in_the_instructors_courses_with_progress(
    course, instructor, other_instructor
):
    CoursePageFactory(parent=course.get_parent(), owner=other_instructor)
    make_demo_classroom(instructor)
    usernames = [username for username, *_ in DEMO_STUDENTS]
    enrollments = Enrollment.objects.filter(student__username__in=usernames)
    assert enrollments.count() >= 3
    assert set(enrollments.values_list("course_id", flat=True)) == {course.pk}
    assert ModuleCompletion.objects.filter(course=course).exists()


def test_demo_classroom_is_idempotent(course, instructor):
    make_demo_classroom(instructor)
    counts = (
        get_user_model().objects.count(),
        Enrollment.objects.count(),
        ModuleCompletion.objects.count(),
        list(Enrollment.objects.order_by("pk").values_list("created", flat=True)),
    )
    make_demo_classroom(instructor)
    assert counts == (
        get_user_model().objects.count(),
        Enrollment.objects.count(),
        ModuleCompletion.objects.count(),
        list(Enrollment.objects.order_by("pk").values_list("created", flat=True)),
    )


def test_demo_names_the_site_after_the_product(course, instructor):
    Site.objects.update(site_name="")
    make_demo_classroom(instructor)
    assert Site.objects.get(is_default_site=True).site_name == "Educa"
