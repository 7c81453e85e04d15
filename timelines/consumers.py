"""The home timeline's WebSocket: tells a signed-in user's open pages that new tweets arrived."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from timelines import feeds
from timelines.services import user_group

UNAUTHENTICATED = 4401


class TimelineConsumer(AsyncJsonWebsocketConsumer):
    """One socket per open home page; joins the owner's group only. Anonymous sockets are refused."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await database_sync_to_async(feeds.socket_opened)(user_id=user.pk)
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await database_sync_to_async(feeds.socket_closed)(user_id=self.user_id)

    async def receive_json(self, content, **kwargs):
        """Ignore what clients send: the stream is one-way."""

    async def timeline_new_tweets(self, event):
        await self.send_json({"type": "timeline.new_tweets", "tweet_id": event["tweet_id"]})
