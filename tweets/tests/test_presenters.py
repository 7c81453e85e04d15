"""The shared contract: payloads, counters, viewer state, merge; query counts are constant."""

import orjson
import pytest

from tweets import services
from tweets.presenters import merge, present, tweet_payloads
from tweets.selectors import counts_for, viewer_state

pytestmark = pytest.mark.django_db


def test_payload_is_json_safe_viewer_free_and_describes_context(make_user, post, run):
    alice, bob = make_user("alice"), make_user("bob")
    root = post(alice, "hello @bob #Chirp 👋")
    reply = post(bob, "hi back", reply_to=root)
    quote = post(bob, "look at this", quote_of=root)
    run(services.retweet, user=bob, tweet=root)
    rt_id = root.retweets.get().pk

    payloads = tweet_payloads([root.pk, reply.pk, quote.pk, rt_id])
    orjson.dumps(payloads[root.pk])  # JSON-safe
    p = payloads[root.pk]
    assert p["id"] == str(root.pk) and p["author"] == {"id": str(alice.pk), "username": "alice", "name": "Alice"}
    assert "counts" not in p and "viewer" not in p
    assert '<a class="mention" href="/@bob">@bob</a>' in p["html"]
    assert payloads[reply.pk]["reply_to"]["username"] == "alice"
    assert payloads[quote.pk]["quote"]["id"] == str(root.pk)
    rt = payloads[rt_id]
    assert rt["id"] == str(root.pk) and rt["entry_id"] == str(rt_id) and rt["retweet"]["by"]["username"] == "bob"


def test_counts_and_state_resolve_retweets_to_the_original(make_user, post, run):
    alice, bob = make_user("alice"), make_user("bob")
    root = post(alice, "count me")
    run(services.like_tweet, user=bob, tweet=root)
    run(services.retweet, user=bob, tweet=root)
    rt_id = root.retweets.get().pk
    counts = counts_for([root.pk, rt_id])
    assert counts[root.pk] == counts[rt_id] == {"likes": 1, "retweets": 1, "replies": 0, "quotes": 0}
    state = viewer_state(bob, [root.pk, rt_id])
    assert state[root.pk] == state[rt_id] == {"liked": True, "retweeted": True}
    assert viewer_state(alice, [root.pk])[root.pk] == {"liked": False, "retweeted": False}
    card = merge(tweet_payloads([rt_id])[rt_id], counts[rt_id], state[rt_id])
    assert card["counts"]["likes"] == 1 and card["viewer"]["liked"] is True


def test_tombstones_for_deleted_tweets_and_their_retweets(make_user, post, run):
    alice, bob = make_user("alice"), make_user("bob")
    root = post(alice, "soon gone")
    run(services.retweet, user=bob, tweet=root)
    rt_id = root.retweets.get().pk
    run(services.delete_tweet, user=alice, tweet=root)
    payloads = tweet_payloads([root.pk, rt_id])
    assert payloads[root.pk]["tombstone"] == "deleted"
    assert payloads[rt_id]["tombstone"] == "deleted"
    assert present([root.pk, rt_id], bob) == []


def test_payloads_counts_and_state_use_constant_queries(make_user, post, run, django_assert_num_queries):
    alice, bob = make_user("alice"), make_user("bob")
    ids = []
    for n in range(10):
        t = post(alice, f"tweet {n} @bob #tag{n}")
        ids.append(post(bob, f"reply {n}", reply_to=t).pk)
        ids.append(post(bob, f"quote {n}", quote_of=t).pk)
        run(services.retweet, user=bob, tweet=t)
        ids.append(t.retweets.get().pk)
    with django_assert_num_queries(3):
        tweet_payloads(ids)
    with django_assert_num_queries(1):
        counts_for(ids)
    with django_assert_num_queries(1):
        viewer_state(bob, ids)
