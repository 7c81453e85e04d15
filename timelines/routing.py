"""WebSocket routes of the timelines app."""

websocket_urlpatterns: list = []
