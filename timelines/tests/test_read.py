"""Reading the home timeline through the API and the page: order, cursors, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from timelines import cache

pytestmark = pytest.mark.django_db
API = "/api/v1/timelines/home"


@pytest.fixture
def viewer_with_tweets(person, act):
    viewer, alice, bob = person("viewer"), person("alice"), person("bob")
    act.follow(viewer, alice)
    act.follow(viewer, bob)
    tweets = [act.tweet(alice if i % 2 else bob, f"tweet number {i}") for i in range(45)]
    return viewer, tweets


def _client(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _all_pages(client, limit_pages=10):
    seen, cursor = [], None
    for _ in range(limit_pages):
        body = client.get(API, {"cursor": cursor} if cursor else {}).json()
        seen += [t["entry_id"] for t in body["results"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    return seen


def test_api_pages_newest_first_with_string_ids(viewer_with_tweets):
    viewer, tweets = viewer_with_tweets
    body = _client(viewer).get(API).json()

    assert [t["id"] for t in body["results"]] == [str(t.pk) for t in reversed(tweets)][:20]
    first = body["results"][0]
    assert first["text"] == "tweet number 44" and first["author"]["username"] == "bob"
    assert first["counts"] == {"likes": 0, "retweets": 0, "replies": 0, "quotes": 0}
    assert first["viewer"] == {"liked": False, "retweeted": False}
    assert isinstance(body["next_cursor"], str)


def test_cursor_pages_are_stable_while_new_tweets_arrive(viewer_with_tweets, act):
    viewer, tweets = viewer_with_tweets
    client = _client(viewer)
    first = client.get(API).json()
    for i in range(5):  # new tweets land on top while the reader scrolls down
        act.tweet(tweets[1].author, f"late {i}")
    seen = [t["entry_id"] for t in first["results"]]
    cursor = first["next_cursor"]
    while cursor:
        body = client.get(API, {"cursor": cursor}).json()
        seen += [t["entry_id"] for t in body["results"]]
        cursor = body["next_cursor"]

    assert seen == [str(t.pk) for t in reversed(tweets)]  # no duplicates, no gaps


def test_deep_pages_past_the_cache_come_from_postgres(viewer_with_tweets, settings):
    settings.TIMELINE_MAX_ENTRIES = 20  # the feed keeps 20; the rest comes from the pull query
    viewer, tweets = viewer_with_tweets
    from timelines import services

    services.rebuild_feed(user_id=viewer.pk)
    assert _all_pages(_client(viewer)) == [str(t.pk) for t in reversed(tweets)]


def test_since_returns_only_newer(viewer_with_tweets, act):
    from twitter_site.pagination import encode_cursor

    viewer, tweets = viewer_with_tweets
    client = _client(viewer)
    client.get(API)
    newer = act.tweet(tweets[0].author, "brand new")
    body = client.get(API, {"since": encode_cursor(tweets[-1].pk)}).json()
    assert [t["id"] for t in body["results"]] == [str(newer.pk)]
    assert body["next_cursor"] is None


def test_bad_cursor_is_a_400_with_the_field(viewer_with_tweets):
    viewer, _ = viewer_with_tweets
    response = _client(viewer).get(API, {"cursor": "nonsense!"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["cursor"]


def test_anonymous_api_is_401_and_page_is_the_landing_page(client):
    assert APIClient().get(API).status_code == 401
    response = client.get(reverse("home"))
    # The landing page (served from a cached frame, so no template may render on this request).
    assert response.status_code == 200 and 'data-testid="landing-hero"' in response.content.decode()
    assert client.get(reverse("home_newer"))["Location"].startswith("/login")


def test_api_warm_page_needs_no_sql(viewer_with_tweets, django_assert_num_queries):
    viewer, _ = viewer_with_tweets
    client = _client(viewer)
    client.get(API)  # builds the feed and fills the payload cache
    with django_assert_num_queries(0):  # payloads, counters and viewer flags all come from Redis
        body = client.get(API).json()
    assert len(body["results"]) == 20


def test_api_cold_cache_query_count(viewer_with_tweets, django_assert_max_num_queries):
    viewer, _ = viewer_with_tweets
    client = _client(viewer)
    # rebuild (pull + celebs), payloads (3), the viewer's flags, counters
    with django_assert_max_num_queries(7):
        body = client.get(API).json()
    assert len(body["results"]) == 20


def test_home_page_renders_composer_and_tweets(viewer_with_tweets, client, django_assert_max_num_queries):
    viewer, tweets = viewer_with_tweets
    client.force_login(viewer)
    client.get(reverse("home"))
    with django_assert_max_num_queries(2):  # session and user (cards all come from Redis)
        response = client.get(reverse("home"))
    html = response.content.decode()
    assert 'data-testid="composer"' in html
    assert html.count('data-testid="tweet"') == 20
    assert "tweet number 44" in html and "tweet number 24" not in html
    assert 'data-testid="load-more"' in html


def test_home_page_htmx_next_page(viewer_with_tweets, client):
    viewer, tweets = viewer_with_tweets
    client.force_login(viewer)
    first = client.get(reverse("home")).context["next_url"]
    response = client.get(first, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and html.count('data-testid="tweet"') == 20
    assert "tweet number 24" in html


def test_user_text_is_escaped(person, act, client):
    viewer, author = person("viewer"), person("author")
    act.follow(viewer, author)
    act.tweet(author, "<script>alert(1)</script>")
    client.force_login(viewer)
    html = client.get(reverse("home")).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_empty_home_invites_to_follow(person, client):
    client.force_login(person("lonely"))
    assert 'data-testid="home-empty"' in client.get(reverse("home")).content.decode()


def test_edit_shows_the_new_text_in_followers_timelines(person, act, django_capture_on_commit_callbacks):
    from tweets.services import edit_tweet

    viewer, author = person("viewer"), person("author")
    act.follow(viewer, author)
    tweet = act.tweet(author, "tpyo")
    api = _client(viewer)
    assert api.get(API).json()["results"][0]["text"] == "tpyo"  # now cached

    with django_capture_on_commit_callbacks(execute=True):  # edit calls cache.invalidate_tweet
        edit_tweet(user=author, tweet=tweet, text="typo")

    first = api.get(API).json()["results"][0]
    assert first["text"] == "typo" and first["edited"] is True


def test_invalidate_tweet_drops_embedding_cards(person, act):
    viewer, author, sharer = person("viewer"), person("author"), person("sharer")
    act.follow(viewer, sharer)
    tweet = act.tweet(author, "original")
    retweet = act.retweet(sharer, tweet)
    assert [t["entry_id"] for t in _client(viewer).get(API).json()["results"]] == [str(retweet.pk)]
    assert cache.redis().exists(cache.payload_key(retweet.pk))

    cache.invalidate_tweet(tweet.pk)

    assert not cache.redis().exists(cache.payload_key(retweet.pk))


def test_counts_and_state_of_a_page(person, act, django_capture_on_commit_callbacks):
    from tweets.selectors import counts_and_state
    from tweets.services import like_tweet

    viewer, author, fan = person("viewer"), person("author"), person("fan")
    tweets = [act.tweet(author, f"t{i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        like_tweet(user=viewer, tweet=tweets[0])
        like_tweet(user=fan, tweet=tweets[0])
    retweet = act.retweet(viewer, tweets[1])
    act.tweet(fan, "a reply", reply_to=tweets[2])
    ids = [t.pk for t in tweets] + [retweet.pk]

    counts, state = counts_and_state(viewer, ids)
    assert counts[tweets[0].pk]["likes"] == 2
    assert counts[tweets[2].pk]["replies"] == 1
    assert counts[retweet.pk]["retweets"] == 1  # a retweet shows its original's counters
    assert state[tweets[0].pk] == {"liked": True, "retweeted": False}
    assert state[tweets[1].pk] == {"liked": False, "retweeted": True}
    assert counts_and_state(fan, ids)[1][tweets[0].pk] == {"liked": True, "retweeted": False}
