# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""educa.handlers.SharedThreadASGIHandler: Django's request cycle, in one crossing.

What Django's ASGIHandler guarantees must still hold: `request_started` before the
view, `request_finished` once per request, a streaming response closed only after
its last byte is sent, a view's error answered (500), not lost."""

import pytest
from django.core import signals
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

from educa.handlers import SharedThreadASGIHandler

pytestmark = [
    pytest.mark.asyncio,
    # The handler serves from its own thread: the data must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

events = []


def plain(request):
    events.append("view")
    return HttpResponse("plain answer")


def streaming(request):
    async def chunks():
        events.append("first chunk")
        yield b"one,"
        events.append("last chunk")
        yield b"two"

    events.append("view")
    return StreamingHttpResponse(chunks())


def broken(request):
    raise RuntimeError("the view failed")


urlpatterns = [
    path("handler/plain/", plain),
    path("handler/streaming/", streaming),
    path("handler/broken/", broken),
]


@pytest.fixture(autouse=True)
def recorded(settings):
    settings.ROOT_URLCONF = __name__
    events.clear()

    def started(**kwargs):
        events.append("request_started")

    def finished(**kwargs):
        events.append("request_finished")

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    yield events
    signals.request_started.disconnect(started)
    signals.request_finished.disconnect(finished)


async def call(url):
    """Serve one GET through the handler; (status, body), with `events` filled."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    answer = {"body": b""}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        events.append(message["type"])
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    await SharedThreadASGIHandler()(scope, receive, send)
    return answer["status"], answer["body"]


async def test_a_response_in_memory_is_finished_then_sent(recorded):
    assert await call("/handler/plain/") == (200, b"plain answer")
    assert recorded[:3] == ["request_started", "view", "request_finished"]
    assert recorded[3:] == ["http.response.start", "http.response.body"]


async def test_a_streaming_response_is_finished_after_its_last_byte(recorded):
    assert await call("/handler/streaming/") == (200, b"one,two")
    assert recorded[:2] == ["request_started", "view"]
    assert recorded[-1] == "request_finished"
    assert recorded.count("request_finished") == 1
    assert recorded.index("last chunk") < recorded.index("request_finished")


async def test_a_failing_view_is_a_500_and_the_request_still_finishes(recorded):
    status, _body = await call("/handler/broken/")
    assert status == 500
    assert recorded.count("request_started") == recorded.count("request_finished") == 1
