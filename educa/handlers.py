"""Django's ASGI handler, with the views of a worker run on one long-lived thread.

Django's `ASGIHandler` wraps every request in a new asgiref `ThreadSensitiveContext`,
which starts a thread for the request's synchronous code (middleware, views, the
ORM) and joins it afterwards. On the page benchmark that thread's start and join cost
more than serving a cached page (bench/README.md). Without the per-request context
asgiref runs all synchronous code of the process on its one shared thread, one
request after another: what a gunicorn sync worker does, with the event loop still
free for websockets and for reading and writing sockets. Concurrency comes from
worker processes (`WEB_CONCURRENCY`), as for any Django deployment.
"""

from django.core.handlers.asgi import ASGIHandler


class SharedThreadASGIHandler(ASGIHandler):
    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP, not {scope['type']}.")
        await self.handle(scope, receive, send)
