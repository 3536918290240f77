"""Open sockets lose what their member loses: closed with 4403 at once, and every
frame is checked afresh."""

import asyncio
from importlib import import_module

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import logout
from django.db import OperationalError
from django.test import RequestFactory

from chat import consumers, relay
from chat.models import ChatMessage
from chat.tests.test_consumers import (
    joined,
    next_frame,
    session_cookie,
    site_socket,
    stored_texts,
)
from classroom.models import Enrollment

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CLOSED = {"type": "websocket.close", "code": 4403}


async def closed_within_a_second(communicator):
    """True when the socket is closed with 4403 within a second (frames skipped)."""

    async def wait():
        while True:
            output = await communicator.receive_output(timeout=1)
            if output["type"] == "websocket.close":
                return output

    return await asyncio.wait_for(wait(), timeout=1) == CLOSED


@sync_to_async
def unenroll(user, course):
    Enrollment.objects.filter(student=user, course=course).delete()


@sync_to_async
def deactivate(user):
    user.is_active = False
    user.save()


@sync_to_async
def change_password(user):
    user.set_password("a new secret passphrase")
    user.save()


CHANGES = {
    "unenrolled": lambda user, course: unenroll(user, course),
    "deactivated": lambda user, course: deactivate(user),
    "password": lambda user, course: change_password(user),
}


@pytest.mark.parametrize("change", CHANGES)
async def test_socket_is_closed_within_a_second_when_access_goes(
    connect_as, enrolled, instructor, course, change
):
    alice = await connect_as(enrolled)
    await joined(alice)
    teacher = await connect_as(instructor)
    await joined(teacher)

    await CHANGES[change](enrolled, course)

    assert await closed_within_a_second(alice)
    # The teacher stays, and hears that the student left.
    assert (await next_frame(teacher, "presence"))["left"]["name"] == "student"
    await teacher.send_json_to({"message": "still on"})
    assert (await next_frame(teacher, "chat_message"))["message"] == "still on"


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize(
    "frame",
    [{"message": "after leaving"}, {"type": "history"}, {"type": "presence"}],
    ids=["send", "history", "presence"],
)
async def test_frame_from_a_member_who_lost_access_is_refused(
    connect_as, enrolled, instructor, course, change, frame, monkeypatch
):
    """Even if the news of the change never reached the socket."""
    monkeypatch.setattr(relay, "push_recheck", lambda **targets: None)
    alice = await connect_as(enrolled)
    await joined(alice)
    teacher = await connect_as(instructor)
    await joined(teacher)
    await next_frame(alice, "presence")

    await CHANGES[change](enrolled, course)
    await alice.send_json_to(frame)

    assert (await alice.receive_json_from())["error"].startswith("you may no longer")
    assert await alice.receive_output() == CLOSED
    assert await stored_texts(course) == []
    assert (await next_frame(teacher, "presence"))["left"]["name"] == "student"


async def test_unpublished_course_closes_its_room(connect_as, enrolled, course):
    """Unpublishing the course alone (its modules stay live) closes its room: the
    access rule refuses a course that is not live, and the course's change
    re-checks the room."""
    alice = await connect_as(enrolled)
    await joined(alice)
    await sync_to_async(course.unpublish)()
    assert await closed_within_a_second(alice)


async def test_session_socket_is_closed_when_the_password_changes(enrolled, course):
    communicator = await joined_site_socket(await session_cookie(enrolled), course)
    await communicator.send_json_to({"message": "before"})
    await next_frame(communicator, "chat_message")

    await change_password(enrolled)

    assert await closed_within_a_second(communicator)
    texts = await sync_to_async(list)(
        ChatMessage.objects.values_list("text", flat=True)
    )
    assert texts == ["before"]


async def test_other_saves_of_the_member_keep_the_socket(connect_as, enrolled):
    alice = await connect_as(enrolled)
    await joined(alice)

    @sync_to_async
    def rename():
        enrolled.first_name = "Alice"
        enrolled.save()

    await rename()
    await alice.send_json_to({"message": "still allowed"})
    assert (await next_frame(alice, "chat_message"))["message"] == "still allowed"


async def joined_site_socket(cookie, course):
    """A site socket whose joining frames have been read."""
    communicator = await site_socket(cookie, course)
    await joined(communicator)
    return communicator


@sync_to_async
def log_out(cookie, user):
    """Django's logout, for the browser with `cookie`."""
    engine = import_module(settings.SESSION_ENGINE)
    request = RequestFactory().post("/accounts/logout/")
    request.session = engine.SessionStore(cookie.decode().split("=", 1)[1])
    request.user = user
    logout(request)


@sync_to_async
def broadcast_recheck(**targets):
    relay.push_recheck(**targets)


async def test_background_recheck_that_cannot_decide_closes_the_socket(
    connect_as, enrolled, monkeypatch
):
    """Fails closed: a database away during a re-check ends the socket."""
    alice = await connect_as(enrolled)
    await joined(alice)

    async def unavailable(*args, **kwargs):
        raise OperationalError("the database is away")

    monkeypatch.setattr(consumers, "current_verdict", unavailable)
    await broadcast_recheck(users=[enrolled.pk])
    assert await closed_within_a_second(alice)


async def test_lost_notice_is_made_up_by_the_periodic_recheck(
    connect_as, enrolled, course, monkeypatch
):
    monkeypatch.setattr(relay, "push_recheck", lambda **targets: None)
    monkeypatch.setattr(consumers, "RECHECK_EVERY", 0.2)
    alice = await connect_as(enrolled)
    await joined(alice)

    await unenroll(enrolled, course)

    assert await closed_within_a_second(alice)


async def test_periodic_recheck_keeps_a_member_who_may_stay(
    enrolled, course, monkeypatch
):
    monkeypatch.setattr(consumers, "RECHECK_EVERY", 0.05)
    alice = await joined_site_socket(await session_cookie(enrolled), course)
    assert await alice.receive_nothing(timeout=0.5)
    await alice.send_json_to({"message": "still here"})
    assert (await next_frame(alice, "chat_message"))["message"] == "still here"
    await alice.disconnect()


async def test_logging_out_closes_the_sessions_sockets_only(enrolled, course):
    cookie = await session_cookie(enrolled)
    alice = await joined_site_socket(cookie, course)
    elsewhere = await joined_site_socket(await session_cookie(enrolled), course)
    await next_frame(alice, "presence")

    await log_out(cookie, enrolled)

    assert await closed_within_a_second(alice)
    await elsewhere.send_json_to({"message": "other session"})
    assert (await next_frame(elsewhere, "chat_message"))["message"] == "other session"
    await elsewhere.disconnect()


async def test_logout_notice_lost_is_made_up_by_the_periodic_recheck(
    enrolled, course, monkeypatch
):
    """The periodic re-check finds the session gone from the session store."""
    monkeypatch.setattr(relay, "push_recheck", lambda **targets: None)
    monkeypatch.setattr(consumers, "RECHECK_EVERY", 0.2)
    cookie = await session_cookie(enrolled)
    alice = await joined_site_socket(cookie, course)

    await log_out(cookie, enrolled)

    assert await closed_within_a_second(alice)
