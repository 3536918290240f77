"""Django's ASGI handler, serving each request in one hop to a thread of a small pool.

Django's `ASGIHandler` is built for async middleware and views. Ours are all
synchronous, and with them it wraps every request in a new asgiref
`ThreadSensitiveContext` (a thread started and joined per request) and crosses
between the event loop and that thread several times (the sync middleware, the async
core handler, the sync view). On the page benchmark those crossings cost more than
serving a cached page (bench/README.md).

This handler loads the middleware as the WSGI handler does and runs the whole
synchronous cycle, `request_started`, middleware, view and `request_finished`, in one
`sync_to_async` call on a thread of the worker's own pool (`HTTP_THREADS`): what a
gunicorn threaded worker does per request, while the event loop stays free for
websockets and for reading and writing sockets. The pool is not asgiref's shared
thread, where the chat's database calls run (`database_sync_to_async`): a page
being rendered never holds a chat message up in a queue, and a slow request (a
password hash at sign-up, a publish) leaves the worker's other threads serving.

What it takes from Django's `ASGIHandler` (no public API turns an ASGI scope into
a request and a response into ASGI messages): `read_body`, `create_request`,
`send_response` and `chunk_size`. tests/test_asgi_handler.py breaks when they change.
"""

import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix


def http_threads():
    """Threads serving HTTP in each worker process: `HTTP_THREADS`, 2 by default
    (one computes while the other waits for the database or the cache; more only
    share the interpreter's one running thread: bench/README.md)."""
    try:
        return max(1, int(os.environ.get("HTTP_THREADS", "2")))
    except ValueError:
        return 2


class PooledSyncASGIHandler(ASGIHandler):
    def __init__(self, threads=None):
        super().__init__()
        # Django's loads the middleware for async; ours are synchronous and run in
        # one synchronous chain, as under WSGI.
        self.load_middleware(is_async=False)
        self.threads = threads or http_threads()
        self.executor = ThreadPoolExecutor(
            max_workers=self.threads, thread_name_prefix="http"
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP, not {scope['type']}.")
        await self.handle(scope, receive, send)

    def in_pool(self, func):
        return sync_to_async(func, thread_sensitive=False, executor=self.executor)

    async def handle(self, scope, receive, send):
        """Django's `handle`, with everything synchronous in one crossing.

        Django crosses to the thread for `request_started`, for the response and
        again for `response.close()` (`request_finished`), and watches for a
        disconnect in a task of its own, which cannot stop a synchronous view
        anyway. Here the signals, the request and the response are one crossing; a
        response already in memory is closed before it is sent, a streaming one
        (files) after, as Django does.
        """
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        try:
            response = await self.in_pool(self.respond)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await self.in_pool(response.close)()
        finally:
            body_file.close()

    def respond(self, scope, body_file):
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()  # request_finished: the content is already in memory
        return response
