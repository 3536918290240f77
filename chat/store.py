"""Storing messages with group commit: one INSERT for all that arrived meanwhile.

A room under load receives many messages a second and each must be stored before
it is broadcast. Saving them one by one serialises every sender behind a database
round trip (the consumers' database calls share one thread); instead, messages
that arrive while a batch is being written wait for the next batch, which is saved
with a single bulk INSERT. At low traffic a batch is one message, so nothing waits
longer than before; at high traffic the database sees far fewer statements.
"""

import asyncio
import weakref

from channels.db import database_sync_to_async

from chat.models import ChatMessage

MAX_BATCH = 500


@database_sync_to_async
def _save(messages):
    ChatMessage.objects.bulk_create(messages)
    if any(message.pk is None for message in messages):
        # A backend that cannot return ids from a bulk insert: save one by one.
        for message in messages:
            if message.pk is None:
                message.save()
    return [message.as_json() for message in messages]


class MessageWriter:
    """Saves messages of this process (and event loop) in batches."""

    def __init__(self):
        self._pending = []
        self._task = None

    async def save(self, course_id, author, text):
        """Store a message; return it encoded for the wire once it is committed."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        message = ChatMessage(course_id=course_id, author=author, text=text)
        self._pending.append((message, done))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return await done

    async def _drain(self):
        while self._pending:
            batch = self._pending[:MAX_BATCH]
            del self._pending[:MAX_BATCH]
            try:
                wires = await _save([message for message, _ in batch])
            except Exception as error:  # every waiting sender hears of it
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
            else:
                for (_, done), wire in zip(batch, wires, strict=True):
                    if not done.done():
                        done.set_result(wire)


_writers = weakref.WeakKeyDictionary()


def message_writer():
    """The writer of the running event loop (futures belong to one loop)."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = MessageWriter()
    return writer
