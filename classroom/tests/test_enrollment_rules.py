"""Enrollment rules (classroom.enrollment): modes, window, capacity, waitlist,
approval, key guessing, and what the site and the API say about each."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from classroom import enrollment
from classroom.models import Enrollment, EnrollmentSettings, WaitlistEntry
from demo.factories import UserFactory

NOW = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
PAST = NOW - timedelta(days=3650)
KEY = "open-sesame"  # noqa: S105 - a test key


def configure(course, **fields):
    key = fields.pop("key", None)
    settings = EnrollmentSettings(course=course, **fields)
    if key:
        enrollment.set_key(settings, key)
    settings.save()
    return settings


def students(n, prefix="s"):
    return [
        UserFactory(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com")
        for i in range(n)
    ]


# --- Modes ----------------------------------------------------------------------


def test_a_course_without_settings_is_open(course, student):
    assert enrollment.settings_of(course).pk is not None  # the course's own pk
    assert not EnrollmentSettings.objects.exists()
    assert enrollment.enroll(student, course).status == "enrolled"
    assert enrollment.enroll(student, course).status == "already"
    assert enrollment.seats_left(course) is None


def test_key_mode_takes_the_right_key_only(course, student):
    settings = configure(course, mode="key", key=KEY)
    assert KEY not in settings.key_hash

    assert enrollment.enroll(student, course).code == "key_needed"
    wrong = enrollment.enroll(student, course, key="open-sesamE")
    assert (wrong.status, wrong.code) == ("refused", "wrong_key")
    assert wrong.reason == enrollment.enroll(student, course, key="x").reason
    assert enrollment.enroll(student, course, key=KEY).status == "enrolled"


def test_an_overlong_key_is_refused_without_hashing(course, student):
    configure(course, mode="key", key=KEY)
    outcome = enrollment.enroll(student, course, key="k" * 10_000)
    assert outcome.code == "wrong_key"


def test_invitation_mode_refuses_but_admit_enrolls(course, student):
    configure(course, mode="invitation")
    outcome = enrollment.enroll(student, course)
    assert (outcome.status, outcome.code) == ("refused", "invitation")
    assert enrollment.admit(student, course).status == "enrolled"


def test_approval_mode_makes_a_request_the_staff_approve(course, student, instructor):
    configure(course, mode="approval")
    assert enrollment.enroll(student, course).status == "requested"
    assert enrollment.enroll(student, course).status == "requested"  # once
    entry = WaitlistEntry.objects.get()
    assert entry.kind == WaitlistEntry.REQUESTED
    assert not Enrollment.objects.exists()

    assert enrollment.approve(entry, by=instructor).status == "enrolled"
    assert Enrollment.objects.filter(student=student).exists()
    assert not WaitlistEntry.objects.exists()


def test_a_refused_request_is_gone(course, student, instructor):
    configure(course, mode="approval")
    enrollment.enroll(student, course)
    enrollment.refuse(WaitlistEntry.objects.get(), by=instructor)
    assert not WaitlistEntry.objects.exists() and not Enrollment.objects.exists()


def test_approving_into_a_full_course_waitlists(course, instructor):
    configure(course, mode="approval", capacity=1, waitlist=True)
    first, second = students(2)
    enrollment.admit(first, course)
    enrollment.enroll(second, course)
    outcome = enrollment.approve(WaitlistEntry.objects.get(), by=instructor)
    assert (outcome.status, outcome.position) == ("waitlisted", 1)


# --- Window ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "status", "code"),
    [
        (NOW - timedelta(microseconds=1), "refused", "not_open"),
        (NOW, "enrolled", ""),
        (NOW + timedelta(days=7) - timedelta(microseconds=1), "enrolled", ""),
        (NOW + timedelta(days=7), "refused", "closed"),
    ],
)
def test_window_edges(course, student, now, status, code):
    configure(course, opens=NOW, closes=NOW + timedelta(days=7))
    outcome = enrollment.enroll(student, course, now=now)
    assert (outcome.status, outcome.code) == (status, code)


def test_not_open_says_when(course, student):
    configure(course, opens=NOW)
    outcome = enrollment.enroll(student, course, now=NOW - timedelta(hours=1))
    assert outcome.reason == "Enrollment opens on 1 March 2030, 09:00 UTC."


def test_admit_skips_the_window_and_mode(course, student):
    configure(course, mode="key", key=KEY, closes=NOW)
    assert enrollment.admit(student, course, now=NOW).status == "enrolled"


# --- Capacity and waitlist -----------------------------------------------------


def test_full_without_waitlist_refuses(course):
    configure(course, capacity=2)
    a, b, c = students(3)
    assert enrollment.enroll(a, course).status == "enrolled"
    assert enrollment.seats_left(course) == 1
    assert enrollment.enroll(b, course).status == "enrolled"
    outcome = enrollment.enroll(c, course)
    assert (outcome.status, outcome.code) == ("refused", "full")
    assert enrollment.seats_left(course) == 0


def test_waitlist_positions_and_promotion_order(
    course, django_capture_on_commit_callbacks
):
    configure(course, capacity=2, waitlist=True)
    a, b, c, d, e = students(5)
    enrollment.enroll(a, course)
    enrollment.enroll(b, course)
    assert [enrollment.enroll(s, course).position for s in (c, d, e)] == [1, 2, 3]
    assert enrollment.enroll(d, course).position == 2  # asking again: no move
    assert enrollment.waitlist_position(e, course) == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert enrollment.leave(a, course)
    assert Enrollment.objects.filter(student=c, course=course).exists()
    assert enrollment.waitlist_position(d, course) == 1
    assert enrollment.waitlist_position(e, course) == 2
    assert [m.to for m in mail.outbox] == [["s2@example.com"]]
    assert "Algebra" in mail.outbox[0].subject

    # Leaving the waitlist moves those behind up; it gives no seat.
    assert enrollment.leave_waitlist(d, course)
    assert enrollment.waitlist_position(e, course) == 1
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.leave(b, course)
    assert Enrollment.objects.filter(student=e, course=course).exists()
    assert [m.to for m in mail.outbox][-1] == ["s4@example.com"]
    assert not WaitlistEntry.objects.exists()


def test_raising_the_capacity_gives_seats_in_order(
    course, django_capture_on_commit_callbacks
):
    configure(course, capacity=1, waitlist=True)
    a, b, c, d = students(4)
    for each in (a, b, c, d):
        enrollment.enroll(each, course)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.update_settings(course, capacity=3)
    enrolled = set(Enrollment.objects.values_list("student__username", flat=True))
    assert enrolled == {"s0", "s1", "s2"}
    assert enrollment.waitlist_position(d, course) == 1
    assert len(mail.outbox) == 2


def test_admit_beyond_capacity(course):
    configure(course, capacity=1)
    a, b = students(2)
    enrollment.enroll(a, course)
    assert enrollment.admit(b, course).code == "full"
    assert enrollment.admit(b, course, beyond_capacity=True).status == "enrolled"
    assert enrollment.seats_left(course) == 0


def test_ordinals():
    assert [enrollment.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "102nd",
    ]


# --- Key guessing ---------------------------------------------------------------


def test_five_wrong_keys_then_even_the_right_one_waits(course, student, outsider):
    configure(course, mode="key", key=KEY)
    for _ in range(enrollment.KEY_GUESSES):
        assert enrollment.enroll(student, course, key="guess").code == "wrong_key"
    outcome = enrollment.enroll(student, course, key=KEY)
    assert outcome.code == "throttled" and outcome.retry_after > 0
    # Counted per student: another student is not held back.
    assert enrollment.enroll(outsider, course, key=KEY).status == "enrolled"


def test_tries_sent_at_once_each_take_a_slot_before_their_key_is_checked(
    course, student
):
    """Parallel requests all read the count before any slow check ends: a count
    read then raised after a wrong key would let every one of them through."""
    configure(course, mode="key", key=KEY)
    for _ in range(enrollment.KEY_GUESSES):  # in flight: slots taken, not checked
        assert enrollment.take_key_guess(student, course) is None
    assert enrollment.enroll(student, course, key="guess").code == "throttled"


def test_a_right_key_takes_no_slot(course, student, outsider):
    configure(course, mode="key", key=KEY)
    for _ in range(enrollment.KEY_GUESSES - 1):
        enrollment.enroll(student, course, key="guess")
    assert enrollment.enroll(student, course, key=KEY).status == "enrolled"
    enrollment.leave(student, course)
    assert enrollment.enroll(student, course, key=KEY).status == "enrolled"


def test_key_guessing_answers_429_in_the_api(api, course, student):
    configure(course, mode="key", key=KEY)
    api.force_authenticate(student)
    url = f"/api/courses/{course.pk}/enroll/"
    for _ in range(enrollment.KEY_GUESSES):
        response = api.post(url, {"key": "guess"}, format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": "That key is not right."}
    response = api.post(url, {"key": KEY}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    cache.clear()
    assert api.post(url, {"key": KEY}, format="json").json() == {"enrolled": True}


def test_key_guessing_shows_a_form_error_on_the_site(client, course, student):
    configure(course, mode="key", key=KEY)
    client.force_login(student)
    enroll = reverse("student_enroll_course")
    response = client.post(enroll, {"course_id": course.pk, "key": "guess"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "That key is not right." in page and 'name="key"' in page
    assert "guess" not in page  # what was typed is not shown back
    for _ in range(enrollment.KEY_GUESSES - 1):
        client.post(enroll, {"course_id": course.pk, "key": "guess"})
    response = client.post(enroll, {"course_id": course.pk, "key": KEY})
    assert response.status_code == 429
    assert "Too many wrong keys" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_the_right_key_on_the_site_enrolls(client, course, student):
    configure(course, mode="key", key=KEY)
    client.force_login(student)
    response = client.post(
        reverse("student_enroll_course"), {"course_id": course.pk, "key": KEY}
    )
    assert response.status_code == 302
    assert Enrollment.objects.filter(student=student).exists()


# --- The API ---------------------------------------------------------------------


def test_api_answers_for_each_outcome(api, course):
    configure(course, capacity=1, waitlist=True)
    a, b, c = students(3)
    url = f"/api/courses/{course.pk}/enroll/"
    api.force_authenticate(a)
    assert api.post(url).json() == {"enrolled": True}
    assert api.post(url).status_code == 200
    api.force_authenticate(b)
    api.post(url)
    api.force_authenticate(c)
    response = api.post(url)
    assert response.status_code == 202
    assert response.json() == {"enrolled": False, "waitlisted": True, "position": 2}

    detail = api.get(f"/api/courses/{course.pk}/").json()["enrollment"]
    assert detail == {
        "mode": "open",
        "opens": None,
        "closes": None,
        "capacity": 1,
        "seats_left": 0,
        "waitlist": True,
    }
    api.force_authenticate(a)
    assert api.post(f"/api/courses/{course.pk}/leave/").json() == {"enrolled": False}
    assert Enrollment.objects.filter(student=b).exists()
    api.force_authenticate(c)
    assert api.post(url).json()["position"] == 1


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"mode": "invitation"}, "This course is by invitation only."),
        ({"capacity": 0}, "This course is full."),
        (
            {"closes": NOW - timedelta(days=3650)},
            "Enrollment in this course is closed.",
        ),
    ],
)
def test_api_refusals_say_why(api, course, student, fields, detail):
    configure(course, **fields)
    api.force_authenticate(student)
    response = api.post(f"/api/courses/{course.pk}/enroll/")
    assert response.status_code == 403
    assert response.json() == {"detail": detail}


def test_api_approval_request_is_202(api, course, student):
    configure(course, mode="approval")
    api.force_authenticate(student)
    response = api.post(f"/api/courses/{course.pk}/enroll/")
    assert response.status_code == 202
    assert response.json() == {"enrolled": False, "requested": True}


@pytest.mark.parametrize("body", [[1, 2], {"key": ["a"]}, {"key": "k" * 201}, "x"])
def test_api_bad_bodies_are_400(api, course, student, body):
    api.force_authenticate(student)
    response = api.post(f"/api/courses/{course.pk}/enroll/", body, format="json")
    assert response.status_code == 400


def test_course_detail_shows_seats_at_once(api, course, student):
    configure(course, capacity=3)
    url = f"/api/courses/{course.pk}/"
    assert api.get(url).json()["enrollment"]["seats_left"] == 3
    enrollment.enroll(student, course)
    assert api.get(url).json()["enrollment"]["seats_left"] == 2
    enrollment.update_settings(course, capacity=10)
    assert api.get(url).json()["enrollment"]["capacity"] == 10


def test_roster_for_staff_only(api, course, enrolled, instructor, outsider):
    url = f"/api/courses/{course.pk}/students/"
    api.force_authenticate(instructor)
    response = api.get(url)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    (row,) = data["results"]
    assert row["student"]["username"] == "student"
    assert row["progress"] == {"done": 0, "total": 2, "percent": 0}
    api.force_authenticate(enrolled)
    assert api.get(url).status_code == 403
    api.force_authenticate(None)
    assert api.get(url).status_code == 403


# --- The course page ---------------------------------------------------------------


def page_of(client, course, user):
    client.force_login(user)
    return client.get(course.url).content.decode()


def test_page_open_with_seats_left(client, course, student):
    configure(course, capacity=5)
    page = page_of(client, course, student)
    assert "5 seats left." in page and ">Enroll</button>" in page


def test_page_join_the_waitlist_then_place(client, course):
    configure(course, capacity=1, waitlist=True)
    a, b, c, d = students(4)
    enrollment.enroll(a, course)
    enrollment.enroll(b, course)
    enrollment.enroll(c, course)
    page = page_of(client, course, d)
    assert "This course is full." in page
    assert "Join the waitlist (you would be 3rd)" in page
    page = page_of(client, course, c)
    assert "You are 2nd on the waitlist." in page and "Leave the waitlist" in page

    client.post(reverse("student_leave_waitlist"), {"course_id": course.pk})
    assert enrollment.waitlist_position(c, course) is None
    page = page_of(client, course, d)
    assert "Join the waitlist (you would be 2nd)" in page


def test_page_joining_the_waitlist_from_the_site(client, course):
    configure(course, capacity=1, waitlist=True)
    a, b = students(2)
    enrollment.enroll(a, course)
    client.force_login(b)
    response = client.post(
        reverse("student_enroll_course"), {"course_id": course.pk}, follow=True
    )
    assert "you are 1st on its waitlist" in response.content.decode()
    assert "You are 1st on the waitlist." in response.content.decode()


def test_page_not_open_yet(client, course, student):
    opens = timezone.now() + timedelta(days=3)
    configure(course, opens=opens)
    page = page_of(client, course, student)
    assert f"Enrollment opens on {opens:%-d %B %Y, %H:%M} UTC." in page
    assert ">Enroll</button>" not in page


def test_page_closed(client, course, student):
    configure(course, closes=timezone.now() - timedelta(minutes=1))
    page = page_of(client, course, student)
    assert "Enrollment in this course is closed." in page
    assert ">Enroll</button>" not in page


def test_page_asks_for_the_key(client, course, student):
    configure(course, mode="key", key=KEY)
    page = page_of(client, course, student)
    assert "Enter the key your instructor gave you to enroll." in page
    assert 'name="key"' in page and "csrfmiddlewaretoken" in page


def test_page_request_sent(client, course, student):
    configure(course, mode="approval")
    assert "Ask to enroll" in page_of(client, course, student)
    enrollment.enroll(student, course)
    page = page_of(client, course, student)
    assert "Your request to enroll was sent." in page
    assert "Withdraw my request" in page


def test_page_invitation_and_full(client, course, student):
    configure(course, mode="invitation")
    assert "This course is by invitation only." in page_of(client, course, student)
    enrollment.update_settings(course, mode="open", capacity=0)
    page = page_of(client, course, student)
    assert "This course is full." in page and ">Enroll</button>" not in page


def test_page_changes_when_a_seat_frees(client, course):
    configure(course, capacity=1)
    a, b = students(2)
    enrollment.enroll(a, course)
    assert "This course is full." in page_of(client, course, b)
    enrollment.leave(a, course)
    assert "1 seat left." in page_of(client, course, b)


# --- Admin -------------------------------------------------------------------------


def test_admin_settings_store_the_key_hashed(
    client, course, instructor, other_instructor
):
    client.force_login(instructor)
    url = reverse("classroom_enrollment:course", args=[course.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"mode": "key", "key": KEY, "capacity": "2", "waitlist": "on"}
    )
    assert response.status_code == 302
    settings = EnrollmentSettings.objects.get(course=course)
    assert settings.mode == "key" and settings.capacity == 2
    assert KEY not in client.get(url).content.decode()
    assert enrollment.key_matches(settings, KEY)
    client.force_login(other_instructor)
    assert client.get(url).status_code == 403
    assert client.post(url, {"mode": "open"}).status_code == 403


def test_admin_approves_and_removes(client, course, instructor):
    configure(course, mode="approval", capacity=1, waitlist=True)
    a, b = students(2)
    enrollment.enroll(a, course)
    enrollment.enroll(b, course)
    client.force_login(instructor)
    entry = WaitlistEntry.objects.get(student=a)
    client.post(reverse("classroom_enrollment:approve", args=[course.pk, entry.pk]))
    assert Enrollment.objects.filter(student=a).exists()
    entry = WaitlistEntry.objects.get(student=b)
    client.post(reverse("classroom_enrollment:approve", args=[course.pk, entry.pk]))
    assert WaitlistEntry.objects.get(student=b).kind == WaitlistEntry.WAITING
    client.post(reverse("classroom_enrollment:remove", args=[course.pk, entry.pk]))
    assert not WaitlistEntry.objects.exists()


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/students/enroll-course/", "course_id"),
        ("/students/leave-course/", "course_id"),
        ("/students/leave-waitlist/", "course_id"),
        ("/students/module-done/", "module_id"),
    ],
)
def test_an_id_no_database_holds_is_a_form_error(client, student, url, field):
    client.force_login(student)
    response = client.post(url, {field: "9" * 30})
    assert response.status_code == 400
