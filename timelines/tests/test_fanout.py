"""Fanout on write: who gets a tweet in their cached feed, and when it leaves again."""

from __future__ import annotations

import pytest
from django.test import override_settings

from timelines import feeds, pull, services
from timelines.selectors import home_ids

pytestmark = pytest.mark.django_db


def test_tweet_reaches_active_followers_with_a_feed_only(person, act, feed):
    author, fan, sleeper, stranger = person("author"), person("fan"), person("sleeper", inactive=True), person("x")
    act.follow(fan, author)
    act.follow(sleeper, author)
    for user in (author, fan, sleeper, stranger):
        feed.build(user)

    tweet = act.tweet(author, "first!")

    assert feed.ids(fan) == [tweet.pk]
    assert feed.ids(author) == [tweet.pk]  # your own tweets are in your timeline
    assert feed.ids(sleeper) == []  # inactive: skipped by fanout...
    assert feed.ids(stranger) == []


def test_inactive_user_gets_a_rebuilt_feed_on_return(person, act, feed):
    author, sleeper = person("author"), person("sleeper", inactive=True)
    act.follow(sleeper, author)
    feed.build(sleeper)
    tweet = act.tweet(author, "while you were away")
    assert feed.ids(sleeper) == []

    services.on_user_returned(user_id=sleeper.pk)  # accounts.mark_seen calls this after commit

    assert feed.ids(sleeper) == [tweet.pk]


def test_feed_missing_is_not_created_by_fanout_but_rebuilt_on_read(person, act, feed):
    author, fan = person("author"), person("fan")
    act.follow(fan, author)
    tweet = act.tweet(author)
    assert not feed.exists(fan)

    page = home_ids(user_id=fan.pk)

    assert page.ids == [tweet.pk] and page.source == "rebuilt"
    assert feed.exists(fan)


def test_fanout_is_idempotent(person, act, feed):
    author, fan = person("author"), person("fan")
    act.follow(fan, author)
    feed.build(fan)
    tweet = act.tweet(author)

    assert services.fanout_tweet(tweet_id=tweet.pk) == 0  # re-run: nothing changes
    assert feed.ids(fan) == [tweet.pk]


def test_feed_is_capped(person, act, feed, settings):
    settings.TIMELINE_MAX_ENTRIES = 20
    author, fan = person("author"), person("fan")
    act.follow(fan, author)
    feed.build(fan)
    tweets = [act.tweet(author, f"n{i}") for i in range(25)]

    assert feed.ids(fan) == sorted((t.pk for t in tweets[-20:]), reverse=True)


def test_above_the_limit_author_is_merged_at_read_time(person, act, feed, settings):
    settings.TIMELINE_FANOUT_FOLLOWER_LIMIT = 1
    star, fan1, fan2 = person("star"), person("fan1"), person("fan2")
    act.follow(fan1, star)
    act.follow(fan2, star)
    old = act.tweet(star, "before the feeds existed")
    feed.build(fan1)
    feed.build(fan2)

    new = act.tweet(star, "fresh")

    assert new.pk not in feed.ids(fan1)  # not fanned out...
    assert home_ids(user_id=fan1.pk).ids == [new.pk, old.pk]  # ...but merged in when read
    assert home_ids(user_id=fan2.pk).ids == [new.pk, old.pk]


def test_above_the_limit_reply_reaches_those_who_follow_both(person, act, feed, settings):
    settings.TIMELINE_FANOUT_FOLLOWER_LIMIT = 1
    star, friend, both, only_star = person("star"), person("friend"), person("both"), person("only_star")
    act.follow(both, star)
    act.follow(both, friend)
    act.follow(only_star, star)
    question = act.tweet(friend, "what do you think?")
    feed.build(both)
    feed.build(only_star)

    answer = act.tweet(star, "great question", reply_to=question)

    assert answer.pk in feed.ids(both)  # pushed: the merge at read time would not know about friend
    assert home_ids(user_id=both.pk).ids[0] == answer.pk
    assert answer.pk not in home_ids(user_id=only_star.pk).ids
    act.delete(star, answer)
    assert answer.pk not in feed.ids(both)


def test_retweet_appears_once(person, act, feed):
    alice, bob, carol, viewer = person("alice"), person("bob"), person("carol"), person("viewer")
    for followee in (alice, bob, carol):
        act.follow(viewer, followee)
    feed.build(viewer)
    original = act.tweet(alice, "worth sharing")

    act.retweet(bob, original)  # the original is already in the viewer's feed: skipped
    act.retweet(carol, original)

    assert feed.ids(viewer) == [original.pk]


def test_retweet_of_an_unseen_tweet_appears_once(person, act, feed):
    stranger, bob, carol, viewer = person("stranger"), person("bob"), person("carol"), person("viewer")
    act.follow(viewer, bob)
    act.follow(viewer, carol)
    feed.build(viewer)
    original = act.tweet(stranger, "viral")

    first = act.retweet(bob, original)
    act.retweet(carol, original)

    assert feed.ids(viewer) == [first.pk]
    cards = home_ids(user_id=viewer.pk).ids
    assert cards == [first.pk]


def test_reply_needs_both_people_followed(person, act, feed):
    author, answered, both, only_author = person("author"), person("answered"), person("both"), person("only")
    act.follow(both, author)
    act.follow(both, answered)
    act.follow(only_author, author)
    feed.build(both)
    feed.build(only_author)
    parent = act.tweet(answered, "a question")

    reply = act.tweet(author, "@answered an answer", reply_to=parent)

    assert reply.pk in feed.ids(both)
    assert reply.pk not in feed.ids(only_author)
    # the pull query (rebuilds, fallback) applies the same rule
    assert reply.pk not in [t for t, _ in pull.pull_entries(user_id=only_author.pk)]
    assert reply.pk in [t for t, _ in pull.pull_entries(user_id=both.pk)]


def test_follow_backfills_and_unfollow_removes(person, act, feed):
    author, other, fan = person("author"), person("other"), person("fan")
    older = [act.tweet(author, f"old {i}") for i in range(3)]
    parent = act.tweet(other, "question")
    reply = act.tweet(person("replier"), "an answer to @author", reply_to=older[0])
    act.follow(fan, other)
    feed.build(fan)
    assert feed.ids(fan) == [parent.pk]

    act.follow(fan, author)
    assert feed.ids(fan) == sorted([parent.pk, *(t.pk for t in older)], reverse=True)

    act.unfollow(fan, author)
    assert feed.ids(fan) == [parent.pk]
    assert reply.pk not in feed.ids(fan)


def test_unfollow_removes_replies_to_the_unfollowed(person, act, feed):
    friend, ex, fan = person("friend"), person("ex"), person("fan")
    act.follow(fan, friend)
    act.follow(fan, ex)
    feed.build(fan)
    question = act.tweet(ex, "question")
    answer = act.tweet(friend, "@ex answer", reply_to=question)
    assert answer.pk in feed.ids(fan)

    act.unfollow(fan, ex)

    assert feed.ids(fan) == []


def test_delete_removes_tweet_and_its_retweets_everywhere(person, act, feed):
    author, sharer, fan, sharer_fan = person("author"), person("sharer"), person("fan"), person("sfan")
    act.follow(fan, author)
    act.follow(sharer_fan, sharer)
    feed.build(fan)
    feed.build(sharer_fan)
    tweet = act.tweet(author)
    retweet = act.retweet(sharer, tweet)
    assert feed.ids(sharer_fan) == [retweet.pk]

    act.delete(author, tweet)

    assert feed.ids(fan) == []
    assert feed.ids(sharer_fan) == []
    assert home_ids(user_id=fan.pk).ids == []


def test_dedupe_reblogs_is_the_fanout_rule():
    # (id, original): 1 original, 5 retweets 1 -> skipped; 7 retweets 3 (unseen) -> kept; 9 retweets 3 -> skipped
    entries = [(1, None), (5, 1), (7, 3), (9, 3), (11, None)]
    assert feeds.dedupe_reblogs(entries) == [(11, None), (7, 3), (1, None)]


@override_settings(TIMELINE_MAX_ENTRIES=20)
def test_score_keeps_ids_exact_past_2_53(person):
    big = (1 << 62) + 12345
    assert big > 2**53
    assert float(feeds.score_of(big)) == feeds.score_of(big)  # the millisecond part is exact in a double


def test_pages_with_merged_authors_equal_the_postgresql_pull(person, act, feed, settings, monkeypatch):
    """Paging a feed that merges above-the-limit authors (short trimmed lists, a trimmed feed, the
    floor that skips their older tweets) gives exactly the timeline PostgreSQL alone gives."""
    settings.TIMELINE_FANOUT_FOLLOWER_LIMIT = 2
    settings.TIMELINE_MAX_ENTRIES = 30
    monkeypatch.setattr(feeds, "AUTHOR_RECENT_MAX", 5)
    viewer, friend, star1, star2 = person("viewer"), person("friend"), person("star1"), person("star2")
    for star in (star1, star2):
        for fan in (viewer, person(f"{star.username}_a"), person(f"{star.username}_b")):
            act.follow(fan, star)
    act.follow(viewer, friend)
    feed.build(viewer)
    for i in range(60):  # friend is fanned out, the stars merged; star2 is quiet, then busy
        author = friend if i % 3 else (star1 if i < 40 or i % 2 else star2)
        act.tweet(author, f"tweet {i}")

    paged, cursor = [], None
    for _ in range(20):
        page = home_ids(user_id=viewer.pk, before=cursor, limit=7)
        paged += page.ids
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = [tweet_id for tweet_id, _ in pull.pull_entries(user_id=viewer.pk, limit=100)]
    assert paged == expected and len(paged) == 60
