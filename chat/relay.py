"""One channel-layer subscription per room per process, fanned out to its sockets.

Stock Channels gives every socket its own channel in the room's group: a message
to a room becomes one layer delivery per member, each a queue hand-off, a
deserialisation, a task and a dispatch in the consumer. Here each process joins
the room's group once, with a relay channel, and hands every frame (already
encoded as JSON text by the sender's process) straight to the ASGI `send` of each
local socket. With the Redis core layer this also turns a `group_send` into one
Redis push per process instead of one per member.

The layer is best effort: the database is the record. A subscription that fails
(Redis away or hung) is retried with back-off and never takes a socket down; a
broadcast that fails reaches this process's sockets directly, and members elsewhere
catch up by id through history.

Each process also listens on a control group: when someone's access changes
(chat/signals.py), every process re-checks the sockets concerned at once. When that
subscription comes back after a failure, notices may have been lost meanwhile:
every socket of the process is re-checked then.
"""

import asyncio
import contextlib
import contextvars
import logging
import uuid
import weakref

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

# channels_redis drops group members after a day (group_expiry): renew well before.
RENEW_EVERY = 3600
# Seconds a layer call may take: a hung Redis must not hold a sender or a socket.
LAYER_TIMEOUT = 1.0
# How long a joining socket waits for its room's subscription before going on.
JOIN_WAIT = 1.0
RETRY_MIN, RETRY_MAX = 0.1, 5.0
CONTROL_GROUP = "chat_control"
# Control events this process sent itself are handled directly, not again.
PROCESS_ID = uuid.uuid4().hex


class Subscription:
    """This process's membership of one layer group, kept up whatever Redis does."""

    def __init__(self, layer, group, handle, recovered=None):
        self.layer = layer
        self.group = group
        self.handle = handle  # called with each event
        self.recovered = recovered  # called when subscribed again after a failure
        self.channel = None
        self.ready = asyncio.Event()
        self._task = None

    def start(self):
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self):
        if self._task is not None:
            self._task.cancel()
            # A layer cleaning up on cancellation may hang with Redis: not for long.
            await asyncio.wait({self._task}, timeout=LAYER_TIMEOUT)
        if self.channel is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(LAYER_TIMEOUT):
                    await self.layer.group_discard(self.group, self.channel)

    async def _run(self):
        pause = RETRY_MIN
        failed = False
        while True:
            try:
                async with asyncio.timeout(LAYER_TIMEOUT):
                    if self.channel is None:
                        self.channel = await self.layer.new_channel(
                            prefix="chat-relay."
                        )
                    # Again after every failure: a restarted Redis forgot the group.
                    await self.layer.group_add(self.group, self.channel)
                self.ready.set()
                pause = RETRY_MIN
                if failed and self.recovered is not None:
                    failed = False
                    self.recovered()
                await self._pump()
            except asyncio.CancelledError:
                raise
            except Exception:
                failed = True
                logger.warning(
                    "chat relay: %s unavailable, retrying", self.group, exc_info=True
                )
            await asyncio.sleep(pause)
            pause = min(RETRY_MAX, pause * 2)

    async def _pump(self):
        """Hand events on until receiving fails (then the caller re-subscribes).

        Never a timeout on `receive`: the pub/sub layer takes a cancelled receive
        for a consumer going away and drops the channel.
        """
        renewer = asyncio.get_running_loop().create_task(self._renew())
        try:
            while True:
                event = await self.layer.receive(self.channel)
                try:
                    await self.handle(event)
                except Exception:
                    logger.exception("chat relay: could not handle an event")
        finally:
            renewer.cancel()

    async def _renew(self):
        while True:
            await asyncio.sleep(RENEW_EVERY)
            with contextlib.suppress(Exception):
                async with asyncio.timeout(LAYER_TIMEOUT):
                    await self.layer.group_add(self.group, self.channel)


class RoomRelay:
    """This process's end of one room: a subscription, many sockets."""

    def __init__(self, layer, group):
        self.sockets = {}  # connection id -> ASGI send
        self.subscription = Subscription(layer, group, self._on_event)

    async def _on_event(self, event):
        if event.get("type") == "chat.frame":
            await self.deliver(event["text"])

    async def deliver(self, text):
        # One message dict for everyone: ASGI servers only read it.
        message = {"type": "websocket.send", "text": text}
        for send in list(self.sockets.values()):
            try:
                await send(message)
            except Exception:  # one broken socket must not starve the room
                logger.debug("chat relay: send failed", exc_info=True)


class Relays:
    """The relays of one event loop, by room, and the sockets' access re-checks."""

    def __init__(self, layer):
        self.layer = layer
        self.rooms = {}
        # connection id -> (user id, group, session key, coroutine function)
        self.watchers = {}
        self.control = None
        # Moves on with every re-check notice: a socket that compares it before and
        # after joining knows whether it may have missed one.
        self.notices = 0
        self._pending_checks = set()

    async def join(self, group, connection, send):
        """Deliver the room's frames to `send` from now on (once subscribed).

        Never raises for the layer's sake: if the room cannot be subscribed to in
        time, the socket is served anyway and hears the room once it is.
        """
        if self.control is None:
            self.control = Subscription(
                self.layer, CONTROL_GROUP, self._on_control, self.recheck_all
            )
            self.control.start()
        relay = self.rooms.get(group)
        if relay is None:
            relay = self.rooms[group] = RoomRelay(self.layer, group)
            relay.subscription.start()
        relay.sockets[connection] = send
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(JOIN_WAIT):
                await relay.subscription.ready.wait()

    def watch(self, connection, user_id, group, session_key, recheck):
        """Have `recheck` called when that user's, room's or session's access changes.

        `recheck` is a coroutine function taking `session_ended`: true when the
        socket's own session was ended (a logout).
        """
        self.watchers[connection] = (user_id, group, session_key, recheck)

    async def leave(self, group, connection):
        self.watchers.pop(connection, None)
        relay = self.rooms.get(group)
        if relay is None:
            return
        relay.sockets.pop(connection, None)
        if not relay.sockets:
            # Forget it first: a member arriving meanwhile gets a fresh relay.
            del self.rooms[group]
            stops = [relay.subscription.stop()]
            if not self.rooms and self.control is not None:
                stops.append(self.control.stop())
                self.control = None
            await asyncio.gather(*stops)

    async def deliver_here(self, group, text):
        """Hand a frame to this process's sockets in the room (no layer)."""
        relay = self.rooms.get(group)
        if relay is not None:
            await relay.deliver(text)

    async def _on_control(self, event):
        if event.get("type") == "chat.recheck" and event.get("origin") != PROCESS_ID:
            self.recheck(event)

    def recheck(self, event):
        """Have the sockets of the named users, rooms or sessions check again."""
        self.notices += 1
        users = set(event.get("users") or ())
        rooms = set(event.get("rooms") or ())
        sessions = set(event.get("sessions") or ())
        for user_id, group, session_key, check in list(self.watchers.values()):
            if session_key is not None and session_key in sessions:
                self._spawn(check(session_ended=True))
            elif user_id in users or group in rooms:
                self._spawn(check())

    def recheck_all(self):
        """Have every socket check again (notices may have been lost)."""
        self.notices += 1
        for *_, check in list(self.watchers.values()):
            self._spawn(check())

    def _spawn(self, coroutine):
        task = asyncio.get_running_loop().create_task(coroutine)
        self._pending_checks.add(task)
        task.add_done_callback(self._pending_checks.discard)


_relays = weakref.WeakKeyDictionary()


def relays():
    """The relays of the running loop for the default channel layer."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    current = _relays.get(loop)
    if current is None or current.layer is not layer:
        current = _relays[loop] = Relays(layer)
    return current


def push_recheck(users=(), rooms=(), sessions=()):
    """From synchronous code: make every process re-check those sockets' access.

    The sockets of `sessions` (session keys that ended) are closed outright.

    This process's sockets are told directly; other processes through the control
    group. Failing to reach them is logged, not raised: each frame a socket sends
    is checked anyway.
    """
    event = {
        "type": "chat.recheck",
        "users": list(users),
        "rooms": list(rooms),
        "sessions": list(sessions),
        "origin": PROCESS_ID,
    }
    for loop, current in list(_relays.items()):
        if not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # a loop closing meanwhile
                # A context of its own: the caller's (asgiref's database thread)
                # would make the checks believe they run in that thread.
                loop.call_soon_threadsafe(
                    current.recheck, event, context=contextvars.Context()
                )
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return  # no other process can hear this layer

    async def send():
        async with asyncio.timeout(LAYER_TIMEOUT):
            await layer.group_send(CONTROL_GROUP, event)

    try:
        async_to_sync(send)()
    except Exception:
        logger.warning("chat: could not tell other processes to re-check access")
