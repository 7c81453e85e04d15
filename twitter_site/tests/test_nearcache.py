"""The near cache (twitter_site.nearcache): what it keeps, what Redis's invalidations take away, and the pages that use it."""

from __future__ import annotations

import time

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django_redis import get_redis_connection

from accounts import usercache
from accounts.services import follow
from timelines import cache as cards
from trending import counters, pagecache
from tweets import hotcache
from tweets.services import create_tweet, edit_tweet, like_tweet
from twitter_site import nearcache

KEY = "viewer:liked:424242"


@pytest.fixture
def other_client():
    """A Redis client on connections of its own, as another process would have."""
    kwargs = get_redis_connection("default").connection_pool.connection_kwargs
    client = redis.Redis(connection_pool=redis.ConnectionPool(**kwargs))
    yield client
    client.close()


@pytest.fixture
def near():
    cache = nearcache.current()
    assert cache is not None, "the near cache could not start"
    return cache


def _keep(near, key=KEY, value="v") -> None:
    assert near.keep(near.watch(), {key: value})
    assert nearcache.current().get(key) == value


@pytest.fixture
def redis_commands(monkeypatch):
    """Count the commands this process sends to Redis (its near cache's connections send none after set-up)."""
    sent: list[bytes] = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command if isinstance(command, bytes) else b"".join(command))
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


def test_a_change_by_another_client_takes_the_value_away_before_the_next_read(near, other_client):
    _keep(near)
    other_client.sadd(KEY, 1)
    assert nearcache.current().get(KEY) is nearcache.MISSING


def test_changes_inside_lua_scripts_and_expiries_are_seen_too(near, other_client):
    _keep(near)
    other_client.eval("return redis.call('SADD', KEYS[1], 7)", 1, KEY)
    assert nearcache.current().get(KEY) is nearcache.MISSING
    other_client.set("tweet:counts:1", 1, px=20)
    _keep(near, "tweet:counts:1")
    time.sleep(0.05)
    other_client.get("tweet:counts:1")  # Redis deletes the expired key (and says so) when it is touched
    assert nearcache.current().get("tweet:counts:1") is nearcache.MISSING


def test_a_value_read_before_a_change_is_not_kept(near, other_client):
    token = near.watch()
    value = other_client.smembers(KEY)  # the read
    other_client.sadd(KEY, 1)  # a change before the reader could keep what it read
    assert not near.keep(token, {KEY: value})
    assert nearcache.current().get(KEY) is nearcache.MISSING


def test_only_the_keys_changed_during_a_read_are_not_kept(near, other_client):
    token = near.watch()
    other_client.sadd(KEY, 1)
    assert not near.keep(token, {KEY: "read before the change", "viewer:liked:7": "unchanged"})
    again = nearcache.current()
    assert again.get(KEY) is nearcache.MISSING and again.get("viewer:liked:7") == "unchanged"


def test_a_redis_that_refuses_tracking_turns_it_off_for_good(monkeypatch):
    def refuse(prefixes):
        raise redis.exceptions.ResponseError("unknown subcommand 'TRACKING'")

    monkeypatch.setattr(nearcache, "NearCache", refuse)
    monkeypatch.setattr(nearcache._local, "cache", None)
    monkeypatch.setattr(nearcache, "RETRY_AFTER", 0.0)
    assert nearcache.current() is None
    assert nearcache.current() is None and nearcache._local.retry_at == float("inf")  # not asked again
    nearcache._local.retry_at = 0.0


def test_a_flush_empties_it(near, other_client):
    _keep(near)
    other_client.flushdb()
    assert nearcache.current().get(KEY) is nearcache.MISSING


def test_untracked_keys_cannot_be_kept(near):
    with pytest.raises(ValueError, match="no tracked prefix"):
        near.keep(near.watch(), {"feed:home:1": b"x"})


def test_values_are_served_for_a_bounded_time(near, monkeypatch):
    _keep(near)
    monkeypatch.setattr(nearcache, "MAX_AGE", 0.0)
    assert nearcache.current().get(KEY) is nearcache.MISSING


@pytest.mark.parametrize("which", ["listener", "tracker"])
def test_a_lost_connection_turns_it_off_then_it_starts_again(near, other_client, monkeypatch, which):
    _keep(near)
    monkeypatch.setattr(nearcache, "RETRY_AFTER", 0.0)
    other_client.client_kill_filter(_id=near.ids[which])
    time.sleep(0.05)
    again = nearcache.current()
    assert again is None or again is not near  # off at once (a new one may start right away, with RETRY_AFTER 0)
    fresh = nearcache.current()
    assert fresh is not None and fresh is not near and fresh.get(KEY) is nearcache.MISSING
    other_client.sadd(KEY, 1)  # and the new one is told about changes again
    _keep(fresh, KEY, "w")
    other_client.sadd(KEY, 2)
    assert nearcache.current().get(KEY) is nearcache.MISSING


def test_it_can_be_turned_off(settings):
    settings.NEAR_CACHE = False
    nearcache._local.cache = None
    assert nearcache.current() is None


# --------------------------------------------------------------------------- the pages that use it


@pytest.fixture
def popular(make_user, run):
    authors = [make_user(f"author{i}") for i in range(3)]
    tweets = [run(create_tweet, author=authors[n % 3], text=f"Popular number {n}") for n in range(12)]
    entries = [
        {"id": t.pk, "score": 100 - n, "like": 5, "retweet": 1, "reply": 0, "quote": 0} for n, t in enumerate(tweets)
    ]
    counters.store_snapshot(counters.popular_snapshot_key(), {"computed_at": time.time(), "entries": entries})
    return authors, tweets


@pytest.mark.django_db
def test_a_warm_signed_in_popular_page_makes_no_redis_call(popular, make_user, redis_commands, settings, monkeypatch):
    settings.TESTING = False  # the ranking run's version is then asked at most once a second (pagecache)
    monkeypatch.setattr(pagecache, "_versions", {})  # not the version an earlier test saw
    client = Client()
    client.force_login(make_user("reader"))
    for _ in range(3):  # fills the caches, records last_seen_at, reads the person's copy
        client.get(reverse("popular"))
    redis_commands.clear()
    html = client.get(reverse("popular")).content.decode()
    assert html.count('data-testid="tweet"') == 10
    assert redis_commands == []


@pytest.mark.django_db
def test_a_warm_signed_in_trending_page_makes_no_redis_call(make_user, redis_commands, settings, monkeypatch):
    from trending.tests.test_pages_frames import _trends

    settings.TESTING = False
    monkeypatch.setattr(pagecache, "_versions", {})
    _trends("lighthouse", "marmalade")
    client = Client()
    client.force_login(make_user("reader"))
    for _ in range(3):  # computes the affinity, records last_seen_at, reads the person's copy
        client.get(reverse("trending"))
    redis_commands.clear()
    html = client.get(reverse("trending")).content.decode()
    assert html.count('data-testid="trend"') == 2
    assert redis_commands == []


def test_a_read_that_keeps_nothing_does_not_stop_later_ones(near, other_client, monkeypatch):
    monkeypatch.setattr(nearcache, "CHANGES_KNOWN", 5)
    for n in range(20):  # watches never followed by a keep, while keys change
        near.watch()
        other_client.sadd(f"viewer:liked:{n}", 1)
    _keep(nearcache.current())


@pytest.mark.django_db
def test_changes_made_elsewhere_show_on_the_next_page(popular, make_user, run, other_client):
    authors, tweets = popular
    reader, fan = make_user("reader"), make_user("fan")
    client = Client()
    client.force_login(reader)
    client.get(reverse("popular"))
    html = client.get(reverse("popular")).content.decode()
    assert html.count('aria-label="Follow @author0"') == 4 and "Popular number 0<" in html
    near = nearcache.current()
    assert near.get(cards.payload_key(tweets[0].pk)) is not nearcache.MISSING  # the page came from the near cache

    run(like_tweet, user=fan, tweet=tweets[0])  # somebody else's like: the counter
    run(follow, follower=reader, followee=authors[0])  # the reader's follow: the buttons
    run(edit_tweet, user=authors[0], tweet=tweets[0], text="Popular number 0, edited")  # the card
    html = client.get(reverse("popular")).content.decode()
    assert "Popular number 0, edited" in html
    assert html.count('aria-label="Unfollow @author0"') == 4 and 'aria-label="Follow @author0"' not in html
    likes = other_client.hget(hotcache.counts_key(tweets[0].pk), "l")
    assert likes == b"1" and 'data-testid="like-count">1<' in html.replace("\n", "")


@pytest.mark.django_db
def test_a_session_ended_elsewhere_is_signed_out_at_once(make_user, other_client):
    alice = make_user("alice", display_name="Alice A")
    client = Client()
    client.force_login(alice)
    client.get("/explore/trending")  # records last_seen_at (which forgets the person's copy)
    client.get("/explore/trending")  # reads the person's row into Redis
    response = client.get("/explore/trending")  # and into the near cache
    session = response.wsgi_request.session
    key = session._cache.make_key(session.cache_key)
    assert nearcache.current().get(key) is not nearcache.MISSING and "Alice A" in response.content.decode()
    assert nearcache.current().get(usercache.user_key(alice.pk)) is not nearcache.MISSING

    other_client.delete(key)  # e.g. signed out in another process (which deletes the row too)
    session.model.objects.filter(session_key=session.session_key).delete()
    assert "Alice A" not in client.get("/explore/trending").content.decode()
