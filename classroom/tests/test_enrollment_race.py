"""50 students enroll at once into a course with 10 seats and a waitlist: exactly
10 get a seat and 40 wait, in the order they got the lock. On PostgreSQL the lock
is the course's settings row (`select_for_update`); the race is run there: on
SQLite (the embedded default) the test runs itself again on the PostgreSQL server
of this machine, since the in-memory test database answers a busy lock with an
error where a file database waits."""

import threading

import pytest
from django.conf import settings
from django.db import connections

from classroom import enrollment
from classroom.models import Enrollment, EnrollmentSettings, WaitlistEntry
from demo.factories import UserFactory
from tests.postgres_rerun import run_again_on_postgresql

pytestmark = [
    # Threads commit for real; the migrations' rows come back afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SEATS = 10
STUDENTS = 50


@pytest.mark.postgres_rerun
def test_fifty_at_once_into_ten_seats(request):
    if settings.USING_POSTGRES:
        race(request.getfixturevalue("course"))
    else:
        assert run_again_on_postgresql(__file__).startswith("1 passed")


def race(course):
    EnrollmentSettings.objects.create(course=course, capacity=SEATS, waitlist=True)
    people = [UserFactory(username=f"racer{i}") for i in range(STUDENTS)]
    start = threading.Barrier(STUDENTS)
    outcomes = {}
    errors = []

    def run(student):
        try:
            start.wait()
            outcomes[student.pk] = enrollment.enroll(student, course)
        except Exception as error:  # reported below, with the thread's own error
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(each,)) for each in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors
    assert len(outcomes) == STUDENTS
    statuses = [outcome.status for outcome in outcomes.values()]
    assert statuses.count("enrolled") == SEATS
    assert statuses.count("waitlisted") == STUDENTS - SEATS
    assert Enrollment.objects.filter(course=course).count() == SEATS
    waiting = list(
        WaitlistEntry.objects.filter(course=course).order_by("created", "pk")
    )
    assert len(waiting) == STUDENTS - SEATS
    # Arrival order: each was told the place the table gives them.
    assert [outcomes[entry.student_id].position for entry in waiting] == list(
        range(1, STUDENTS - SEATS + 1)
    )
    assert enrollment.seats_left(course) == 0
