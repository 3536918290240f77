"""Instructors get a teaching tool: "My teaching" on the Wagtail dashboard, the
courses' owners in the page explorer, the product's name in the admin, no
Gravatar, and the public login landing each person on their own work."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.admin.viewsets.pages import page_viewset_registry

from classroom import admin_dashboard
from classroom.admin_explorer import CoursePageViewSet
from classroom.models import CourseMember, Enrollment, ModuleCompletion
from classroom.tests.auth import PASSWORD
from demo.factories import (
    CoursePageFactory,
    ModulePageFactory,
    SubjectPageFactory,
    UserFactory,
)
from learning.models import CoursePage, SubjectPage


def dashboard(client, user):
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


def panel_of(page):
    """The "My teaching" panel's HTML (empty when it is not on the page)."""
    match = re.search(r'<section[^>]*id="my-teaching-section".*?</section>', page, re.S)
    return match.group(0) if match else ""


def row_of(panel, course):
    match = re.search(
        rf'<tr class="teaching-course" data-course="{course.pk}">.*?</tr>', panel, re.S
    )
    assert match, f"no row for {course.title}"
    return match.group(0)


def cell(row, name):
    return re.search(rf'<td class="{name}">(.*?)</td>', row, re.S).group(1).strip()


def enroll(course, username, done=0):
    student = UserFactory(username=username)
    Enrollment.objects.create(student=student, course=course)
    for module in list(course.modules())[:done]:
        ModuleCompletion.objects.create(student=student, module=module, course=course)
    return student


@pytest.fixture
def taught(course, other_instructor):
    """`course` (two modules): one student finished, one half-way, one not started;
    and another instructor's course with a student of its own."""
    enroll(course, "finished", done=2)
    enroll(course, "halfway", done=1)
    enroll(course, "new")
    theirs = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    ModulePageFactory(parent=theirs, title="Angles")
    enroll(theirs, "geometer")
    return course, theirs


def test_instructor_sees_their_courses_with_students_and_completions(
    client, instructor, taught
):
    course, theirs = taught
    panel = panel_of(dashboard(client, instructor))
    assert "My teaching" in panel
    row = row_of(panel, course)
    assert "Algebra" in row
    assert cell(row, "students") == "3"
    assert cell(row, "completions") == "1"
    assert "none yet" not in cell(row, "last-activity")
    assert "Geometry" not in panel


def test_each_course_links_to_edit_students_and_chat(client, instructor, taught):
    course, _ = taught
    row = row_of(panel_of(dashboard(client, instructor)), course)
    assert reverse("wagtailadmin_pages:edit", args=[course.pk]) in row
    assert f"{reverse('students:index')}?course={course.pk}" in row
    assert f"/chat/room/{course.pk}/" in row


def test_each_course_links_to_its_analytics(client, instructor, taught):
    course, _ = taught
    row = row_of(panel_of(dashboard(client, instructor)), course)
    assert f'href="{reverse("analytics:course", args=[course.pk])}"' in row


def test_last_activity_is_the_latest_enrollment_or_completion(instructor, taught):
    course, _ = taught
    latest = ModuleCompletion.objects.filter(course=course).latest("completed")
    [row] = [
        row
        for row in admin_dashboard.teaching_rows(instructor)[0]
        if row.course.pk == course.pk
    ]
    newest = max(
        Enrollment.objects.filter(course=course).latest("created").created,
        latest.completed,
    )
    assert row.last_activity == newest


def test_a_course_nobody_touched_says_so(client, instructor, course):
    row = row_of(panel_of(dashboard(client, instructor)), course)
    assert cell(row, "students") == "0"
    assert cell(row, "last-activity") == "none yet"


def test_team_assistant_sees_the_course_without_the_edit_link(client, course, taught):
    assistant = UserFactory(username="assistant")
    CourseMember.objects.create(
        course=course, user=assistant, role=CourseMember.ASSISTANT
    )
    row = row_of(panel_of(dashboard(client, assistant)), course)
    assert "assistant" in row
    assert reverse("wagtailadmin_pages:edit", args=[course.pk]) not in row
    assert f"?course={course.pk}" in row


def test_instructor_without_courses_is_told_how_to_start(client, other_instructor):
    panel = panel_of(dashboard(client, other_instructor))
    assert "You teach no course yet" in panel


def test_editor_who_teaches_nothing_gets_no_panel(client, db):
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    editor = UserFactory(username="editor")
    editor.groups.add(editors)
    assert panel_of(dashboard(client, editor)) == ""


def test_superuser_sees_the_most_recently_active_courses_with_a_note(
    client, superuser, taught, monkeypatch
):
    course, theirs = taught
    quiet = CoursePageFactory(parent=course.get_parent(), title="Quiet course")
    monkeypatch.setattr(admin_dashboard, "SUPERUSER_LIMIT", 2)
    panel = panel_of(dashboard(client, superuser))
    assert "The 2 most recently active of 3 courses" in panel
    assert f'data-course="{course.pk}"' in panel
    assert f'data-course="{theirs.pk}"' in panel
    assert f'data-course="{quiet.pk}"' not in panel


def test_superuser_sees_every_course_under_the_limit(client, superuser, taught):
    panel = panel_of(dashboard(client, superuser))
    assert "most recently active" not in panel
    for course in taught:
        assert f'data-course="{course.pk}"' in panel


def grow(instructor, subject, courses, students_each):
    first = CoursePage.objects.child_of(subject).count()
    for n in range(first, first + courses):
        course = CoursePageFactory(
            parent=subject, title=f"Course {n}", owner=instructor
        )
        for m in range(2):
            ModulePageFactory(parent=course, title=f"Module {m}")
        for s in range(students_each):
            enroll(course, f"c{course.pk}-s{s}", done=s % 3)


def test_dashboard_queries_do_not_grow_with_courses_and_students(
    client, instructor, catalog, django_assert_max_num_queries
):
    subject = SubjectPageFactory(parent=catalog, title="Many")
    client.force_login(instructor)
    url = reverse("wagtailadmin_home")
    budgets = []
    for courses, students in ((1, 1), (6, 5)):
        grow(instructor, subject, courses, students)
        client.get(url)
        with django_assert_max_num_queries(60) as captured:
            page = client.get(url).content.decode()
        assert page.count('class="teaching-course"') == (1 if courses == 1 else 7)
        budgets.append(len(captured.captured_queries))
    assert budgets[0] == budgets[1]


def test_panel_rows_cost_two_queries_at_any_size(
    instructor, catalog, django_assert_num_queries
):
    subject = SubjectPageFactory(parent=catalog, title="Many")
    for courses in (1, 8):
        grow(instructor, subject, courses, 4)
        admin_dashboard.teaching_rows(instructor)  # the team roles, once cached
        with django_assert_num_queries(2):
            rows, total = admin_dashboard.teaching_rows(instructor)
        assert total is None
    assert len(rows) == 9


# --- the page explorer --------------------------------------------------------


def test_explorer_shows_each_courses_owner(client, instructor, taught):
    course, theirs = taught
    instructor.first_name, instructor.last_name = "Irene", "Navarro"
    instructor.save()
    client.force_login(instructor)
    response = client.get(
        reverse("wagtailadmin_explore", args=[course.get_parent().pk])
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<th[^>]*>\s*(<a[^>]*>)?\s*Owner", page)
    assert "Irene Navarro" in page


def test_explorer_listing_of_courses_is_ours(db):
    """Wagtail uses a page type's PageViewSet for the children of a parent type
    that allows only that type: if this breaks, the owner column is gone."""
    assert isinstance(
        page_viewset_registry.get_by_parent_model(SubjectPage), CoursePageViewSet
    )


def test_explorer_owner_column_costs_no_query_per_course(
    client, superuser, catalog, django_assert_max_num_queries
):
    subject = SubjectPageFactory(parent=catalog, title="Many")
    client.force_login(superuser)
    url = reverse("wagtailadmin_explore", args=[subject.pk])
    budgets = []
    for n in (1, 8):
        for i in range(n - (1 if n == 8 else 0)):
            owner = UserFactory(username=f"owner-{n}-{i}")
            CoursePageFactory(parent=subject, title=f"C{n}-{i}", owner=owner)
        client.get(url)
        with django_assert_max_num_queries(80) as captured:
            page = client.get(url).content.decode()
        assert page.count("owner-") >= n
        budgets.append(len(captured.captured_queries))
    assert budgets[0] == budgets[1]


# --- the admin's name and avatars ---------------------------------------------


def test_dashboard_is_titled_with_the_products_name(client, instructor, taught):
    page = dashboard(client, instructor)
    heading = re.search(r'<h1 class="w-h1[^"]*">(.*?)</h1>', page, re.S).group(1)
    assert heading.strip() == "Educa"


ADMIN_PAGES = [
    lambda course: reverse("wagtailadmin_home"),
    lambda course: reverse("wagtailadmin_account"),
    lambda course: reverse("wagtailadmin_explore", args=[course.get_parent().pk]),
    lambda course: reverse("wagtailadmin_pages:edit", args=[course.pk]),
    lambda course: reverse("students:index"),
    lambda course: reverse(
        "students:progress",
        args=[course.pk, Enrollment.objects.filter(course=course).first().student_id],
    ),
]


@pytest.mark.parametrize("url_of", ADMIN_PAGES)
def test_no_admin_page_loads_avatars_from_gravatar(client, instructor, taught, url_of):
    course, _ = taught
    client.force_login(instructor)
    response = client.get(url_of(course))
    assert response.status_code == 200
    assert "gravatar" not in response.content.decode().lower()


# --- landing after the public login -------------------------------------------


def log_in(client, username, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": PASSWORD, **extra}
    )


def test_instructor_lands_on_their_teaching(client, instructor, course):
    response = log_in(client, "instructor")
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_course_team_member_lands_on_their_teaching(client, course):
    helper = UserFactory(username="helper")
    CourseMember.objects.create(course=course, user=helper, role=CourseMember.ASSISTANT)
    response = log_in(client, "helper")
    assert response["Location"] == reverse("wagtailadmin_home")


def test_enrolled_student_lands_on_my_courses(client, enrolled):
    response = log_in(client, "student")
    assert response["Location"] == reverse("student_course_list")


def test_student_with_no_course_lands_on_the_home_page(client, student):
    response = log_in(client, "student")
    assert response["Location"] == "/"


def test_an_explicit_next_wins(client, instructor, course):
    response = log_in(client, "instructor", next="/courses/")
    assert response["Location"] == "/courses/"


def test_a_foreign_next_is_ignored(client, instructor, course):
    response = log_in(client, "instructor", next="https://evil.example/")
    assert response["Location"] == reverse("wagtailadmin_home")


def test_lockout_still_answers_on_the_public_login(client, instructor, course):
    for _ in range(5):
        log_in(client, "instructor", password="wrong")
    response = client.post(
        reverse("login"), {"username": "instructor", "password": PASSWORD}
    )
    assert response.status_code == 429
