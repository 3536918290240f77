# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""A student finds a course full, joins its waitlist, and is enrolled (and told by
email) when a seat frees; the pages on the way pass axe-core's audit."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from classroom import enrollment
from classroom.models import Enrollment, EnrollmentSettings
from demo.factories import UserFactory
from tests.browser.sessions import log_in

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_student_joins_the_waitlist_and_gets_the_seat_that_frees(
    page, live_server, course, student
):
    EnrollmentSettings.objects.create(course=course, capacity=1, waitlist=True)
    first = UserFactory(username="first-in")
    assert enrollment.enroll(first, course).status == "enrolled"

    log_in(page, live_server, student)
    page.goto(live_server.url + course.url)
    expect(page.get_by_text("This course is full.")).to_be_visible()
    page.get_by_role("button", name="Join the waitlist (you would be 1st)").click()
    expect(page.get_by_text("You are 1st on the waitlist.")).to_be_visible()
    assert not Enrollment.objects.filter(student=student).exists()

    mail.outbox.clear()
    enrollment.leave(first, course)  # the seat frees: the first waiting gets it
    assert Enrollment.objects.filter(student=student, course=course).exists()
    assert [message.to for message in mail.outbox] == [[student.email]]

    page.reload()
    expect(page.get_by_role("link", name="Leave this course")).to_be_visible()
    expect(page.get_by_text("on the waitlist")).to_have_count(0)
