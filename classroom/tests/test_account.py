"""The account page (/account/): details, password, courses, data, deletion."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client

from classroom import account, enrollment
from classroom.models import (
    Enrollment,
    EnrollmentSettings,
    ModuleCompletion,
    WaitlistEntry,
)
from demo.factories import CoursePageFactory, ModulePageFactory, UserFactory

PASSWORD = "pass-word-123"  # noqa: S105 - demo.factories.UserFactory's
User = get_user_model()


@pytest.fixture
def logged_in(client, student):
    client.force_login(student)
    return client


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def courses(subject_parent, owner, count, modules=2):
    """`count` published courses under `subject_parent`, each with `modules`."""
    made = []
    for _ in range(count):
        course = CoursePageFactory(parent=subject_parent, owner=owner)
        for _ in range(modules):
            ModulePageFactory(parent=course)
        made.append(course)
    return made


# --- The page --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/account/", "/account/data/", "/account/delete/"])
def test_visitor_is_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_page_is_private_and_never_stored(logged_in):
    response = logged_in.get("/account/")
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_header_username_links_to_the_account_page(logged_in):
    html = logged_in.get("/account/").content.decode()
    assert 'class="username" href="/account/"' in html


def test_courses_taken_show_progress_and_completed_apart(logged_in, student, course):
    second = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=course.owner
    )
    only = ModulePageFactory(parent=second, title="Angles")
    Enrollment.objects.create(student=student, course=course)
    Enrollment.objects.create(student=student, course=second)
    first_module = course.modules()[0]
    ModuleCompletion.objects.create(student=student, module=first_module, course=course)
    ModuleCompletion.objects.create(student=student, module=only, course=second)

    response = logged_in.get("/account/")

    in_progress = response.context["in_progress"]
    completed = response.context["completed"]
    assert [(c.title, p.done, p.total) for c, p in in_progress] == [("Algebra", 1, 2)]
    assert [(c.title, p.completed) for c, p in completed] == [("Geometry", True)]
    html = response.content.decode()
    assert f'href="{course.url}"' in html
    assert "1 of 2 modules done (50%)" in html
    assert "Completed" in html


@pytest.mark.parametrize("size", [1, 6])
def test_page_costs_the_same_queries_whatever_the_courses(
    logged_in, student, catalog, instructor, size, django_assert_max_num_queries
):
    for course in courses(catalog, instructor, size):
        Enrollment.objects.create(student=student, course=course)
    logged_in.get("/account/")  # warm: site, routes
    with django_assert_max_num_queries(3):
        response = logged_in.get("/account/")
    assert len(response.context["in_progress"]) == size


# --- Name and email --------------------------------------------------------------


def test_name_and_email_are_saved(logged_in, student):
    response = logged_in.post(
        "/account/",
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert messages_of(response) == ["Your details were saved."]
    student.refresh_from_db()
    assert (student.first_name, student.last_name, student.email) == (
        "Ada",
        "Lovelace",
        "ada@example.org",
    )


def test_keeping_ones_own_email_is_fine(logged_in, student):
    data = {"first_name": "", "last_name": "", "email": student.email.upper()}
    assert logged_in.post("/account/", data).status_code == 302


@pytest.mark.parametrize(
    "email, error",
    [
        ("OUTSIDER@example.com", "An account with this email already exists."),
        ("not an email", "Enter a valid email address."),
        ("", "This field is required."),
        # Longer than the column holds: a form error, not a failed save.
        (
            "a" * 190 + "@" + "b" * 60 + ".com",
            "Ensure this value has at most 254 characters (it has 255).",
        ),
    ],
)
def test_bad_email_is_a_form_error(logged_in, student, outsider, email, error):
    response = logged_in.post(
        "/account/", {"first_name": "X", "last_name": "Y", "email": email}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [error]
    student.refresh_from_db()
    assert student.email == "student@example.com"
    assert student.first_name == ""


def test_forms_need_the_csrf_token(student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    data = {"first_name": "A", "last_name": "B", "email": "a@example.org"}
    assert client.post("/account/", data).status_code == 403
    assert client.post("/account/delete/", {"password": PASSWORD}).status_code == 403
    assert User.objects.filter(pk=student.pk).exists()


# --- Password --------------------------------------------------------------------


def test_password_change_form_comes_back_to_the_account_page(logged_in, student):
    page = logged_in.get("/accounts/password_change/").content.decode()
    assert 'action="/account/password/"' in page

    response = logged_in.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert messages_of(response) == ["Your password was changed."]
    student.refresh_from_db()
    assert student.check_password("a brand new passphrase")
    # This session stays logged in.
    assert logged_in.get("/account/").status_code == 200


def test_wrong_old_password_is_a_form_error(logged_in, student):
    response = logged_in.post(
        "/account/password/",
        {
            "old_password": "not it",
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    student.refresh_from_db()
    assert student.check_password(PASSWORD)


# --- Download my data ------------------------------------------------------------


def test_data_is_a_json_attachment_without_the_password(logged_in, student, course):
    Enrollment.objects.create(student=student, course=course)
    module = course.modules()[0]
    ModuleCompletion.objects.create(student=student, module=module, course=course)
    other = CoursePageFactory(parent=course.get_parent(), owner=course.owner)
    WaitlistEntry.objects.create(student=student, course=other)

    response = logged_in.get("/account/data/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="educa-student-data.json"'
    )
    assert "no-store" in response["Cache-Control"]
    assert student.password not in response.content.decode()
    data = json.loads(response.content)
    assert data["profile"]["username"] == "student"
    assert data["profile"]["email"] == "student@example.com"
    assert "password" not in data["profile"]
    assert [(e["course"], e["modules_done"]) for e in data["enrollments"]] == [
        (course.pk, 1)
    ]
    assert [c["module"] for c in data["module_completions"]] == [module.pk]
    assert [(w["course"], w["kind"]) for w in data["waitlist"]] == [
        (other.pk, "waiting")
    ]
    # The apps above classroom add their parts (their own tests check them).
    assert {"chat_messages", "assessment"} <= set(data)


@pytest.mark.parametrize("size", [1, 6])
def test_data_costs_the_same_queries_whatever_the_rows(
    logged_in, student, catalog, instructor, size, django_assert_max_num_queries
):
    for course in courses(catalog, instructor, size):
        Enrollment.objects.create(student=student, course=course)
        for module in course.modules():
            ModuleCompletion.objects.create(
                student=student, module=module, course=course
            )
    logged_in.get("/account/data/")
    with django_assert_max_num_queries(9):
        data = json.loads(logged_in.get("/account/data/").content)
    assert len(data["module_completions"]) == 2 * size


def test_a_part_registered_from_above_is_exported(student, monkeypatch):
    monkeypatch.setattr(account, "_parts", {})
    account.register_part("notes", lambda user: [{"by": user.username}])
    assert account.export_data(student)["notes"] == [{"by": "student"}]


# --- Delete my account -----------------------------------------------------------


def test_delete_page_says_what_happens(logged_in):
    html = logged_in.get("/account/delete/").content.decode()
    assert "your enrollments and your progress in every course are deleted" in html
    assert "quiz attempts, the work you handed in" in html
    assert "Deleted user" in html
    assert 'name="password"' in html


def test_wrong_password_deletes_nothing(logged_in, student):
    response = logged_in.post("/account/delete/", {"password": "not it"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"] == ["That is not your password."]
    assert User.objects.filter(pk=student.pk).exists()


def test_wrong_passwords_count_towards_the_login_lockout(logged_in, student, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        logged_in.post("/account/delete/", {"password": "a guess"})
    response = logged_in.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 429
    assert User.objects.filter(pk=student.pk).exists()


def test_deleting_removes_the_user_and_their_rows_and_logs_out(
    logged_in, student, course
):
    Enrollment.objects.create(student=student, course=course)
    module = course.modules()[0]
    ModuleCompletion.objects.create(student=student, module=module, course=course)

    response = logged_in.post("/account/delete/", {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=student.pk).exists()
    assert not Enrollment.objects.filter(student_id=student.pk).exists()
    assert not ModuleCompletion.objects.filter(student_id=student.pk).exists()
    assert messages_of(response) == ["Your account was deleted. Goodbye!"]
    assert logged_in.get("/account/").status_code == 302  # logged out


def test_the_users_other_sessions_end_too(logged_in, student, course):
    elsewhere = Client()
    elsewhere.force_login(student)
    assert elsewhere.get("/account/").status_code == 200  # their user is cached

    logged_in.post("/account/delete/", {"password": PASSWORD})

    response = elsewhere.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_freed_seat_goes_to_the_first_waiting(logged_in, student, course, outsider):
    EnrollmentSettings.objects.create(course=course, capacity=1, waitlist=True)
    assert enrollment.enroll(student, course).status == "enrolled"
    assert enrollment.enroll(outsider, course).status == "waitlisted"

    logged_in.post("/account/delete/", {"password": PASSWORD})

    assert Enrollment.objects.filter(student=outsider, course=course).exists()
    assert not WaitlistEntry.objects.filter(course=course).exists()


@pytest.mark.parametrize(
    "who, reason",
    [
        ("staff", "Staff and administrators cannot delete their own account"),
        ("superuser", "Staff and administrators cannot delete their own account"),
        ("owner", "You own 1 course, which would lose their owner."),
    ],
)
def test_staff_and_course_owners_cannot_delete_themselves(
    client, course, instructor, who, reason
):
    user = {
        "staff": lambda: UserFactory(username="staffer", is_staff=True),
        "superuser": lambda: UserFactory(username="root", is_superuser=True),
        "owner": lambda: instructor,
    }[who]()
    client.force_login(user)

    page = client.get("/account/delete/")
    assert reason in page.content.decode()
    assert 'name="password"' not in page.content.decode()

    response = client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 403
    assert reason in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    with pytest.raises(account.MayNotDelete):
        account.delete_account(user)
