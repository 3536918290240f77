"""Invitations: the staff invite by email, the mail carries a signed, expiring,
single-use link; accepting enrolls (beyond capacity only when the invitation says
so); dead links (expired, used, changed, revoked) get a clear page; a visitor signs
up from the link and is enrolled; only the course's staff invite."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from classroom import invitations
from classroom.models import CourseMember, Enrollment, EnrollmentSettings, Invitation
from demo.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/students/invitations/[^/\s]+/)")


def roster_url(course):
    return reverse("classroom_roster:course", args=[course.pk])


def invite(client, course, emails, **extra):
    return client.post(
        roster_url(course), {"emails": emails, "days": 14, **extra}, follow=False
    )


def make_invitation(course, email="new@example.com", **fields):
    (invitation,) = invitations.create_invitations(
        course, [email], None, beyond_capacity=fields.pop("beyond_capacity", False)
    )
    for name, value in fields.items():
        setattr(invitation, name, value)
    if fields:
        invitation.save()
    return invitation, reverse("invitation", args=[invitations.token_for(invitation)])


def full(course, capacity=1):
    EnrollmentSettings.objects.update_or_create(
        course_id=course.pk, defaults={"capacity": capacity}
    )
    for n in range(capacity):
        Enrollment.objects.create(
            student=UserFactory(username=f"seat{n}"), course=course
        )


@pytest.fixture
def assistant(course):
    user = UserFactory(username="assistant")
    user.user_permissions.add(
        Permission.objects.get(
            codename="access_admin", content_type__app_label="wagtailadmin"
        )
    )
    CourseMember.objects.create(course=course, user=user, role=CourseMember.ASSISTANT)
    return user


def test_staff_invite_and_the_mail_carries_the_link(client, course, instructor):
    client.force_login(instructor)
    response = invite(
        client, course, "ada@example.com, Bob@Example.com\nada@example.com"
    )
    assert response.status_code == 302
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "ada@example.com",
        "bob@example.com",
    ]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada@example.com",
        "bob@example.com",
    ]
    message = mail.outbox[0]
    assert course.title in message.subject
    path = LINK.search(message.body).group(1)
    invitation = Invitation.objects.get(email=message.to[0])
    assert invitations.usable_invitation(path.split("/")[-2]) == invitation
    # The list shows them as sent.
    page = client.get(roster_url(course))
    assert page.status_code == 200
    assert b"ada@example.com" in page.content and b">sent<" in page.content


def test_inviting_again_or_an_enrolled_student_sends_nothing(
    client, course, instructor, enrolled
):
    client.force_login(instructor)
    invite(client, course, "ada@example.com")
    mail.outbox.clear()
    response = invite(client, course, f"ada@example.com {enrolled.email}")
    assert response.status_code == 302
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_bad_addresses_are_a_form_error(client, course, instructor):
    client.force_login(instructor)
    response = invite(client, course, "ada@example.com, not-an-address")
    assert response.status_code == 400
    assert b"not-an-address" in response.content
    assert not Invitation.objects.exists()
    assert invite(client, course, "   ").status_code == 400


def test_accepting_enrolls_and_uses_the_invitation(client, course, student):
    invitation, url = make_invitation(course, email="someone-else@example.com")
    client.force_login(student)
    page = client.get(url)
    assert page.status_code == 200
    assert course.title.encode() in page.content
    assert b"Accept and enroll" in page.content
    response = client.post(url)
    assert response.status_code == 302
    assert Enrollment.objects.filter(student=student, course=course).exists()
    invitation.refresh_from_db()
    assert invitation.used is not None and invitation.used_by == student


def test_a_used_link_is_refused(client, course, student, outsider):
    _, url = make_invitation(course)
    client.force_login(student)
    client.post(url)
    client.force_login(outsider)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410
        assert b"already been used" in response.content
    assert not Enrollment.objects.filter(student=outsider).exists()


def test_an_expired_link_is_refused(client, course, student):
    _, url = make_invitation(course, expires=timezone.now() - timedelta(minutes=1))
    client.force_login(student)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410
        assert b"expired" in response.content
    assert not Enrollment.objects.filter(student=student).exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token[:10],
        lambda token: "x" * 500,
        lambda token: "%00",
        lambda token: signing.TimestampSigner(salt="other").sign(token.split(":")[0]),
        lambda token: signing.TimestampSigner(salt=invitations.SALT).sign("nope"),
    ],
    ids=["signature", "cut", "long", "nul", "other-salt", "not-a-pk"],
)
def test_a_changed_link_is_refused(client, course, student, change):
    invitation, _ = make_invitation(course)
    url = reverse("invitation", args=[change(invitations.token_for(invitation))])
    client.force_login(student)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert b"not valid" in response.content
    assert not Enrollment.objects.filter(student=student).exists()
    client.logout()
    assert client.get(url).status_code == 400


def test_a_token_for_another_row_is_refused(client, course, student):
    """A token names the row's pk and its creation: a later row of the same pk (a
    database restored, say) is not what it was signed for."""
    invitation, url = make_invitation(course)
    Invitation.objects.filter(pk=invitation.pk).update(
        created=invitation.created - timedelta(days=1)
    )
    client.force_login(student)
    assert client.get(url).status_code == 410


def test_a_revoked_link_is_refused(client, course, instructor, student):
    invitation, url = make_invitation(course)
    client.force_login(instructor)
    response = client.post(
        reverse("classroom_roster:revoke", args=[course.pk, invitation.pk])
    )
    assert response.status_code == 302
    assert not Invitation.objects.exists()
    client.force_login(student)
    response = client.get(url)
    assert response.status_code == 410
    assert b"withdrawn" in response.content


def test_resend_mails_the_link_again_and_renews_an_expired_one(
    client, course, instructor, student
):
    invitation, _ = make_invitation(course, expires=timezone.now() - timedelta(days=1))
    client.force_login(instructor)
    page = client.get(roster_url(course))
    assert b">expired<" in page.content
    client.post(reverse("classroom_roster:resend", args=[course.pk, invitation.pk]))
    assert len(mail.outbox) == 1
    path = LINK.search(mail.outbox[0].body).group(1)
    client.force_login(student)
    assert client.post(path).status_code == 302
    assert Enrollment.objects.filter(student=student, course=course).exists()
    # A used one is neither resent nor revoked.
    client.force_login(instructor)
    client.post(reverse("classroom_roster:resend", args=[course.pk, invitation.pk]))
    client.post(reverse("classroom_roster:revoke", args=[course.pk, invitation.pk]))
    assert len(mail.outbox) == 1
    assert Invitation.objects.filter(pk=invitation.pk, used__isnull=False).exists()
    assert b"used" in client.get(roster_url(course)).content


def test_a_visitor_signs_up_from_the_link_and_is_enrolled(client, course):
    _, url = make_invitation(course, email="newcomer@example.com")
    page = client.get(url)
    assert page.status_code == 200
    assert b'value="newcomer@example.com"' in page.content
    assert b"Create my account and enroll" in page.content
    response = client.post(
        url,
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newcomer")
    assert Enrollment.objects.filter(student=user, course=course).exists()
    assert client.get(reverse("student_course_list")).status_code == 200  # logged in
    assert Invitation.objects.get().used_by == user


def test_a_bad_sign_up_form_shows_its_errors_and_uses_nothing(client, course, student):
    invitation, url = make_invitation(course)
    response = client.post(
        url,
        {
            "username": "student",  # taken
            "email": "x@example.com",
            "password1": "a-long-pass-phrase-42",
            "password2": "another-pass-phrase",
        },
    )
    assert response.status_code == 200
    assert b"errorlist" in response.content
    invitation.refresh_from_db()
    assert invitation.used is None


def test_signing_up_from_a_dead_link_creates_no_account(client, course):
    _, url = make_invitation(course, used=timezone.now())
    response = client.post(
        url,
        {
            "username": "late",
            "email": "late@example.com",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )
    assert response.status_code == 410
    assert not get_user_model().objects.filter(username="late").exists()


def test_a_full_course_takes_an_invitee_only_when_the_invitation_says_so(
    client, course, student, outsider
):
    full(course)
    plain, plain_url = make_invitation(course, email="a@example.com")
    beyond, beyond_url = make_invitation(
        course, email="b@example.com", beyond_capacity=True
    )
    client.force_login(student)
    client.post(plain_url)
    assert not Enrollment.objects.filter(student=student, course=course).exists()
    plain.refresh_from_db()
    assert plain.used is None  # refused: still usable if a seat frees
    client.force_login(outsider)
    client.post(beyond_url)
    assert Enrollment.objects.filter(student=outsider, course=course).exists()
    assert Enrollment.objects.filter(course=course).count() == 2


def test_only_editors_may_let_an_invitation_go_beyond_capacity(
    client, course, assistant
):
    client.force_login(assistant)
    page = client.get(roster_url(course))
    assert page.status_code == 200
    assert b"beyond_capacity" not in page.content
    invite(client, course, "c@example.com", beyond_capacity="on")
    assert Invitation.objects.get().beyond_capacity is False


def test_owner_may_let_an_invitation_go_beyond_capacity(client, course, instructor):
    client.force_login(instructor)
    invite(client, course, "c@example.com", beyond_capacity="on")
    assert Invitation.objects.get().beyond_capacity is True


def test_only_the_course_staff_invite(client, course, other_instructor, student):
    for user in (other_instructor, student):
        client.force_login(user)
        assert invite(client, course, "x@example.com").status_code in (302, 403)
        assert client.get(roster_url(course)).status_code in (302, 403)
    client.force_login(other_instructor)
    assert invite(client, course, "x@example.com").status_code == 403
    assert client.get(roster_url(course)).status_code == 403
    invitation, _ = make_invitation(course)
    for name in ("resend", "revoke"):
        url = reverse(f"classroom_roster:{name}", args=[course.pk, invitation.pk])
        assert client.post(url).status_code == 403
    assert Invitation.objects.filter(email="x@example.com").count() == 0
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_a_staff_member_of_another_course_cannot_touch_this_ones_invitations(
    client, course, other_instructor
):
    from demo.factories import CoursePageFactory

    other = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    invitation, _ = make_invitation(course)
    client.force_login(other_instructor)
    url = reverse("classroom_roster:revoke", args=[other.pk, invitation.pk])
    assert client.post(url).status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_a_mail_server_that_fails_costs_no_500(client, course, instructor, settings):
    settings.EMAIL_BACKEND = "classroom.tests.test_invitations.FailingBackend"
    client.force_login(instructor)
    response = invite(client, course, "ada@example.com")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    page = client.get(roster_url(course))
    assert b"could not be mailed" in page.content
    url = reverse("classroom_roster:resend", args=[course.pk, invitation.pk])
    assert client.post(url).status_code == 302


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")
