"""Roster import and export in the Wagtail admin: the preview says what a CSV
changes (new enrollments, invitations, already enrolled or invited, invalid rows
with the reason), confirming applies it, the same file again changes nothing,
a thousand rows stay fast, the export cannot smuggle formulas, only the course's
staff get in."""

import csv
import io
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from classroom.admin_roster import parse_roster, plan_import
from classroom.models import Enrollment, Invitation
from demo.factories import UserFactory

pytestmark = pytest.mark.django_db

# Generous: SQLite on a loaded machine; the target is well below it.
THOUSAND_ROWS_SECONDS = 10


def import_url(course):
    return reverse("classroom_roster:import", args=[course.pk])


def upload(client, course, text, name="roster.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        import_url(course), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


def confirm(client, course, text, **extra):
    return client.post(import_url(course), {"text": text, "days": 14, **extra})


def kinds(response):
    rows = response.context["rows"]
    return {row.line: (row.kind, row.reason) for row in rows}


@pytest.fixture
def people(db):
    return {
        "ada": UserFactory(username="ada", email="ada@example.com"),
        "bob": UserFactory(username="bob", email="bob@example.com"),
        "cy": UserFactory(username="cy", email="cy@example.com"),
    }


ROSTER = """email,username,name
ada@example.com,,Ada Lovelace
,bob,Bob
student@example.com,,
new@example.com,,New Person
NEW@example.com,,Again
not-an-email,,
,ghost,
,,
{long}@example.com,,
cy@example.com,bob,Mixed
""".format(long="x" * 260)


def test_preview_says_what_each_row_does(client, course, instructor, people, enrolled):
    client.force_login(instructor)
    response = upload(client, course, ROSTER)
    assert response.status_code == 200
    found = kinds(response)
    assert found[2] == ("enroll", "")
    assert found[3] == ("enroll", "")
    assert found[4][0] == "already"
    assert found[5][0] == "invite"
    assert found[6] == ("invalid", "Duplicate in the file: the same person as line 5.")
    assert found[7] == ("invalid", "Not a valid email address.")
    assert found[8] == ("invalid", "Unknown username, and no email to invite.")
    assert 9 not in found  # a blank line is skipped
    assert found[10][0] == "invalid" and "Too long" in found[10][1]
    assert found[11] == (
        "invalid",
        "The username and the email belong to different accounts.",
    )
    body = response.content.decode()
    assert "New enrollment: <strong>2</strong>" in body
    assert "Invitation: <strong>1</strong>" in body
    assert "Invalid: <strong>5</strong>" in body
    # Nothing changed yet.
    assert Enrollment.objects.filter(course=course).count() == 1
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_confirm_applies_and_the_same_file_again_changes_nothing(
    client, course, instructor, people, enrolled
):
    client.force_login(instructor)
    preview = upload(client, course, ROSTER)
    text = preview.context["confirm"].initial["text"]
    response = confirm(client, course, text)
    assert response.status_code == 302
    students = set(
        Enrollment.objects.filter(course=course).values_list(
            "student__username", flat=True
        )
    )
    assert students == {"student", "ada", "bob"}
    assert list(Invitation.objects.values_list("email", flat=True)) == [
        "new@example.com"
    ]
    assert [message.to for message in mail.outbox] == [["new@example.com"]]
    assert mail.outbox[0].body.startswith("Hello New Person,")

    # Re-uploading: a preview with no change, and confirming does nothing.
    again = upload(client, course, ROSTER)
    found = kinds(again)
    assert found[2][0] == found[3][0] == found[4][0] == "already"
    assert found[5][0] == "invited"
    assert b"This file changes nothing" in again.content
    confirm(client, course, text)
    assert Enrollment.objects.filter(course=course).count() == 3
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_file_that_is_not_a_roster_is_a_form_error(client, course, instructor):
    client.force_login(instructor)
    for data in (
        b"",
        b"\n\n",
        b"first,second\n1,2\n",
        "email\nada@example.com\n".encode("utf-16"),
        b"email\x00\n",
        b"\xff\xfe\xfa",
    ):
        response = upload(client, course, data)
        assert response.status_code == 400, data
        assert response.context["form"].errors
    # A tampered confirm (not a roster) is refused with the reason as well.
    response = confirm(client, course, "nonsense")
    assert response.status_code == 400
    assert b"first line must name the columns" in response.content
    assert not Invitation.objects.exists()


def test_header_variants_and_semicolons_and_no_header(db, course, people):
    rows = parse_roster("\ufeffE-mail;Name\r\nada@example.com;Ada\r\n")
    assert [(row.email, row.name) for row in rows] == [("ada@example.com", "Ada")]
    rows = parse_roster("ada@example.com,,Ada\nbob@example.com\n")
    assert [row.email for row in rows] == ["ada@example.com", "bob@example.com"]
    planned = plan_import(course, rows)
    assert [row.kind for row in planned] == ["enroll", "enroll"]


def test_a_thousand_rows_import_quickly(client, course, instructor):
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"bulk{n}", email=f"bulk{n}@example.com") for n in range(500)]
    )
    lines = ["email,username,name"]
    lines += [f"bulk{n}@example.com,,Bulk {n}" for n in range(500)]
    lines += [f"fresh{n}@example.com,,Fresh {n}" for n in range(500)]
    text = "\n".join(lines) + "\n"
    client.force_login(instructor)
    started = time.perf_counter()
    preview = upload(client, course, text)
    response = confirm(client, course, preview.context["confirm"].initial["text"])
    elapsed = time.perf_counter() - started
    assert response.status_code == 302
    assert Enrollment.objects.filter(course=course).count() == 500
    assert Invitation.objects.filter(course=course).count() == 500
    assert len(mail.outbox) == 500
    assert elapsed < THOUSAND_ROWS_SECONDS, f"{elapsed:.1f} s"


def test_export_neutralises_formulas(client, course, instructor):
    hostile = UserFactory(
        username="=cmd", email="+1@example.com", first_name="-2", last_name="x"
    )
    at = UserFactory(username="@sum", email="\ttab@example.com", first_name="Cy")
    for user in (hostile, at):
        Enrollment.objects.create(student=user, course=course)
    client.force_login(instructor)
    response = client.get(reverse("classroom_roster:export", args=[course.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["username", "email", "name", "enrolled", "progress %"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["'=cmd"][1:3] == ["'+1@example.com", "'-2 x"]
    assert by_name["'@sum"][1:3] == ["'\ttab@example.com", "Cy"]
    assert by_name["'=cmd"][4] == "0"
    for row in rows[1:]:
        assert row[3][:2] == "20"  # an ISO date


def test_only_the_course_staff_see_the_roster_screens(
    client, course, other_instructor, student, instructor
):
    urls = [
        reverse("classroom_roster:index"),
        reverse("classroom_roster:course", args=[course.pk]),
        import_url(course),
        reverse("classroom_roster:export", args=[course.pk]),
    ]
    client.force_login(other_instructor)
    for url in urls[1:]:
        assert client.get(url).status_code == 403, url
    assert upload(client, course, ROSTER).status_code == 403
    assert confirm(client, course, ROSTER).status_code == 403
    client.force_login(student)  # no admin access at all
    for url in urls:
        assert client.get(url).status_code in (302, 403), url
    assert not Invitation.objects.exists()
    client.force_login(instructor)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_full_course_takes_imported_students_only_when_flagged(
    client, course, instructor, people
):
    from classroom.models import EnrollmentSettings

    EnrollmentSettings.objects.create(course=course, capacity=1)
    Enrollment.objects.create(student=UserFactory(username="seated"), course=course)
    client.force_login(instructor)
    text = "email\nada@example.com\n"
    response = confirm(client, course, text)
    assert response.status_code == 302
    assert not Enrollment.objects.filter(student=people["ada"]).exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("1 refused" in message for message in messages)
    confirm(client, course, text, beyond_capacity="on")
    assert Enrollment.objects.filter(student=people["ada"], course=course).exists()


def test_an_assistant_imports_but_never_beyond_capacity(client, course, people):
    from django.contrib.auth.models import Permission

    from classroom.models import CourseMember, EnrollmentSettings

    assistant = UserFactory(username="assistant")
    assistant.user_permissions.add(
        Permission.objects.get(
            codename="access_admin", content_type__app_label="wagtailadmin"
        )
    )
    CourseMember.objects.create(
        course=course, user=assistant, role=CourseMember.ASSISTANT
    )
    EnrollmentSettings.objects.create(course=course, capacity=0)
    client.force_login(assistant)
    preview = upload(client, course, "email\nada@example.com\n")
    assert preview.status_code == 200
    assert b"beyond_capacity" not in preview.content
    confirm(client, course, "email\nada@example.com\n", beyond_capacity="on")
    assert not Enrollment.objects.filter(student=people["ada"]).exists()


def test_a_file_too_large_is_a_form_error(client, course, instructor):
    client.force_login(instructor)
    response = upload(client, course, "email\n" + "a@example.com\n" * 80_000)
    assert response.status_code == 400
    assert b"too large" in response.content
