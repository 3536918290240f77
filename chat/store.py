"""Storing messages with group commit: one INSERT for all that arrived meanwhile.

A room under load receives many messages a second and each must be stored before
it is broadcast. Saving them one by one serialises every sender behind a database
round trip (the consumers' database calls share one thread); instead, messages
that arrive while a batch is being written wait for the next batch, which is saved
with a single bulk INSERT. At low traffic a batch is one message, so nothing waits
longer than before; at high traffic the database sees far fewer statements.

One bad row must not cost the others: if a batch is refused for a row's sake, its
messages are saved one by one and only the sender whose row fails hears of it. (The
consumer rejects what it knows a database refuses before it gets here.) If the
database itself fails (away, connection lost), the batch fails as a whole: saving
one by one would only make each message wait for its own failure.
"""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async
from django.db import DataError, IntegrityError

from chat.models import ChatMessage

logger = logging.getLogger(__name__)

MAX_BATCH = 500
# What a database raises for a row it refuses (rather than for being unavailable).
ROW_ERRORS = (IntegrityError, DataError, ValueError)


def _save_each(messages):
    """Save one by one: a wire text, or the exception, for each message.

    A row refused costs that message; any other failure (the database went away)
    costs it and all after it, without trying them.
    """
    results = []
    for index, message in enumerate(messages):
        try:
            message.save()
        except ROW_ERRORS as error:
            logger.warning("chat: a message could not be stored: %r", error)
            results.append(error)
        except Exception as error:
            results.extend([error] * (len(messages) - index))
            break
        else:
            results.append(message.as_json())
    return results


@database_sync_to_async
def _save(messages):
    """Store a batch; per message its wire text or the exception that refused it.

    Raises when the database fails rather than a row (every message fails then).
    """
    try:
        ChatMessage.objects.bulk_create(messages)
    except ROW_ERRORS:
        # bulk_create is all or nothing: none of them was stored. Ids given to an
        # earlier part of the batch went with it (without an id, save inserts).
        for message in messages:
            message.pk = None
        return _save_each(messages)
    return [message.as_json() for message in messages]


class MessageWriter:
    """Saves messages of this process (and event loop) in batches."""

    def __init__(self):
        self._pending = []
        self._task = None

    async def save(self, course_id, author, text, role=None):
        """Store a message; return it encoded for the wire once it is committed
        (with `role`, the author's role in the course, for the badge)."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        message = ChatMessage(course_id=course_id, author=author, text=text)
        message.author_role = role
        self._pending.append((message, done))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return await done

    async def _drain(self):
        while self._pending:
            batch = self._pending[:MAX_BATCH]
            del self._pending[:MAX_BATCH]
            try:
                results = await _save([message for message, _ in batch])
            except Exception as error:  # e.g. the database is away: all of them
                results = [error] * len(batch)
            for (_, done), result in zip(batch, results, strict=True):
                if done.done():
                    continue
                if isinstance(result, Exception):
                    done.set_exception(result)
                else:
                    done.set_result(result)


_writers = weakref.WeakKeyDictionary()


def message_writer():
    """The writer of the running event loop (futures belong to one loop)."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = MessageWriter()
    return writer
