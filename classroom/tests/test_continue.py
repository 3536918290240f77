# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""Students pick up where they left off: "Continue: <module>" on the home page and
My courses, "Mark as done" moving on, leaving a course only once confirmed."""

import functools
import re
from datetime import timedelta

import pytest
import wagtail_factories
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classroom.models import Enrollment, EnrollmentSettings, ModuleCompletion
from classroom.progress import Progress, studies_of
from classroom.templatetags.study_tags import ago
from demo.factories import CoursePageFactory, ModulePageFactory, UserFactory
from learning.models import CoursePage, HomePage
from sitecache import shells

MY_COURSES = reverse("student_course_list")
HOME = "/"
TICK = '<span class="module-done-tick">'


def modules_of(course):
    return list(course.modules())


def mark_done(student, module, when=None):
    completion = ModuleCompletion.objects.create(
        student=student, module=module, course=module.get_parent().specific
    )
    if when is not None:
        ModuleCompletion.objects.filter(pk=completion.pk).update(completed=when)


def enrolled_since(student, course, when):
    Enrollment.objects.filter(student=student, course=course).update(created=when)


def login(user):
    client = Client()
    client.force_login(user)
    return client


def html_of(client, url):
    """The page's HTML, no-break spaces (as in "3\u00a0days") made plain."""
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode().replace("\xa0", " ")


def section(html, title):
    """The HTML of the <section> headed `title` ("" when there is none)."""
    match = re.search(
        rf"<section[^>]*>\s*<h2[^>]*>{re.escape(title)}</h2>(.*?)</section>",
        html,
        re.S,
    )
    return match[1] if match else ""


def continue_link(module):
    return f'href="{module.url}">Continue: {module.title}</a>'


def mark(client, module, done=True):
    return client.post(
        reverse("student_module_done"),
        {"module_id": module.pk, "done": "true" if done else "false"},
    )


# --- Where to continue -----------------------------------------------------------


@pytest.mark.parametrize("url", [MY_COURSES, HOME])
def test_each_course_in_progress_links_straight_to_its_next_module(
    enrolled, course, url
):
    first, second = modules_of(course)
    client = login(enrolled)
    assert continue_link(first) in html_of(client, url)
    mark_done(enrolled, first)
    page = html_of(client, url)
    assert continue_link(second) in page
    assert continue_link(first) not in page


def test_the_next_module_is_the_first_not_done_in_course_order(enrolled, course):
    first, second = modules_of(course)
    third = ModulePageFactory(parent=course, title="Systems")
    mark_done(enrolled, second)
    assert studies_of(enrolled)[0].next_module == first
    mark_done(enrolled, first)
    assert studies_of(enrolled)[0].next_module == third


@pytest.mark.parametrize("url", [MY_COURSES, HOME])
def test_a_course_shows_its_progress_with_accessible_text(enrolled, course, url):
    mark_done(enrolled, modules_of(course)[0])
    page = html_of(login(enrolled), url)
    assert (
        '<progress value="1" max="2" aria-label="Progress in Algebra">50%</progress>'
        in page
    )
    assert "1 of 2 modules done (50%)" in page


@pytest.mark.parametrize("url", [MY_COURSES, HOME])
def test_last_activity_is_the_latest_of_enrollment_and_completions(
    enrolled, course, url
):
    now = timezone.now()
    enrolled_since(enrolled, course, now - timedelta(days=5))
    client = login(enrolled)
    assert "Last activity <time" in html_of(client, url)
    assert re.search(r">5 days ago</time>", html_of(client, url))
    mark_done(enrolled, modules_of(course)[0], when=now - timedelta(days=3, hours=2))
    page = html_of(client, url)
    assert re.search(r"Last activity <time datetime=\"[^\"]+\"[^>]*>3 days ago<", page)
    assert "5 days ago" not in page


def test_courses_are_listed_most_recently_active_first(student, course):
    geometry = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    angles = ModulePageFactory(parent=geometry, title="Angles")
    ModulePageFactory(parent=geometry, title="Triangles")
    now = timezone.now()
    Enrollment.objects.create(student=student, course=geometry)
    Enrollment.objects.create(student=student, course=course)
    enrolled_since(student, geometry, now - timedelta(days=9))
    enrolled_since(student, course, now - timedelta(days=5))
    assert [s.course.title for s in studies_of(student)] == ["Algebra", "Geometry"]
    mark_done(student, angles, when=now - timedelta(days=1))
    assert [s.course.title for s in studies_of(student)] == ["Geometry", "Algebra"]


@pytest.mark.parametrize("url", [MY_COURSES, HOME])
def test_completed_courses_are_listed_apart(enrolled, course, url):
    geometry = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    only = ModulePageFactory(parent=geometry, title="Angles")
    Enrollment.objects.create(student=enrolled, course=geometry)
    mark_done(enrolled, only)
    page = html_of(login(enrolled), url)
    completed = section(page, "Completed")
    in_progress = section(
        page, "In progress" if url == MY_COURSES else "Continue learning"
    )
    assert "Geometry" in completed and "Algebra" not in completed
    assert "Algebra" in in_progress and "Geometry" not in in_progress
    assert "Continue: Angles" not in page
    assert f'href="{reverse("student_course_detail", args=[geometry.pk])}"' in completed


def test_a_course_without_published_modules_says_so(student, course):
    empty = CoursePageFactory(parent=course.get_parent(), title="Topology")
    Enrollment.objects.create(student=student, course=empty)
    [study] = studies_of(student)
    assert (study.next_module, study.progress) == (None, Progress(0, 0))
    assert "No modules published yet." in html_of(login(student), MY_COURSES)


def test_the_cover_image_has_real_alt_text(enrolled, course):
    course.image = wagtail_factories.ImageFactory(title="IMG_2041.jpg")
    course.cover_alt = "A balance scale with x on one side"
    course.save_revision().publish()
    for url in (MY_COURSES, HOME):
        cover = re.search(
            r'<img[^>]*class="study-cover"[^>]*>', html_of(login(enrolled), url)
        )[0]
        assert 'alt="A balance scale with x on one side"' in cover
    # A course saved before it had alt text is named by its title.
    CoursePage.objects.filter(pk=course.pk).update(cover_alt="")
    for url in (MY_COURSES, HOME):
        cover = re.search(
            r'<img[^>]*class="study-cover"[^>]*>', html_of(login(enrolled), url)
        )[0]
        assert 'alt="Algebra"' in cover and "IMG_2041" not in cover


def test_visitors_see_the_home_page_as_before(course, enrolled):
    page = html_of(Client(), HOME)
    assert "Continue learning" not in page and "Continue:" not in page
    # A visitor's cached copy never carries a student's part, nor the reverse.
    assert "Continue: Equations" in html_of(login(enrolled), HOME)
    assert "Continue:" not in html_of(Client(), HOME)


def test_each_student_sees_their_own_courses_on_the_shared_home_page(course, enrolled):
    other = UserFactory(username="another-student")
    geometry = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    ModulePageFactory(parent=geometry, title="Angles")
    Enrollment.objects.create(student=other, course=geometry)
    mine, theirs = html_of(login(enrolled), HOME), html_of(login(other), HOME)
    assert "Continue: Equations" in mine and "Continue: Angles" not in mine
    assert "Continue: Angles" in theirs and "Continue: Equations" not in theirs
    nobody = UserFactory(username="not-enrolled-anywhere")
    assert "Continue learning" not in html_of(login(nobody), HOME)


def test_the_home_part_renders_from_a_shell_with_only_the_request(rf, course, enrolled):
    # What a shell's fill gives a part: the request's context and the page.
    assert shells.slot_parts("home-studies") == (
        "classroom/includes/home_studies.html",
    )
    shell = {
        "html": "<main>" + shells.Recording.marker_for("n", 0) + "</main>",
        "nonce": "n",
        "parts": ["classroom/includes/home_studies.html"],
    }
    request = rf.get(HOME)
    request.user = enrolled
    html = shells.fill(shell, request, {"page": HomePage.objects.get()})
    assert continue_link(modules_of(course)[0]) in html
    request.user = AnonymousUser()
    assert shells.fill(shell, request, {}).replace("\n", "").strip() == "<main></main>"


def build_courses(student, subject, first, count):
    for n in range(first, first + count):
        course = CoursePageFactory(
            parent=subject,
            title=f"Course {n}",
            image=wagtail_factories.ImageFactory(title=f"Cover {n}"),
        )
        start = ModulePageFactory(parent=course, title=f"Module {n}a")
        end = ModulePageFactory(parent=course, title=f"Module {n}b")
        Enrollment.objects.create(student=student, course=course)
        if n % 3 == 0:  # completed
            mark_done(student, start)
            mark_done(student, end)
        elif n % 2:
            mark_done(student, start)


def queries_for(client, url, within):
    """The queries of a warm request (renditions made, site root paths cached),
    inside the `within` budget."""
    client.get(url)
    with within() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


# The whole page's budget; the courses' part of it is 4 queries (studies_of).
@pytest.mark.parametrize(("url", "budget"), [(MY_COURSES, 5), (HOME, 8)])
def test_query_count_does_not_grow_with_the_courses(
    student, course, url, budget, django_assert_max_num_queries
):
    subject = course.get_parent()
    client = login(student)
    within = functools.partial(django_assert_max_num_queries, budget)
    build_courses(student, subject, 0, 2)
    small, page = queries_for(client, url, within)
    assert page.count('class="enrolled-course"') == 2
    build_courses(student, subject, 2, 12)
    large, page = queries_for(client, url, within)
    assert page.count('class="enrolled-course"') == 14
    assert page.count("Continue: ") == 14 - 5  # 0, 3, 6, 9 and 12 are completed
    assert small == large


def test_ago_says_the_largest_unit():
    now = timezone.now()

    def said(delta):
        return ago(now - delta, now).replace("\xa0", " ")

    assert said(timedelta(seconds=20)) == "just now"
    assert said(timedelta(minutes=5, seconds=3)) == "5 minutes ago"
    assert said(timedelta(days=3, hours=7)) == "3 days ago"
    assert said(timedelta(days=40)) == "1 month ago"
    assert ago(None) == ""


# --- Ticks in the sidebar and the outline ---------------------------------------


def test_done_modules_are_ticked_in_the_sidebar_and_the_outline(enrolled, course):
    first, second = modules_of(course)
    client = login(enrolled)
    mark(client, first)
    for url in (second.url, course.url):
        page = html_of(client, url)
        assert f">{first.title}{TICK}" in page
        assert f">{second.title}{TICK}" not in page


# --- Mark as done moves on -------------------------------------------------------


def test_mark_as_done_moves_on_to_the_next_module(enrolled, course):
    first, second = modules_of(course)
    response = mark(login(enrolled), first)
    assert response.status_code == 302
    assert response["Location"] == second.url


def test_mark_as_not_done_stays_on_the_module(enrolled, course):
    first, _ = modules_of(course)
    client = login(enrolled)
    mark(client, first)
    response = mark(client, first, done=False)
    assert response["Location"] == first.url
    assert not ModuleCompletion.objects.exists()


def test_the_last_module_goes_back_to_the_course_saying_what_is_left(enrolled, course):
    _, second = modules_of(course)
    client = login(enrolled)
    response = client.post(
        reverse("student_module_done"),
        {"module_id": second.pk, "done": "true"},
        follow=True,
    )
    assert response.redirect_chain == [(course.url, 302)]
    page = response.content.decode()
    assert "That was the last module of Algebra. 1 module still to do" in page
    assert "you completed" not in page


def test_completing_the_course_goes_to_the_course_page_with_a_message(enrolled, course):
    first, second = modules_of(course)
    mark_done(enrolled, second)
    # The course is complete once the first is done too, though it is not the last.
    response = login(enrolled).post(
        reverse("student_module_done"),
        {"module_id": first.pk, "done": "true"},
        follow=True,
    )
    assert response.redirect_chain == [(course.url, 302)]
    page = response.content.decode()
    assert "Well done: you completed Algebra!" in page
    assert "Completed</strong>" in page


# --- Leaving asks first ------------------------------------------------------------


def leave_url(course):
    return reverse("student_leave_course_confirm", args=[course.pk])


def test_the_course_page_leave_button_goes_to_the_confirmation(enrolled, course):
    page = html_of(login(enrolled), course.url)
    assert f'href="{leave_url(course)}">Leave this course</a>' in page
    # No form on the course page leaves at once.
    assert f'action="{reverse("student_leave_course")}"' not in page


def test_the_confirmation_names_the_course_and_keeps_progress(enrolled, course):
    mark_done(enrolled, modules_of(course)[0])
    client = login(enrolled)
    page = html_of(client, leave_url(course))
    assert "<h1>Leave Algebra?</h1>" in page
    assert "You have done 1 of 2 modules of this course." in page
    assert "Your progress is kept: if you enroll again" in page
    assert f'action="{reverse("student_leave_course")}"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    # Looking at it leaves nothing.
    assert Enrollment.objects.filter(student=enrolled, course=course).exists()


def test_leaving_keeps_progress_for_enrolling_again(enrolled, course):
    first, _ = modules_of(course)
    mark_done(enrolled, first)
    client = login(enrolled)
    response = client.post(reverse("student_leave_course"), {"course_id": course.pk})
    assert response["Location"] == course.url
    assert not Enrollment.objects.filter(student=enrolled, course=course).exists()
    assert ModuleCompletion.objects.filter(student=enrolled, module=first).exists()
    client.post(reverse("student_enroll_course"), {"course_id": course.pk})
    assert studies_of(enrolled)[0].progress == Progress(1, 2)


def test_leaving_needs_a_csrf_token(enrolled, course):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    response = client.post(reverse("student_leave_course"), {"course_id": course.pk})
    assert response.status_code == 403
    assert Enrollment.objects.filter(student=enrolled, course=course).exists()


def test_the_confirmation_says_what_coming_back_would_take(enrolled, course):
    EnrollmentSettings.objects.create(
        course=course, mode=EnrollmentSettings.INVITATION, capacity=30
    )
    page = html_of(login(enrolled), leave_url(course))
    assert "by invitation only" in page
    assert "limited number of seats" in page


def test_the_confirmation_of_a_course_you_are_not_in(outsider, course):
    response = login(outsider).get(leave_url(course), follow=True)
    assert response.redirect_chain == [(course.url, 302)]
    assert "You are not enrolled in Algebra." in response.content.decode()


def test_the_confirmation_needs_a_login_and_a_live_course(enrolled, course):
    response = Client().get(leave_url(course))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    course.unpublish()
    assert login(enrolled).get(leave_url(course)).status_code == 404
    assert login(enrolled).get("/students/leave-course/9999999/").status_code == 404


# --- Opening a module of a course you are not in ---------------------------------


def test_opening_a_module_of_a_course_you_are_not_in_says_why(outsider, course):
    first, _ = modules_of(course)
    response = login(outsider).get(first.url, follow=True)
    assert response.redirect_chain == [(course.url, 302)]
    assert "Enroll in this course to open its modules." in response.content.decode()
