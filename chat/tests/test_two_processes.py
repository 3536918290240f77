"""Two server processes on one Redis: one room, wherever its members connect."""

import asyncio
import json
from urllib.parse import urlparse

import pytest

from tests.chat_support import live_database, make_members, servers

pytestmark = pytest.mark.services

LAYERS = [
    "channels_redis.pubsub.RedisPubSubChannelLayer",
    "channels_redis.core.RedisChannelLayer",
]


@pytest.fixture(scope="module")
def database():
    with live_database() as url:
        yield url, make_members(url, clients=2)


async def open_socket(server, room, session):
    from websockets.asyncio.client import connect

    host = urlparse(server).netloc
    return await connect(
        f"ws://{host}/ws/chat/room/{room}/",
        additional_headers={"Cookie": f"sessionid={session}"},
        origin=f"http://{host}",
        open_timeout=10,
    )


async def frame_of(socket, predicate):
    """The first frame that satisfies `predicate` (others are skipped)."""

    async def wait():
        while True:
            frame = json.loads(await socket.recv())
            if predicate(frame):
                return frame

    return await asyncio.wait_for(wait(), timeout=10)


async def online(socket):
    await socket.send(json.dumps({"type": "presence"}))
    frame = await frame_of(socket, lambda f: "users" in f)
    return sorted(user["name"] for user in frame["users"])


@pytest.mark.asyncio
@pytest.mark.parametrize("layer", LAYERS, ids=["pubsub", "core"])
async def test_message_and_presence_cross_processes(redis_url, database, layer):
    database_url, plan = database
    alice, bob = plan["clients"]
    room = plan["rooms"][0]
    names = sorted([alice["username"], bob["username"]])

    with servers(database_url, count=2, redis_url=redis_url, layer=layer) as urls:
        first = await open_socket(urls[0], room, alice["session"])
        await frame_of(first, lambda f: "users" in f)
        second = await open_socket(urls[1], room, bob["session"])
        welcome = await frame_of(second, lambda f: "users" in f)
        assert sorted(u["name"] for u in welcome["users"]) == names
        # Alice's socket hears of Bob's arrival through the other process.
        await frame_of(
            first, lambda f: f.get("joined", {}).get("name") == bob["username"]
        )

        await first.send(json.dumps({"message": "across processes"}))
        heard = await frame_of(second, lambda f: f.get("type") == "chat_message")
        assert heard["message"] == "across processes"
        assert heard["user"] == alice["username"]
        assert await online(first) == names
        assert await online(second) == names

        await second.close()
        departure = await frame_of(first, lambda f: "left" in f)
        assert departure["left"]["name"] == bob["username"]
        assert await online(first) == [alice["username"]]
        await first.close()
