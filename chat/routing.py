"""The chat's websockets: their URLs and the stack a socket goes through (the
origin check, then the session's user), mounted by educa/asgi.py."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from chat import consumers

websocket_urlpatterns = [
    path("ws/chat/room/<int:course_id>/", consumers.ChatConsumer.as_asgi()),
]

websocket_application = AllowedHostsOriginValidator(
    AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
)
