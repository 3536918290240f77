"""The chat with its Redis paused, killed and restarted: the database is the record.

Each test runs its own redis-server (tests/redis_server.py), never the shared one,
and points the channel layer (and so presence and the rate limit) at it.
"""

import time

import pytest
from channels.layers import channel_layers
from django.test import override_settings

from chat import presence, ratelimit
from chat.tests.test_consumers import joined, stored_texts
from tests.redis_server import RedisServer

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LAYERS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}


@pytest.fixture
def redis_server():
    server = RedisServer.started()
    yield server
    server.stop()


@pytest.fixture(params=LAYERS)
def layer_on_redis(request, redis_server):
    config = {
        "default": {
            "BACKEND": LAYERS[request.param],
            "CONFIG": {"hosts": [redis_server.url], "prefix": "educa-fault"},
        }
    }
    with override_settings(CHANNEL_LAYERS=config):
        channel_layers.backends.clear()
        yield redis_server
    channel_layers.backends.clear()


async def settle(communicator):
    """Read what arrives for a moment (e.g. presence news), return it."""
    frames = []
    while not await communicator.receive_nothing(timeout=0.3):
        frames.append(await communicator.receive_json_from())
    return frames


async def send_ten(alice):
    """Ten messages; every one is answered (its echo or an error) quickly."""
    started = time.monotonic()
    for n in range(10):
        await alice.send_json_to({"message": f"during {n}"})
    answers = []
    while len(answers) < 10:
        frame = await alice.receive_json_from(timeout=5)
        if "error" in frame or frame.get("type") == "chat_message":
            answers.append(frame)
    return answers, time.monotonic() - started


@pytest.mark.parametrize("outage", ["pause", "kill"])
async def test_messages_are_stored_while_redis_is_away(
    layer_on_redis, connect_as, enrolled, instructor, course, outage
):
    server = layer_on_redis
    alice = await connect_as(enrolled)
    await joined(alice)
    teacher = await connect_as(instructor)
    await joined(teacher)
    await settle(alice)

    getattr(server, outage)()
    answers, took = await send_ten(alice)

    accepted = [a["message"] for a in answers if "message" in a]
    assert accepted == [f"during {n}" for n in range(10)]
    assert await stored_texts(course) == accepted
    # Members of this process still hear them, without the layer.
    heard = [f["message"] for f in await settle(teacher) if "message" in f]
    assert heard == accepted
    assert took < 8


@pytest.mark.parametrize("outage", ["pause", "kill"])
async def test_sockets_work_again_once_redis_is_back(
    layer_on_redis, connect_as, enrolled, instructor, course, outage
):
    server = layer_on_redis
    teacher = await connect_as(instructor)
    await joined(teacher)

    getattr(server, outage)()
    # Joining during the outage: accepted, served, not dropped (after a wait
    # for the hung Redis, at most a socket timeout or two).
    alice = await connect_as(enrolled)
    welcome = await alice.receive_json_from(timeout=5)
    assert [u["name"] for u in welcome["users"]] == ["instructor", "student"]
    await alice.send_json_to({"message": "while away"})
    frames = [await alice.receive_json_from(timeout=5) for _ in range(2)]
    assert "while away" in [f.get("message") for f in frames]

    server.resume() if outage == "pause" else server.start()
    late = await connect_as(enrolled)
    # (News held up by the paused server may come first.)
    frame = {}
    while "users" not in frame:
        frame = await late.receive_json_from(timeout=5)
    # The layer carries messages again (after the relays re-subscribed).
    deadline = time.monotonic() + 15
    heard = False
    n = 0
    while not heard and time.monotonic() < deadline:
        n += 1
        await teacher.send_json_to({"message": f"back {n}"})
        frames = await settle(late)
        heard = any(f.get("message", "").startswith("back") for f in frames)
    assert heard
    for socket in (alice, late, teacher):
        await socket.send_json_to({"type": "presence"})
        frame = {}
        while "users" not in frame:  # skipping news of others coming and going
            frame = await socket.receive_json_from(timeout=5)
    assert "while away" in await stored_texts(course)


async def test_presence_degrades_to_this_process_without_redis(redis_server):
    store = presence.RedisPresence(redis_server.url, "educa-fault")
    assert [m["name"] for m in await store.join("room", "c1", 1, "ann")] == ["ann"]
    redis_server.pause()
    started = time.monotonic()
    assert [m["name"] for m in await store.join("room", "c2", 2, "bob")] == [
        "ann",
        "bob",
    ]
    assert [m["name"] for m in await store.members("room")] == ["ann", "bob"]
    assert await store.within_budget("room", 100)
    assert await store.leave("room", "c2", 2) is True
    assert time.monotonic() - started < 3
    redis_server.resume()


async def test_rate_limit_holds_across_processes_through_redis(redis_server, settings):
    settings.CHAT_RATE_PER_SECOND = 0.001
    settings.CHAT_RATE_BURST = 4
    # Two processes: each its own SharedBuckets and local bucket, one Redis.
    first = ratelimit.SharedBuckets(redis_server.url, "educa-fault")
    second = ratelimit.SharedBuckets(redis_server.url, "educa-fault")
    verdicts = []
    for n in range(8):
        buckets = first if n % 2 else second
        verdicts.append(await buckets.take("chat_1", 7, 0.001, 4))
    assert verdicts.count(True) == 4
    assert verdicts[4:] == [False] * 4
    # Another member, another room: their own allowance.
    assert await first.take("chat_1", 8, 0.001, 4) is True
    assert await first.take("chat_2", 7, 0.001, 4) is True


async def test_rate_limit_falls_back_to_the_local_bucket_when_redis_is_down(
    redis_server, settings
):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_server.url], "prefix": "educa-fault"},
        }
    }
    bucket = ratelimit.TokenBucket(0.001, 2)
    redis_server.kill()
    started = time.monotonic()
    verdicts = [await ratelimit.may_send("chat_1", 7, bucket) for _ in range(3)]
    assert verdicts == [True, True, False]
    assert time.monotonic() - started < 2
