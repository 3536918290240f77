"""The chat socket: one group per course room, messages stored before they are sent.

Protocol (DESIGN.md): the client sends `{"message": "text"}` and every member gets
`{"type": "chat_message", "id", "message", "user", "datetime"}`. A reconnecting
client catches up with `{"type": "history", "after": id}` (or scrolls back with
`"before"`), and `{"type": "presence"}` asks who is online. Bad input is answered
with `{"error": "..."}` and the connection stays open.

Speed: a message is encoded to JSON once, by the process that stores it; the group
event carries that text, and each process's relay (relay.py) hands it as it is to
the sockets of the room it serves.
"""

import contextlib
import json
import uuid

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from chat.models import ChatMessage
from chat.presence import presence_store
from chat.ratelimit import member_buckets
from chat.relay import relays
from chat.store import message_writer
from learning.access import can_view_contents
from learning.models import CoursePage

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
HISTORY_PAGE = 50


def room_group(course_id):
    return f"chat_{course_id}"


def encode(frame):
    return json.dumps(frame, ensure_ascii=False)


@database_sync_to_async
def access_verdict(user, course_id):
    """None when `user` may join the room; otherwise the close code to send."""
    course = CoursePage.objects.filter(pk=course_id).first()
    if course is None:
        return CLOSE_NOT_FOUND
    if not can_view_contents(user, course):
        return CLOSE_FORBIDDEN
    return None


@database_sync_to_async
def history_frame(course_id, before=None, after=None):
    manager = ChatMessage.objects
    if after is not None:
        messages, more = manager.page_after(course_id, after, HISTORY_PAGE)
    else:
        messages, more = manager.latest_page(course_id, before, HISTORY_PAGE)
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
    # No channel of its own: a socket hears its room through the process's relay
    # (relay.py), so it needs no per-connection subscription or receive loop.
    channel_layer_alias = None

    async def dispatch(self, message):
        # Channels closes stale database connections before every event, a hop to
        # the database thread each time: per delivery, that hop was most of the
        # cost of a busy room. Deliveries touch no database, and every database
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
        self.user = getattr(user, "_wrapped", user)
        # Accept first so the browser sees the close code (a refused handshake
        # only shows up as a failed connection without a reason).
        await self.accept()
        verdict = await access_verdict(self.user, self.course_id)
        if verdict is not None:
            await self.close(code=verdict)
            return
        self.connection = uuid.uuid4().hex
        await relays().join(self.room, self.connection, self.base_send)
        self.joined = True
        self.bucket = member_buckets.acquire(self.room, self.user.pk)
        self.member = {"id": self.user.pk, "name": self.user.get_username()}
        try:
            members = await presence_store().join(
                self.room, self.connection, self.user.pk, self.member["name"]
            )
            await self.send(text_data=encode({"type": "presence", "users": members}))
            await self.broadcast(encode({"type": "presence", "joined": self.member}))
        except Exception:
            # E.g. Redis is down: leave the relay and the bucket tidy, then fail.
            self.joined = False
            member_buckets.release(self.room, self.user.pk)
            with contextlib.suppress(Exception):
                await relays().leave(self.room, self.connection)
            raise

    async def disconnect(self, code):
        if not self.joined:
            return
        self.joined = False
        await relays().leave(self.room, self.connection)
        member_buckets.release(self.room, self.user.pk)
        was_last = await presence_store().leave(
            self.room, self.connection, self.user.pk
        )
        if was_last:
            await self.broadcast(encode({"type": "presence", "left": self.member}))

    async def receive(self, text_data=None, bytes_data=None):
        if not self.joined:
            return
        if not self.bucket.take():
            # Refusing the sender keeps every accepted message deliverable.
            await self.send_error("slow down")
            return
        if text_data is None:
            await self.send_error("send JSON text frames")
            return
        try:
            data = json.loads(text_data)
        except ValueError:
            await self.send_error("invalid JSON")
            return
        if not isinstance(data, dict):
            await self.send_error("expected a JSON object")
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
        wire = await message_writer().save(self.course_id, self.user, text)
        await self.broadcast(wire)

    async def receive_history(self, data):
        before, after = data.get("before"), data.get("after")
        for value in (before, after):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                await self.send_error("before and after must be message ids")
                return
        if before is not None and after is not None:
            await self.send_error("ask for messages before or after an id, not both")
            return
        await self.send(text_data=await history_frame(self.course_id, before, after))

    async def broadcast(self, text):
        """Send an encoded frame to every member, through each process's relay."""
        await get_channel_layer().group_send(
            self.room, {"type": "chat.frame", "text": text}
        )

    async def send_error(self, error):
        await self.send(text_data=encode({"error": error}))
