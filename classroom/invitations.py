"""Invitations to enroll: created by a course's staff, sent by email as a signed,
expiring, single-use link, accepted by a logged-in user or by signing up from it.

Who may accept: the link is the credential. Whoever holds it, logged in with any
account or signing up from it, may use it once, before it expires. Requiring the
invited address to match the account would lock out students whose account uses
another address than the one the school knows; the link is as secret as a
password-reset link, dies on first use and records who used it (`used_by`).

The token signs the invitation's pk and creation time (so a token never names a
later row) with a salt of ours; the expiry is the row's, so resending or revoking
needs no new secret. A revoked invitation is deleted: a well-signed token whose
row is gone was withdrawn.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from classroom.enrollment import admit
from classroom.models import Invitation

log = logging.getLogger(__name__)

SALT = "classroom.invitations"
DEFAULT_DAYS = 14
MAX_DAYS = 90
# Longer tokens are not ours: refused before any signature work.
MAX_TOKEN_LENGTH = 200
# Outcomes after which the invitation has done its job: the student is in, or in
# the course's queue. A refusal, or someone already enrolled opening a forwarded
# link, leaves it usable by its invitee until it expires.
USING_OUTCOMES = ("enrolled", "waitlisted", "requested")


class InvitationRefused(Exception):
    """A link that cannot be used, with the sentence to show and the status."""

    def __init__(self, reason, message, status):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


def _signer():
    return signing.TimestampSigner(salt=SALT)


def _stamp(invitation):
    return f"{invitation.pk}.{int(invitation.created.timestamp())}"


def token_for(invitation):
    return _signer().sign(_stamp(invitation))


def link_for(invitation, request=None):
    path = reverse("invitation", args=[token_for(invitation)])
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def state_of(invitation, now=None):
    """ "used", "expired" or "sent"."""
    now = now or timezone.now()
    if invitation.used is not None:
        return "used"
    if invitation.expires <= now:
        return "expired"
    return "sent"


def pending(course, now=None):
    """The course's invitations that can still be used."""
    now = now or timezone.now()
    return Invitation.objects.filter(course=course, used__isnull=True, expires__gt=now)


TAMPERED = (
    "tampered",
    "This invitation link is not valid: it was changed or cut short. Open the link "
    "from the email again, or ask the course's staff for a new invitation.",
    400,
)
WITHDRAWN = (
    "withdrawn",
    "This invitation was withdrawn by the course's staff.",
    410,
)
USED = (
    "used",
    "This invitation has already been used. Each invitation link works once.",
    410,
)


def _pk_from(token):
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvitationRefused(*TAMPERED)
    try:
        value = _signer().unsign(token)
        pk, stamp = value.split(".")
        return int(pk), int(stamp)
    except (signing.BadSignature, ValueError):
        raise InvitationRefused(*TAMPERED) from None


def _check(invitation, stamp, now):
    if invitation is None or int(invitation.created.timestamp()) != stamp:
        raise InvitationRefused(*WITHDRAWN)
    if invitation.used is not None:
        raise InvitationRefused(*USED)
    if invitation.expires <= now:
        expired = timezone.localtime(invitation.expires)
        raise InvitationRefused(
            "expired",
            f"This invitation expired on {expired:%d %B %Y}. "
            "Ask the course's staff for a new one.",
            410,
        )
    return invitation


def usable_invitation(token, now=None):
    """The invitation a token names, if it can be used (else InvitationRefused)."""
    pk, stamp = _pk_from(token)
    invitation = Invitation.objects.select_related("course").filter(pk=pk).first()
    return _check(invitation, stamp, now or timezone.now())


@dataclass
class Accepted:
    invitation: Invitation
    outcome: object  # classroom.enrollment.Outcome


def _accept_locked(token, user, now, before_admit=None):
    pk, stamp = _pk_from(token)
    # Locked until the transaction ends: two tabs cannot both use one link.
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("course")
        .filter(pk=pk)
        .first()
    )
    _check(invitation, stamp, now)
    if before_admit is not None:
        user = before_admit()
    outcome = admit(
        user, invitation.course, beyond_capacity=invitation.beyond_capacity, now=now
    )
    if outcome.status in USING_OUTCOMES:
        invitation.used = now
        invitation.used_by = user
        invitation.save(update_fields=["used", "used_by"])
    return Accepted(invitation, outcome), user


def accept(token, user, now=None):
    """Use the invitation for `user` (a logged-in account): enroll through
    `admit`, with a seat beyond capacity when the invitation says so."""
    with transaction.atomic():
        accepted, _ = _accept_locked(token, user, now or timezone.now())
    return accepted


def sign_up_and_accept(token, form, request, now=None):
    """Create the account of a valid registration form, log it in and use the
    invitation for it. A link found dead at this point creates no account."""
    with transaction.atomic():
        accepted, user = _accept_locked(token, None, now or timezone.now(), form.save)
    login(request, user, backend="sitecache.auth.CachedModelBackend")
    return accepted


def normalise_email(email):
    return email.strip().lower()


def create_invitations(
    course, emails, invited_by=None, *, beyond_capacity=False, days=DEFAULT_DAYS
):
    """New invitations for `emails` (already validated), in one INSERT."""
    now = timezone.now()
    rows = [
        Invitation(
            course=course,
            email=normalise_email(email),
            invited_by=invited_by,
            expires=now + timedelta(days=days),
            beyond_capacity=beyond_capacity,
        )
        for email in emails
    ]
    # PostgreSQL and SQLite give back the pks (and the stored `created`) the
    # tokens sign.
    return Invitation.objects.bulk_create(rows)


def invitation_message(invitation, request=None, name="", connection=None):
    context = {
        "invitation": invitation,
        "course": invitation.course,
        "link": link_for(invitation, request),
        "name": name,
        "inviter": invitation.invited_by,
        "site_name": getattr(settings, "WAGTAIL_SITE_NAME", "Educa"),
    }
    subject = render_to_string(
        "classroom/email/invitation_subject.txt", context
    ).strip()
    body = render_to_string("classroom/email/invitation.txt", context)
    return EmailMessage(
        " ".join(subject.splitlines()),
        body,
        to=[invitation.email],
        connection=connection,
    )


def send_invitations(invitations, request=None, names=None):
    """Mail each invitation its link, over one connection. Returns how many went."""
    names = names or {}
    invitations = list(invitations)
    if not invitations:
        return 0
    connection = get_connection()
    messages = [
        invitation_message(
            invitation, request, names.get(invitation.email, ""), connection
        )
        for invitation in invitations
    ]
    try:
        return connection.send_messages(messages) or 0
    except Exception:  # the invitations stand; the list offers to resend them
        log.exception("Could not mail %s invitations", len(messages))
        return 0


def resend(invitation, request=None, days=DEFAULT_DAYS):
    """Mail the link again; an expired invitation gets a new expiry first."""
    if invitation.used is not None:
        raise InvitationRefused(*USED)
    now = timezone.now()
    if invitation.expires <= now:
        invitation.expires = now + timedelta(days=days)
        invitation.save(update_fields=["expires"])
    return send_invitations([invitation], request)
