"""The chat socket: one group per course room, messages stored before they are sent.

Protocol (README, "Chat"): the client sends `{"message": "text"}` and every member gets
`{"type": "chat_message", "id", "message", "user", "role", "datetime"}` ("role": the
author's role in the course's team, "owner", "instructor" or "assistant", or null;
the room shows it as a badge). A reconnecting
client catches up with `{"type": "history", "after": id}` (or scrolls back with
`"before"`), and `{"type": "presence"}` asks who is online. Bad input is answered
with `{"error": "..."}` and the connection stays open.

Speed: a message is encoded to JSON once, by the process that stores it; the group
event carries that text, and each process's relay (relay.py) hands it as it is to
the sockets of the room it serves.
"""

import asyncio
import contextlib
import json
import logging
import random
import uuid
import weakref

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from chat.access import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, Identity, find_course
from chat.models import ChatMessage
from chat.presence import presence_store
from chat.ratelimit import may_send, member_buckets
from chat.redis_client import Breaker
from chat.relay import LAYER_TIMEOUT, relays
from chat.scope_user import real_user
from chat.store import message_writer
from classroom.access import role_in, roles_in

__all__ = ["CLOSE_FORBIDDEN", "CLOSE_NOT_FOUND", "ChatConsumer", "room_group"]

logger = logging.getLogger(__name__)

HISTORY_PAGE = 50
# Ids are 64-bit: a larger one would fail in the database, not just match nothing.
MAX_ID = 2**63 - 1
# A message of the longest allowed text, every character escaped as a surrogate
# pair (the longest JSON spelling), with room for the keys: larger frames are
# refused before they are parsed.
MAX_FRAME = settings.CHAT_MAX_LENGTH * 12 + 1024
FORBIDDEN_TEXT = "you may no longer see this room"
# Seconds between a socket's own access re-checks (cache lookups, like a frame's):
# what a lost access-change notice costs at most.
RECHECK_EVERY = 30.0


def room_group(course_id):
    return f"chat_{course_id}"


def encode(frame):
    return json.dumps(frame, ensure_ascii=False)


def text_problem(text):
    """Why a database (or a socket) cannot take `text`, or None."""
    if "\x00" in text:
        return "message must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "message must be valid Unicode (no lone surrogates)"
    return None


def parse(text_data):
    """(data, None) or (None, error) for a text frame, never an exception."""
    if len(text_data) > MAX_FRAME:
        return None, "frame is too large"
    try:
        return json.loads(text_data), None
    except (ValueError, RecursionError):
        # RecursionError: nesting deeper than the parser's stack.
        return None, "invalid JSON"


def member_role(user, course_id):
    """The member's role in the course's team (the badge on their messages)."""
    course = find_course(course_id)
    return None if user is None or course is None else role_in(user, course)


@database_sync_to_async
def connect_verdict(user, session, course_id):
    """(None, identity, role) when `user` may join the room; else (close code,
    None, None)."""
    if user is None or not user.is_authenticated:
        return CLOSE_FORBIDDEN, None, None
    identity = Identity(user, session)
    verdict = identity.verdict(course_id)
    if verdict is not None:
        return verdict, None, None
    return None, identity, member_role(user, course_id)


@database_sync_to_async
def current_verdict(identity, course_id, check_session=False):
    return identity.verdict(course_id, check_session)


@database_sync_to_async
def current_role(identity, course_id):
    """The member's role now (read again by each background re-check, so a role
    changed on the team shows on their next message)."""
    return member_role(identity.fresh_user(), course_id)


def with_roles(course_id, messages):
    """Give each message its author's role in the course (one query at most)."""
    course = find_course(course_id)
    if course is None or not messages:
        return messages
    roles = roles_in(
        course, {message.author_id: message.author for message in messages}.values()
    )
    for message in messages:
        message.author_role = roles.get(message.author_id)
    return messages


@database_sync_to_async
def history_frame(course_id, before=None, after=None):
    manager = ChatMessage.objects
    if after is not None:
        messages, more = manager.page_after(course_id, after, HISTORY_PAGE)
    else:
        messages, more = manager.latest_page(course_id, before, HISTORY_PAGE)
    with_roles(course_id, messages)
    frame = {"type": "history", "messages": [m.as_frame() for m in messages]}
    if after is not None:
        frame["after"] = after
    elif before is not None:
        frame["before"] = before
    frame["has_more"] = more
    return encode(frame)


class ChatConsumer(AsyncWebsocketConsumer):
    """A member's connection to a course's room."""

    joined = False
    role = None
    # No channel of its own: a socket hears its room through the process's relay
    # (relay.py), so it needs no per-connection subscription or receive loop.
    channel_layer_alias = None

    async def dispatch(self, message):
        # Channels closes stale database connections before every event, a hop to
        # the database thread each time: per delivery, that hop dominated the cost
        # of a busy room. Deliveries touch no database, and every database
        # call here goes through database_sync_to_async, which does it itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.course_id = int(self.scope["url_route"]["kwargs"]["course_id"])
        self.room = room_group(self.course_id)
        user = self.scope.get("user")
        # Channels wraps the session user in a lazy object; the real one is inside.
        self.user = real_user(user)
        # Accept first so the browser sees the close code (a refused handshake
        # only shows up as a failed connection without a reason).
        await self.accept()
        local = relays()
        notices = local.notices
        verdict, self.identity, self.role = await connect_verdict(
            self.user, self.scope.get("session"), self.course_id
        )
        if verdict is not None:
            await self.close(code=verdict)
            return
        self.connection = uuid.uuid4().hex
        self.bucket = member_buckets.acquire(self.room, self.user.pk)
        self.member = {"id": self.user.pk, "name": self.user.get_username()}
        # Neither waits long nor fails for Redis's sake (relay.py, presence.py),
        # and a hung Redis costs one wait, not two.
        try:
            _, members = await asyncio.gather(
                local.join(self.room, self.connection, self.base_send),
                presence_store().join(
                    self.room, self.connection, self.user.pk, self.member["name"]
                ),
            )
        except BaseException:
            self.joined = True  # so that leaving undoes what joined
            await self.leave_room()
            raise
        # Only now: a re-check (and its leave) while joining would run ahead of
        # the joins and leave a stale entry behind.
        self.joined = True
        local.watch(
            self.connection,
            self.user.pk,
            self.room,
            self.identity.session_key,
            self.recheck,
        )
        self.rechecker = asyncio.get_running_loop().create_task(self.recheck_often())
        if local.notices != notices:
            # An access change was announced since the verdict: it may be ours.
            await self.recheck()
            if not self.joined:
                return
        await self.send(text_data=encode({"type": "presence", "users": members}))
        await self.broadcast(encode({"type": "presence", "joined": self.member}))

    async def disconnect(self, code):
        await self.leave_room()

    async def leave_room(self):
        if not self.joined:
            return False
        self.joined = False
        rechecker = getattr(self, "rechecker", None)
        if rechecker is not None and rechecker is not asyncio.current_task():
            rechecker.cancel()
        member_buckets.release(self.room, self.user.pk)
        await relays().leave(self.room, self.connection)
        was_last = await presence_store().leave(
            self.room, self.connection, self.user.pk
        )
        if was_last:
            await self.broadcast(encode({"type": "presence", "left": self.member}))
        return True

    async def recheck(self, session_ended=False):
        """Close the socket if its member may no longer be here.

        Asked by relay.py when access changes, and every RECHECK_EVERY seconds.
        Fails closed: a check that cannot be made ends the socket (the client
        reconnects, and is checked then).
        """
        if not self.joined:
            return
        if session_ended:
            await self.revoke(CLOSE_FORBIDDEN)
            return
        try:
            verdict = await current_verdict(
                self.identity, self.course_id, check_session=True
            )
        except Exception:
            logger.exception("chat: could not re-check a member's access")
            verdict = CLOSE_FORBIDDEN
        if verdict is not None:
            await self.revoke(verdict)
            return
        try:
            self.role = await current_role(self.identity, self.course_id)
        except Exception:
            logger.exception("chat: could not read a member's role again")

    async def recheck_often(self):
        """Re-check now and then: an access-change notice may have been lost."""
        with contextlib.suppress(asyncio.CancelledError):
            while self.joined:
                # Spread out, so sockets that joined together do not check together.
                spread = random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not secrets
                await asyncio.sleep(RECHECK_EVERY * spread)
                try:
                    await self.recheck()
                except Exception:
                    logger.exception("chat: a periodic access re-check failed")

    async def revoke(self, code):
        if await self.leave_room():
            await self.close(code=code)

    async def receive(self, text_data=None, bytes_data=None):
        if not self.joined:
            return
        try:
            await self.handle_frame(text_data)
        except Exception:
            # Whatever went wrong, the sender hears of it and keeps the socket.
            logger.exception("chat: a frame could not be handled")
            await self.send_error("the server could not handle that, try again")

    async def handle_frame(self, text_data):
        if not await may_send(self.room, self.user.pk, self.bucket):
            # Refusing the sender keeps every accepted message deliverable.
            await self.send_error("slow down")
            return
        if text_data is None:
            await self.send_error("send JSON text frames")
            return
        data, error = parse(text_data)
        if error is not None:
            await self.send_error(error)
            return
        if not isinstance(data, dict):
            await self.send_error("expected a JSON object")
            return
        # Fresh each frame: the member may have left the course, been deactivated
        # or changed password since connecting (the signals in chat/signals.py
        # close such sockets too; this holds if that news was lost).
        verdict = await current_verdict(self.identity, self.course_id)
        if verdict is not None:
            await self.send_error(FORBIDDEN_TEXT)
            await self.revoke(verdict)
            return
        kind = data.get("type", "chat_message")
        if kind == "chat_message":
            await self.receive_message(data.get("message"))
        elif kind == "history":
            await self.receive_history(data)
        elif kind == "presence":
            members = await presence_store().members(self.room)
            await self.send(text_data=encode({"type": "presence", "users": members}))
        else:
            await self.send_error("unknown message type")

    async def receive_message(self, text):
        if not isinstance(text, str):
            await self.send_error("message must be text")
            return
        problem = text_problem(text)
        if problem is not None:
            await self.send_error(problem)
            return
        text = text.strip()
        if not text:
            await self.send_error("message is empty")
            return
        if len(text) > settings.CHAT_MAX_LENGTH:
            await self.send_error(
                f"message is too long (at most {settings.CHAT_MAX_LENGTH} characters)"
            )
            return
        budget = settings.CHAT_ROOM_DELIVERIES_PER_SECOND
        if budget and not await presence_store().within_budget(self.room, budget):
            # The room as a whole is at capacity: refusing now loses nothing,
            # queueing would delay (or, in stock layers, drop) everyone's messages.
            await self.send_error("slow down")
            return
        # Stored first: whatever a member receives can be fetched again later.
        try:
            wire = await message_writer().save(
                self.course_id, self.user, text, self.role
            )
        except Exception:
            logger.exception("chat: a message could not be stored")
            await self.send_error("message could not be stored, try again")
            return
        await self.broadcast(wire)

    async def receive_history(self, data):
        before, after = data.get("before"), data.get("after")
        for value in (before, after):
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 0 <= value <= MAX_ID
            ):
                await self.send_error("before and after must be message ids")
                return
        if before is not None and after is not None:
            await self.send_error("ask for messages before or after an id, not both")
            return
        await self.send(text_data=await history_frame(self.course_id, before, after))

    async def broadcast(self, text):
        """Send an encoded frame to every member, through each process's relay.

        Best effort: the message is stored already. If the layer fails or hangs,
        this process's members get it directly and the others catch up by id; the
        layer is then left alone for a while so each sender does not wait on it.
        """
        breaker = layer_breaker()
        if breaker.available():
            try:
                async with asyncio.timeout(LAYER_TIMEOUT):
                    await get_channel_layer().group_send(
                        self.room, {"type": "chat.frame", "text": text}
                    )
            except Exception as error:
                breaker.failed(error)
            else:
                breaker.succeeded()
                return
        await relays().deliver_here(self.room, text)

    async def send_error(self, error):
        await self.send(text_data=encode({"error": error}))


_layer_breakers = weakref.WeakKeyDictionary()


def layer_breaker():
    """The broadcast breaker of the running loop's channel layer."""
    layer = get_channel_layer()
    found = _layer_breakers.get(layer)
    if found is None:
        found = _layer_breakers[layer] = Breaker()
    return found
