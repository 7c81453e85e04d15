"""The card cache of the hot reads: payload bytes, counters and viewer flags kept in Redis.

Each test reads through the real selectors against real PostgreSQL and Redis, and checks the
result against what PostgreSQL alone says (``tweets.presenters.present``).
"""

from __future__ import annotations

import orjson
import pytest

from timelines import cache
from timelines.selectors import hydrate, hydrate_json
from tweets import hotcache
from tweets.presenters import merge, present

pytestmark = pytest.mark.django_db


def _once(cards: list[dict]) -> list[dict]:
    """Return cards without repeats of an original (a timeline page shows the newest entry only)."""
    seen: set[str] = set()
    return [c for c in cards if not (c["id"] in seen or seen.add(c["id"]))]


@pytest.fixture
def engage(django_capture_on_commit_callbacks):
    """Run a like / unlike / retweet / undo and its after-commit hooks."""
    from tweets import services

    def run(action: str, user, tweet):
        with django_capture_on_commit_callbacks(execute=True):
            getattr(services, action)(user=user, tweet=tweet)

    return run


@pytest.fixture
def page(person, act):
    viewer, alice, bob = person("viewer"), person("alice"), person("bob")
    tweets = [act.tweet(alice, f"tweet {i}") for i in range(5)]
    retweet = act.retweet(bob, tweets[0])
    ids = [retweet.pk, *(t.pk for t in reversed(tweets))]
    return viewer, alice, bob, tweets, ids


def test_cards_equal_the_postgresql_presenter_cold_and_warm(page, engage, django_assert_num_queries):
    viewer, alice, bob, tweets, ids = page
    engage("like_tweet", viewer, tweets[1])
    engage("like_tweet", bob, tweets[1])
    engage("retweet", viewer, tweets[2])

    cold = hydrate(ids, viewer)
    with django_assert_num_queries(0):
        warm = hydrate(ids, viewer)
        spliced = hydrate_json(ids, viewer)

    expected = _once(present(ids, viewer))
    assert cold == warm == expected
    assert spliced == [orjson.dumps(card) for card in expected]  # byte for byte what orjson writes
    by_id = {card["id"]: card for card in warm}
    assert by_id[str(tweets[1].pk)]["counts"]["likes"] == 2 and by_id[str(tweets[1].pk)]["viewer"]["liked"]
    assert by_id[str(tweets[2].pk)]["viewer"] == {"liked": False, "retweeted": True}


def test_engagement_after_the_cache_is_warm_shows_at_once_without_sql(page, engage, django_assert_num_queries):
    viewer, alice, bob, tweets, ids = page
    hydrate(ids, viewer)  # warm: counters and the viewer's flags are now in Redis

    engage("like_tweet", viewer, tweets[3])
    engage("like_tweet", bob, tweets[3])
    engage("retweet", viewer, tweets[4])
    engage("unlike_tweet", bob, tweets[3])

    with django_assert_num_queries(0):
        cards = {card["id"]: card for card in hydrate(ids, viewer)}
    assert cards[str(tweets[3].pk)]["counts"]["likes"] == 1
    assert cards[str(tweets[3].pk)]["viewer"]["liked"] is True
    assert cards[str(tweets[4].pk)]["counts"]["retweets"] == 1
    assert cards[str(tweets[4].pk)]["viewer"]["retweeted"] is True

    engage("undo_retweet", viewer, tweets[4])
    engage("unlike_tweet", viewer, tweets[3])
    assert hydrate(ids, viewer) == _once(present(ids, viewer))


def test_a_flush_rewrites_drifted_counters_with_exact_values(page, engage, person):
    from tweets.services import flush_counter_deltas, like_tweet

    viewer, alice, bob, tweets, ids = page
    hydrate(ids, viewer)
    engage("like_tweet", bob, tweets[1])
    like_tweet(user=person("carol"), tweet=tweets[1])  # its after-commit increment is lost
    hotcache._redis().hset(hotcache.counts_key(tweets[1].pk), "l", 99)  # and the cached value drifted

    flush_counter_deltas()

    assert hotcache._redis().hget(hotcache.counts_key(tweets[1].pk), "l") == b"2"
    assert hydrate([tweets[1].pk], viewer)[0]["counts"]["likes"] == 2


def test_a_fill_never_overwrites_a_flag_written_after_commit(page, engage):
    viewer, alice, bob, tweets, ids = page
    engage("like_tweet", viewer, tweets[1])
    hydrate(ids, viewer)  # cards cached: the flags below come from Redis, not PostgreSQL
    liked_key = hotcache.flag_keys(viewer.pk)[0]
    # An unlike committed while a reader was filling from an older snapshot: its tombstone is there ...
    hotcache._run("flag", hotcache._FLAG, [liked_key], [tweets[1].pk, "0", hotcache.FLAGS_TTL])
    assert hotcache._redis().smembers(liked_key) == {f"-{tweets[1].pk}".encode()}
    horizon, liked, _ = hotcache.fill_viewer(viewer.pk)  # ... and the snapshot still says liked
    assert tweets[1].pk in liked and horizon <= tweets[1].pk

    assert not hotcache._redis().sismember(liked_key, tweets[1].pk)
    assert hydrate([tweets[1].pk], viewer)[0]["viewer"]["liked"] is False


def test_tweets_older_than_the_horizon_take_their_flags_from_postgresql(page, engage, monkeypatch):
    viewer, alice, bob, tweets, ids = page
    engage("like_tweet", viewer, tweets[1])
    monkeypatch.setattr(hotcache, "horizon_id", lambda now=None: max(ids) + 1)  # everything is "old"

    cards = {card["id"]: card for card in hydrate(ids, viewer)}

    assert cards[str(tweets[1].pk)]["viewer"]["liked"] is True
    assert hotcache._redis().get(hotcache.flag_keys(viewer.pk)[2]) == str(max(ids) + 1).encode()


def test_anonymous_readers_get_counters_and_no_flags(page, engage):
    from django.contrib.auth.models import AnonymousUser

    viewer, alice, bob, tweets, ids = page
    engage("like_tweet", bob, tweets[1])
    cards = hydrate(ids, AnonymousUser())
    assert cards == _once(present(ids, None))
    assert all(card["viewer"] == {"liked": False, "retweeted": False} for card in cards)


def test_deleted_tweets_are_skipped_and_an_original_shows_once(page, act):
    viewer, alice, bob, tweets, ids = page
    hydrate(ids, viewer)
    act.delete(alice, tweets[4])

    shown = [card["id"] for card in hydrate(ids, viewer)]

    assert str(tweets[4].pk) not in shown
    assert shown.count(str(tweets[0].pk)) == 1  # the retweet of tweets[0] and tweets[0] itself


def test_merge_shape_is_what_splice_writes():
    payload = {"id": "1", "entry_id": "1", "tombstone": None, "text": 'a "quoted" \\u00e9 text'}
    counts = {"likes": 3, "retweets": 2, "replies": 1, "quotes": 0}
    state = {"liked": True, "retweeted": False}
    blob = orjson.dumps(payload)
    assert cache.splice(blob, (3, 2, 1, 0), True, False) == orjson.dumps(merge(payload, counts, state))


def test_rename_and_suspension_reach_cached_cards(page, act, person, django_capture_on_commit_callbacks):
    from accounts.services import suspend_user, unsuspend_user, update_profile

    viewer, alice, bob, tweets, ids = page  # bob's retweet of alice's tweet is the first id
    quoter = person("quoter")
    quote = act.tweet(quoter, "look", quote_of=tweets[2])
    ids = [quote.pk, *ids]
    hydrate(ids, viewer)  # all cached

    with django_capture_on_commit_callbacks(execute=True):
        update_profile(user=alice, display_name="Alice Renamed", bio="")
    cards = {card["entry_id"]: card for card in hydrate(ids, viewer)}
    assert cards[str(tweets[1].pk)]["author"]["name"] == "Alice Renamed"
    assert cards[str(quote.pk)]["quote"]["author"]["name"] == "Alice Renamed"

    with django_capture_on_commit_callbacks(execute=True):
        suspend_user(user=alice)
    assert [card["entry_id"] for card in hydrate(ids, viewer)] == [str(quote.pk)]
    assert hydrate([quote.pk], viewer)[0]["quote"]["unavailable"] is True

    with django_capture_on_commit_callbacks(execute=True):
        unsuspend_user(user=alice)
    assert len(hydrate(ids, viewer)) == len(ids) - 1  # all back (tweets[0] shows once, as retweeted)
