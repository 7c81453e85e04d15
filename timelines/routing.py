"""WebSocket routes of the timelines app."""

from django.urls import path

from timelines.consumers import TimelineConsumer

websocket_urlpatterns: list = [
    path("ws/timeline", TimelineConsumer.as_asgi()),
]
