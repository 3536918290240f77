# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""educa.handlers.PooledSyncASGIHandler: Django's request cycle, in one crossing to a
thread of the worker's own pool.

What Django's ASGIHandler guarantees must still hold: `request_started` before the
view, `request_finished` once per request, a streaming response closed only after
its last byte is sent, a view's error answered (500), not lost. Requests run off
asgiref's shared thread (the chat's database calls), and a slow one does not hold
up the next. What the handler takes from Django's ASGIHandler is still there."""

import asyncio
import inspect
import threading

import pytest
from asgiref.sync import sync_to_async
from django.core import signals
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

from educa.handlers import PooledSyncASGIHandler

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


def thread(request):
    return HttpResponse(str(threading.get_ident()))


released = threading.Event()


def slow(request):
    # Waits for `quick` below: with one thread for both, it would wait in vain.
    return HttpResponse("released" if released.wait(timeout=5) else "still waiting")


def quick(request):
    released.set()
    return HttpResponse("quick")


urlpatterns = [
    path("handler/plain/", plain),
    path("handler/streaming/", streaming),
    path("handler/broken/", broken),
    path("handler/thread/", thread),
    path("handler/slow/", slow),
    path("handler/quick/", quick),
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


async def call(url, handler=None):
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

    await (handler or PooledSyncASGIHandler())(scope, receive, send)
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


async def test_requests_run_off_the_thread_of_the_chats_database_calls():
    # database_sync_to_async, as the chat's consumer calls it: asgiref's shared thread.
    shared_thread = await sync_to_async(threading.get_ident)()
    status, body = await call("/handler/thread/")
    assert status == 200
    assert int(body) != shared_thread


async def test_a_slow_request_does_not_hold_up_the_next():
    released.clear()
    handler = PooledSyncASGIHandler(threads=2)
    slow_answer = asyncio.ensure_future(call("/handler/slow/", handler))
    await asyncio.sleep(0.05)  # the slow request is in its view, waiting
    assert await call("/handler/quick/", handler) == (200, b"quick")
    assert await slow_answer == (200, b"released")


async def test_what_the_handler_takes_from_djangos_asgi_handler_is_still_there():
    """No public API turns an ASGI scope into a request and a response into ASGI
    messages; the handler calls these of Django's ASGIHandler. If this fails after
    an upgrade, educa/handlers.py must follow Django's change."""
    expected = {
        "read_body": ["self", "receive"],
        "create_request": ["self", "scope", "body_file"],
        "send_response": ["self", "response", "send"],
    }
    for name, parameters in expected.items():
        method = getattr(ASGIHandler, name)
        assert list(inspect.signature(method).parameters) == parameters, name
    assert inspect.iscoroutinefunction(ASGIHandler.read_body)
    assert inspect.iscoroutinefunction(ASGIHandler.send_response)
    assert not inspect.iscoroutinefunction(ASGIHandler.create_request)
    assert isinstance(ASGIHandler.chunk_size, int)
