"""Websocket URLs of the chat, mounted by educa/asgi.py."""

from django.urls import path

from chat import consumers

websocket_urlpatterns = [
    path("ws/chat/room/<int:course_id>/", consumers.ChatConsumer.as_asgi()),
]
