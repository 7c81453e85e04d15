"""WebSocket routes of every app, in one list."""

from timelines.routing import websocket_urlpatterns as timeline_routes

websocket_urlpatterns = [*timeline_routes]
