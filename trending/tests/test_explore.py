"""Popular and Trending through the real services, the jobs, the API and the pages."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from accounts.services import follow
from trending import scoring, selectors
from trending.tasks import score_popular, score_trending
from tweets.services import create_tweet, like_tweet, retweet, unlike_tweet


@pytest.fixture
def popular_world(make_user, run):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    hot = run(create_tweet, author=alice, text="Hot take: tabs are fine")
    calm = run(create_tweet, author=bob, text="Quiet morning")
    run(like_tweet, user=alice, tweet=hot)  # the author's own like: not counted
    run(like_tweet, user=bob, tweet=hot)
    run(retweet, user=carol, tweet=hot)
    run(like_tweet, user=carol, tweet=hot)
    run(unlike_tweet, user=carol, tweet=hot)  # undone: taken back out
    run(like_tweet, user=alice, tweet=calm)
    score_popular.apply()
    return alice, bob, carol, hot, calm


def test_popular_api_ranks_by_engagement_of_the_hour(popular_world, api_client):
    alice, bob, carol, hot, calm = popular_world
    body = api_client.get("/api/v1/explore/popular").json()
    assert [r["tweet"]["id"] for r in body["results"]] == [str(hot.pk), str(calm.pk)]
    first = body["results"][0]
    assert first["engagement"] == {"score": 3.0, "likes": 1, "retweets": 1, "replies": 0, "quotes": 0}
    assert first["rank"] == 1 and first["author_following"] is False and body["next_cursor"] is None
    assert first["tweet"]["author"]["username"] == "alice"


def test_popular_api_shows_follow_state_and_rejects_bad_cursor(popular_world, auth_client, run):
    alice, *_ = popular_world
    client, dave = auth_client("dave")
    run(follow, follower=dave, followee=alice)
    body = client.get("/api/v1/explore/popular").json()
    assert body["results"][0]["author_following"] is True
    assert body["results"][1]["author_following"] is False
    error = client.get("/api/v1/explore/popular?cursor=nope!").json()["error"]
    assert error["code"] == "invalid" and "cursor" in error["fields"]


def test_popular_page_lists_entries_with_follow_buttons(popular_world, client, django_assert_max_num_queries):
    alice, bob, carol, hot, calm = popular_world
    client.force_login(carol)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("popular")).content.decode()
    assert html.count('data-testid="popular-entry"') == 2
    assert "Hot take: tabs are fine" in html and "in the last hour" in html
    assert html.count('data-testid="follow-button"') == 2  # alice and bob, both not followed by carol
    assert f'action="{reverse("follow", args=["alice"])}"' in html


def test_popular_page_signed_out_is_cached_and_escapes(make_user, run, client, django_assert_num_queries):
    mallory, bob = make_user("mallory"), make_user("bob")
    evil = run(create_tweet, author=mallory, text="<script>alert(1)</script>")
    run(like_tweet, user=bob, tweet=evil)
    score_popular.apply()
    html = client.get(reverse("popular")).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    with django_assert_num_queries(0):  # the rendered list comes from the cache until the next run
        assert "&lt;script&gt;" in client.get(reverse("popular")).content.decode()


def _trend_world(make_user, run, *, a_people: int = 30, b_people: int = 22):
    """Two bursts at once: 30 people tweet about the harbour fireworks, 22 about the chess final."""
    a_authors = [make_user(f"fan{i}") for i in range(a_people)]
    b_authors = [make_user(f"chess{i}") for i in range(b_people)]
    for user in a_authors:
        run(create_tweet, author=user, text="Harbour fireworks tonight")
    for user in b_authors:
        run(create_tweet, author=user, text="What a chess final! #chessfinal")
    return a_authors, b_authors


def test_personalisation_lifts_a_term_for_who_follows_its_authors(make_user, run):
    _, b_authors = _trend_world(make_user, run)
    fan, stranger = make_user("follower"), make_user("stranger")
    for user in b_authors[:15]:
        run(follow, follower=fan, followee=user)
    scoring.compute_trending(now=time.time())
    global_order = [t["term"] for t in selectors.list_trending(stranger).trends]
    assert global_order.index("harbour fireworks tonight") < global_order.index("chess final")
    mine = selectors.list_trending(fan).trends
    order = [t["term"] for t in mine]
    assert order.index("chess final") < order.index("harbour fireworks tonight")
    lifted = mine[order.index("chess final")]
    assert lifted["personal"] and lifted["reasons"][0] == "15 people you follow are tweeting about this"
    assert not selectors.list_trending(stranger).trends[0]["personal"]


def test_trending_api_and_term_tweets(make_user, run, api_client, auth_client):
    a_authors, _ = _trend_world(make_user, run)
    score_trending.apply()
    body = api_client.get("/api/v1/explore/trending").json()
    assert body["personalised"] is False
    terms = [r["term"] for r in body["results"]]
    assert {"harbour fireworks tonight", "chess final", "#chessfinal"} <= set(terms)
    assert not {"fireworks", "harbour", "fireworks tonight"} & set(terms)  # folded into the phrase
    entry = body["results"][terms.index("harbour fireworks tonight")]
    assert entry["people"] == 30 and entry["tweets"] == 30 and len(entry["spark"]) == 24 and entry["spark"][-1] == 30
    assert entry["reasons"] == ["30 people in the last hour, new today"]
    tweets = api_client.get(entry["tweets_url"]).json()
    assert len(tweets["results"]) >= 12 and tweets["results"][0]["text"] == "Harbour fireworks tonight"
    assert api_client.get("/api/v1/explore/trending/tweets").json()["error"]["fields"]["term"]
    client, me = auth_client("me")
    run(like_tweet, user=me, tweet=a_authors[0].tweets.get())
    mine = client.get("/api/v1/explore/trending").json()
    assert mine["personalised"] is True
    liked = mine["results"][[r["term"] for r in mine["results"]].index("harbour fireworks tonight")]
    assert liked["reasons"] == ["You liked a tweet about this"]


def test_trending_pages(make_user, run, client, django_assert_max_num_queries):
    _trend_world(make_user, run, a_people=14, b_people=0)
    score_trending.apply()
    with django_assert_max_num_queries(3):
        html = client.get(reverse("trending")).content.decode()
    assert 'data-testid="trend"' in html and "harbour fireworks tonight" in html and "<polyline points=" in html
    term = client.get(reverse("trend_tweets", args=["Harbour Fireworks tonight"]))
    page = term.content.decode()
    assert term.status_code == 200 and page.count('data-testid="tweet"') >= 12 and "14 people" in page
    assert client.get(reverse("trend_tweets", args=["x" * 80])).status_code == 404


def test_a_like_on_an_older_tweet_counts_its_terms_from_postgresql(make_user, run):
    from trending import counters

    author = make_user("author")
    old = run(create_tweet, author=author, text="Lighthouse restoration finished")
    counters.redis().unlink(counters.tweet_terms_key(old.pk))  # as if it were older than TERMS_TTL
    fans = [make_user(f"keeper{i}") for i in range(13)]
    for fan in fans:
        run(like_tweet, user=fan, tweet=old)
    snapshot = scoring.compute_trending(now=time.time())
    entry = next(t for t in snapshot["trends"] if t["term"] == "lighthouse restoration finished")
    assert entry["people"] == 14 and entry["tweets"] == 1
