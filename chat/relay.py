"""One channel-layer subscription per room per process, fanned out to its sockets.

Stock Channels gives every socket its own channel in the room's group: a message
to a 500-member room becomes 500 layer deliveries, each a queue hand-off, a
deserialisation, a task and a dispatch in the consumer. Here each process joins
the room's group once, with a relay channel, and hands every frame (already
encoded as JSON text by the sender's process) straight to the ASGI `send` of each
local socket. With the Redis core layer this also turns a `group_send` into one
Redis push per process instead of one per member.
"""

import asyncio
import contextlib
import logging
import weakref

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

# channels_redis drops group members after a day (group_expiry): renew well before.
RENEW_EVERY = 3600


class RoomRelay:
    """This process's end of one room: a layer channel in the group, many sockets."""

    def __init__(self, layer, group):
        self.layer = layer
        self.group = group
        self.sockets = {}  # connection id -> ASGI send
        self.channel = None
        self._tasks = []

    async def start(self):
        self.channel = await self.layer.new_channel(prefix="chat-relay.")
        await self.layer.group_add(self.group, self.channel)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._pump()), loop.create_task(self._renew())]

    async def stop(self):
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.channel is not None:
            await self.layer.group_discard(self.group, self.channel)

    async def _pump(self):
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # e.g. a Redis timeout: keep the room alive
                logger.warning("chat relay: receive failed, retrying", exc_info=True)
                await asyncio.sleep(0.1)
                continue
            # One message dict for everyone: ASGI servers only read it.
            message = {"type": "websocket.send", "text": event["text"]}
            for send in list(self.sockets.values()):
                try:
                    await send(message)
                except Exception:  # one broken socket must not starve the room
                    logger.debug("chat relay: send failed", exc_info=True)

    async def _renew(self):
        while True:
            await asyncio.sleep(RENEW_EVERY)
            await self.layer.group_add(self.group, self.channel)


class Relays:
    """The relays of one event loop, by room."""

    def __init__(self, layer):
        self.layer = layer
        self.rooms = {}

    async def join(self, group, connection, send):
        """Deliver the room's frames to `send` from now on (once subscribed)."""
        entry = self.rooms.get(group)
        if entry is None:
            relay = RoomRelay(self.layer, group)
            started = asyncio.ensure_future(relay.start())
            entry = self.rooms[group] = (relay, started)
        relay, started = entry
        relay.sockets[connection] = send
        await asyncio.shield(started)

    async def leave(self, group, connection):
        entry = self.rooms.get(group)
        if entry is None:
            return
        relay, started = entry
        relay.sockets.pop(connection, None)
        if not relay.sockets:
            # Forget it first: a member arriving meanwhile gets a fresh relay.
            del self.rooms[group]
            with contextlib.suppress(Exception):
                await started
            await relay.stop()


_relays = weakref.WeakKeyDictionary()


def relays():
    """The relays of the running loop for the default channel layer."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    current = _relays.get(loop)
    if current is None or current.layer is not layer:
        current = _relays[loop] = Relays(layer)
    return current
