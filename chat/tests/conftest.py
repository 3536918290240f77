"""Fixtures for the chat tests: members of a room and sockets connected as them."""

import uuid

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from chat.routing import websocket_urlpatterns


@pytest.fixture(autouse=True)
def own_channel_layer(settings):
    """A channel layer (and presence keys) no other test run shares.

    With REDIS_URL set the layer is Redis; a prefix of our own keeps parallel
    runs on one Redis from hearing each other.
    """
    layers = {
        alias: {**config, "CONFIG": dict(config.get("CONFIG", {}))}
        for alias, config in settings.CHANNEL_LAYERS.items()
    }
    if "hosts" in layers["default"]["CONFIG"]:
        layers["default"]["CONFIG"]["prefix"] = f"educa-test-{uuid.uuid4().hex[:12]}"
    settings.CHANNEL_LAYERS = layers


@pytest.fixture(autouse=True)
def close_database_thread_connections():
    """Close what async tests left open in asgiref's database thread.

    Async ORM calls and sync_to_async run in one shared worker thread whose
    connection would otherwise outlive the test and block dropping the test
    database on PostgreSQL.
    """
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture
def connect_as(course):
    """Open a socket to a room as a user (in the room by default)."""

    async def connect(user, course_id=None):
        path = f"/ws/chat/room/{course_id or course.pk}/"
        communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
        communicator.scope["user"] = user
        connected, _ = await communicator.connect()
        assert connected
        return communicator

    return connect
