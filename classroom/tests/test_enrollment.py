"""Enrolling in a course, leaving it, and what the course page offers each visitor."""

import pytest
from django.test import Client
from django.urls import reverse

from classroom.models import Enrollment
from demo.factories import CoursePageFactory

ENROLL = "/students/enroll-course/"


def test_enroll_url_is_the_documented_one():
    assert reverse("student_enroll_course") == ENROLL


def test_enrolling_creates_one_enrollment(client, student, course):
    client.force_login(student)
    response = client.post(ENROLL, {"course_id": course.pk})
    assert response.status_code == 302
    assert response["Location"] == course.url
    assert Enrollment.objects.filter(student=student, course=course).count() == 1


def test_enrolling_twice_is_a_no_op(client, student, course):
    client.force_login(student)
    client.post(ENROLL, {"course_id": course.pk})
    first = Enrollment.objects.get(student=student, course=course)
    response = client.post(ENROLL, {"course_id": course.pk})
    assert response.status_code == 302
    assert list(Enrollment.objects.filter(student=student)) == [first]


def test_enrolling_needs_a_csrf_token(student, course):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    response = client.post(ENROLL, {"course_id": course.pk})
    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_enrolling_with_the_pages_csrf_token_works(student, course):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    client.get(course.url)  # sets the CSRF cookie through the enroll form
    token = client.cookies["csrftoken"].value
    response = client.post(
        ENROLL, {"course_id": course.pk, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Enrollment.objects.filter(student=student, course=course).exists()


def test_visitor_must_log_in_to_enroll(client, course):
    response = client.post(ENROLL, {"course_id": course.pk})
    assert response["Location"].startswith(reverse("login"))
    assert not Enrollment.objects.exists()


def test_enroll_is_post_only(client, student, course):
    client.force_login(student)
    assert client.get(ENROLL, {"course_id": course.pk}).status_code == 405


@pytest.mark.parametrize("course_id", ["", "abc", "999999"])
def test_enrolling_in_no_course_is_a_400_with_a_reason(
    client, student, course, course_id
):
    client.force_login(student)
    response = client.post(ENROLL, {"course_id": course_id})
    assert response.status_code == 400
    assert b"We could not do that" in response.content
    assert not Enrollment.objects.exists()


def test_a_draft_course_cannot_be_enrolled_in(client, student, course):
    draft = CoursePageFactory(parent=course.get_parent(), title="Draft", live=False)
    client.force_login(student)
    response = client.post(ENROLL, {"course_id": draft.pk})
    assert response.status_code == 400
    assert b"does not exist" in response.content


def test_leaving_a_course(client, enrolled, course):
    client.force_login(enrolled)
    response = client.post(reverse("student_leave_course"), {"course_id": course.pk})
    assert response["Location"] == course.url
    assert not Enrollment.objects.exists()
    # Leaving twice is harmless too.
    client.post(reverse("student_leave_course"), {"course_id": course.pk})
    assert not Enrollment.objects.exists()


def test_leaving_needs_a_csrf_token(enrolled, course):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    client.post(reverse("student_leave_course"), {"course_id": course.pk})
    assert Enrollment.objects.filter(student=enrolled).exists()


def test_course_page_asks_a_visitor_to_register(client, course):
    page = client.get(course.url).content.decode()
    assert "Register to enroll" in page
    assert f"{reverse('student_registration')}?next={course.url}" in page.replace(
        "%2F", "/"
    )
    assert ">Enroll<" not in page


def test_course_page_offers_enroll_to_a_student(client, student, course):
    client.force_login(student)
    page = client.get(course.url).content.decode()
    assert ">Enroll</button>" in page
    assert f'value="{course.pk}"' in page
    assert "Register to enroll" not in page and ">Continue<" not in page


def test_course_page_offers_continue_to_an_enrolled_student(client, enrolled, course):
    client.force_login(enrolled)
    page = client.get(course.url).content.decode()
    assert ">Continue</a>" in page
    assert reverse("student_course_detail", args=[course.pk]) in page
    assert ">Enroll</button>" not in page
    assert "Leave this course" in page
    assert "0 of 2 modules done" in page


def test_course_page_tells_the_owner_they_teach_it(client, instructor, course):
    client.force_login(instructor)
    page = client.get(course.url).content.decode()
    assert "You teach this course." in page
    assert ">Enroll</button>" not in page


def test_an_enrollment_is_not_a_use_of_its_course(client, student, course):
    """Wagtail's reference index lists what uses a page (the admin's "Usage"):
    enrollments are not content, and indexing each would cost every enrollment."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    reverse("wagtailadmin_home")  # the admin's viewsets register their models
    client.force_login(student)
    client.post(ENROLL, {"course_id": course.pk})

    enrollments = ContentType.objects.get_for_model(Enrollment)
    assert Enrollment.objects.filter(student=student, course=course).exists()
    assert not ReferenceIndex.objects.filter(content_type=enrollments).exists()
