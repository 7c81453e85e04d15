"""Deleting a reply, a quote or a retweet takes its engagement back out of Popular."""

from __future__ import annotations

import time

from trending import scoring
from tweets.services import create_tweet, delete_tweet, remove_tweet, retweet, undo_retweet


def _engagement(tweet) -> dict | None:
    entries = scoring.compute_popular(now=time.time())["entries"]
    entry = next((e for e in entries if e["id"] == tweet.pk), None)
    return entry and {k: entry[k] for k in ("score", "reply", "quote", "retweet")}


def test_deleted_reply_and_quote_no_longer_count(make_user, run):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    hot = run(create_tweet, author=alice, text="Popular for a moment")
    reply = run(create_tweet, author=bob, text="Agreed", reply_to=hot)
    quote = run(create_tweet, author=carol, text="Look at this", quote_of=hot)
    assert _engagement(hot) == {"score": 5.0, "reply": 1, "quote": 1, "retweet": 0}

    run(delete_tweet, user=bob, tweet=reply)
    assert _engagement(hot) == {"score": 3.0, "reply": 0, "quote": 1, "retweet": 0}
    run(remove_tweet, tweet=quote, moderator=alice)  # a moderator's removal takes it back too
    assert _engagement(hot) is None


def test_a_person_with_another_live_reply_still_counts(make_user, run):
    alice, bob = make_user("alice"), make_user("bob")
    hot = run(create_tweet, author=alice, text="Thread starter")
    first = run(create_tweet, author=bob, text="One", reply_to=hot)
    second = run(create_tweet, author=bob, text="Two", reply_to=hot)
    assert _engagement(hot)["reply"] == 1  # one person, counted once
    run(delete_tweet, user=bob, tweet=first)
    assert _engagement(hot)["reply"] == 1
    run(delete_tweet, user=bob, tweet=second)
    assert _engagement(hot) is None


def test_undone_or_deleted_retweet_no_longer_counts(make_user, run):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    hot = run(create_tweet, author=alice, text="Share this")
    run(retweet, user=bob, tweet=hot)
    run(retweet, user=carol, tweet=hot)
    assert _engagement(hot)["retweet"] == 2
    run(undo_retweet, user=bob, tweet=hot)
    assert _engagement(hot)["retweet"] == 1
    carols = hot.retweets.get(author=carol, deleted_at__isnull=True)
    run(delete_tweet, user=carol, tweet=carols)  # deleting the retweet row itself
    assert _engagement(hot) is None
