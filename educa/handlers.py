"""Django's ASGI handler, serving each request in one hop to one long-lived thread.

Django's `ASGIHandler` is built for async middleware and views. Ours are all
synchronous, and with them it wraps every request in a new asgiref
`ThreadSensitiveContext` (a thread started and joined per request) and crosses
between the event loop and that thread several times (the sync middleware, the async
core handler, the sync view). On the page benchmark those crossings cost more than
serving a cached page (bench/README.md).

This handler loads the middleware as the WSGI handler does and runs the whole
synchronous chain, middleware and view, in one `sync_to_async` call on asgiref's
shared thread: what a gunicorn sync worker does per request, while the event loop
stays free for websockets and for reading and writing sockets. Concurrency comes
from worker processes (`WEB_CONCURRENCY`), as for any Django deployment.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler


class SharedThreadASGIHandler(ASGIHandler):
    def __init__(self):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
