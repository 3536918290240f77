"""Django's ASGI handler, serving each request in one hop to one long-lived thread.

Django's `ASGIHandler` is built for async middleware and views. Ours are all
synchronous, and with them it wraps every request in a new asgiref
`ThreadSensitiveContext` (a thread started and joined per request) and crosses
between the event loop and that thread several times (the sync middleware, the async
core handler, the sync view). On the page benchmark those crossings cost more than
serving a cached page (bench/README.md).

This handler loads the middleware as the WSGI handler does and runs the whole
synchronous cycle, `request_started`, middleware, view and `request_finished`, in one
`sync_to_async` call on asgiref's shared thread: what a gunicorn sync worker does per
request, while the event loop stays free for websockets and for reading and writing
sockets. Concurrency comes from worker processes (`WEB_CONCURRENCY`), as for any
Django deployment.
"""

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse
from django.urls import set_script_prefix


class SharedThreadASGIHandler(ASGIHandler):
    def __init__(self):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP, not {scope['type']}.")
        await self.handle(scope, receive, send)

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
            response = await sync_to_async(self.respond, thread_sensitive=True)(
                scope, body_file
            )
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def respond(self, scope, body_file):
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()  # request_finished: the content is already in memory
        return response
