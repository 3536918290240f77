"""The database or the layer failing as a whole: no retries that only add waiting,
and nothing believed that could not be checked."""

import asyncio

import pytest
from django.db import OperationalError

from chat import relay, store
from chat.models import ChatMessage

pytestmark = pytest.mark.asyncio


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_database_away_fails_the_batch_without_saving_one_by_one(
    enrolled, course, monkeypatch
):
    saves = []

    def away(*args, **kwargs):
        raise OperationalError("the database is away")

    monkeypatch.setattr(ChatMessage.objects, "bulk_create", away)
    monkeypatch.setattr(ChatMessage, "save", lambda self, *a, **k: saves.append(self))
    writer = store.MessageWriter()
    results = await asyncio.gather(
        writer.save(course.pk, enrolled, "first"),
        writer.save(course.pk, enrolled, "second"),
        return_exceptions=True,
    )
    assert all(isinstance(result, OperationalError) for result in results)
    assert saves == []


class FlakyLayer:
    """A layer whose first subscription fails, then works (and never delivers)."""

    def __init__(self):
        self.adds = 0

    async def new_channel(self, prefix=""):
        return f"{prefix}1"

    async def group_add(self, group, channel):
        self.adds += 1
        if self.adds == 1:
            raise ConnectionError("Redis away")

    async def group_discard(self, group, channel):
        pass

    async def receive(self, channel):
        await asyncio.Event().wait()


async def test_control_subscription_back_after_a_failure_rechecks_everyone(
    monkeypatch,
):
    monkeypatch.setattr(relay, "RETRY_MIN", 0.01)
    relays = relay.Relays(FlakyLayer())
    checked = []

    async def check(session_ended=False):
        checked.append(session_ended)

    relays.watch("c1", 1, "chat_1", None, check)
    relays.watch("c2", 2, "chat_2", "key", check)
    subscription = relay.Subscription(
        relays.layer, relay.CONTROL_GROUP, relays._on_control, relays.recheck_all
    )
    subscription.start()
    await asyncio.wait_for(subscription.ready.wait(), timeout=1)
    await asyncio.sleep(0)
    assert checked == [False, False]
    await subscription.stop()
