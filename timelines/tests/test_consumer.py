"""The /ws/timeline consumer over the real Redis channel layer: auth, ownership, delivery."""

from __future__ import annotations

import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from twitter_site.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _headers_for(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"cookie", cookie.encode()), (b"origin", b"http://localhost"), (b"host", b"localhost")]


def _run(function):
    """Run an async test body on a fresh thread (another test may leave an event loop in this one)."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = async_to_sync(function)()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _socket(headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, "/ws/timeline", headers=headers)


def test_anonymous_socket_is_refused():
    async def run():
        socket = _socket([(b"origin", b"http://localhost"), (b"host", b"localhost")])
        connected, _ = await socket.connect()
        await socket.disconnect()
        return connected

    assert _run(run) is False


def test_only_the_stream_owner_gets_the_new_tweet_event(person, act):
    author, fan, other = person("author"), person("fan"), person("other")
    act.follow(fan, author)
    from timelines import services

    services.rebuild_feed(user_id=fan.pk)
    services.rebuild_feed(user_id=other.pk)
    fan_headers, other_headers, author_headers = _headers_for(fan), _headers_for(other), _headers_for(author)

    async def run():
        fan_socket, other_socket, author_socket = _socket(fan_headers), _socket(other_headers), _socket(author_headers)
        assert (await fan_socket.connect())[0]
        assert (await other_socket.connect())[0]
        assert (await author_socket.connect())[0]
        tweet = await sync_to_async(act.tweet)(author, "live!")
        event = await fan_socket.receive_json_from(timeout=3)
        nothing_for_other = await other_socket.receive_nothing(timeout=0.3)
        nothing_for_author = await author_socket.receive_nothing(timeout=0.1)  # they wrote it
        for socket in (fan_socket, other_socket, author_socket):
            await socket.disconnect()
        return tweet, event, nothing_for_other, nothing_for_author

    tweet, event, nothing_for_other, nothing_for_author = _run(run)
    assert event == {"type": "timeline.new_tweets", "tweet_id": str(tweet.pk)}
    assert nothing_for_other and nothing_for_author


def test_followers_of_an_above_the_limit_author_get_the_event_too(person, act, settings):
    """Such authors are not fanned out (their tweets are merged at read time), but open pages hear of them."""
    settings.TIMELINE_FANOUT_FOLLOWER_LIMIT = 1
    star, fan, other, second = person("star"), person("fan"), person("other"), person("second")
    act.follow(fan, star)
    act.follow(second, star)  # two followers: above the limit of 1
    from timelines import services

    for user in (fan, other):
        services.rebuild_feed(user_id=user.pk)
    fan_headers, other_headers = _headers_for(fan), _headers_for(other)

    async def run():
        fan_socket, other_socket = _socket(fan_headers), _socket(other_headers)
        assert (await fan_socket.connect())[0]
        assert (await other_socket.connect())[0]
        tweet = await sync_to_async(act.tweet)(star, "big news")
        event = await fan_socket.receive_json_from(timeout=3)
        nothing_for_other = await other_socket.receive_nothing(timeout=0.3)
        for socket in (fan_socket, other_socket):
            await socket.disconnect()
        return tweet, event, nothing_for_other

    tweet, event, nothing_for_other = _run(run)
    assert event == {"type": "timeline.new_tweets", "tweet_id": str(tweet.pk)}
    assert nothing_for_other
    from timelines import feeds

    assert feeds.redis().sismember(feeds.celebrities_key(), star.pk)  # it went the read-time-merge way
    assert str(tweet.pk) not in {str(i) for i in feeds.member_ids(user_id=fan.pk)}
    page = APIClient()
    page.force_authenticate(fan)
    assert page.get("/api/v1/timelines/home").json()["results"][0]["id"] == str(tweet.pk)  # merged at read time


def test_presence_is_counted_per_socket(person):
    from timelines import feeds

    user = person("someone")
    headers = _headers_for(user)

    async def run():
        first, second = _socket(headers), _socket(headers)
        await first.connect()
        await second.connect()
        both = await sync_to_async(feeds.redis().hget)(feeds.online_key(), str(user.pk))
        await first.disconnect()
        one = await sync_to_async(feeds.redis().hget)(feeds.online_key(), str(user.pk))
        await second.disconnect()
        none = await sync_to_async(feeds.redis().hget)(feeds.online_key(), str(user.pk))
        return both, one, none

    assert _run(run) == (b"2", b"1", None)
