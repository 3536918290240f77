"""Access changes reach open sockets: each process re-checks the sockets concerned.

A member who leaves a course, is deactivated or deleted, or has their password
changed keeps no open socket: once the change is committed, every process re-checks
that member's sockets (relay.push_recheck) and closes them with 4403. A course
saved (unpublished, given another owner; not a draft's save) or deleted has its
room re-checked.
Logging out closes the sockets opened with that session. Each frame is checked too,
and each socket re-checks now and then (consumers.py), so a lost notice costs
nothing but time.
"""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from chat import relay
from chat.consumers import room_group
from learning import access
from learning.models import CoursePage, saved_only_a_draft


def _after_commit(**targets):
    transaction.on_commit(functools.partial(relay.push_recheck, **targets))


def access_changed(sender, users=(), courses=(), **kwargs):
    # Sent after commit by the access rule's app (learning.access).
    relay.push_recheck(users=list(users))


def user_changed(
    sender, instance, raw=False, created=False, update_fields=None, **kwargs
):
    if raw or created:
        return  # a new user has no socket yet
    if update_fields and set(update_fields) <= {"last_login"}:
        return  # every login saves the user; access does not change
    _after_commit(users=[instance.pk])


def course_changed(
    sender, instance, raw=False, created=False, update_fields=None, **kwargs
):
    if raw or created or saved_only_a_draft(update_fields):
        return  # a draft changes neither who may read the course nor whether it is live
    _after_commit(rooms=[room_group(instance.pk)])


def logged_out(sender, request, user=None, **kwargs):
    # Sent before the session is flushed: its sockets are named by session key,
    # not found by looking the session up.
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None)
    if session_key:
        _after_commit(sessions=[session_key])


def connect():
    """Called once, from ChatConfig.ready()."""
    user_logged_out.connect(logged_out, dispatch_uid="chat.signals.logged_out")
    access.access_changed.connect(access_changed, dispatch_uid="chat.signals.access")
    for signal in (post_save, post_delete):
        name = "save" if signal is post_save else "delete"
        signal.connect(
            user_changed,
            sender=get_user_model(),
            dispatch_uid=f"chat.signals.user.{name}",
        )
        signal.connect(
            course_changed,
            sender=CoursePage,
            dispatch_uid=f"chat.signals.course.{name}",
        )
