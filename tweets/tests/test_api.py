"""The tweets API as an app uses it: every endpoint, good and bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tweets.models import Hashtag, Mention, Tweet, TweetVersion

pytestmark = pytest.mark.django_db
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


@pytest.fixture
def alice(auth_client):
    return auth_client("alice")


@pytest.fixture
def bob(auth_client):
    return auth_client("bob")


def tweet(client, text="hello", status=201, **extra):
    response = client.post("/api/v1/tweets", {"text": text, **extra}, format="json")
    assert response.status_code == status, response.content
    return response.json()


def error_fields(response):
    return response.json()["error"]["fields"]


# --------------------------------------------------------------------------- post


def test_post_tweet_with_emoji_returns_the_card(alice, django_capture_on_commit_callbacks):
    client, user = alice
    with django_capture_on_commit_callbacks(execute=True):
        body = tweet(client, f"family {FAMILY} 🇯🇵 #Chirp @alice")
    assert isinstance(body["id"], str) and int(body["id"]) > 2**40
    assert body["text"] == f"family {FAMILY} 🇯🇵 #Chirp @alice"
    assert body["counts"] == {"likes": 0, "retweets": 0, "replies": 0, "quotes": 0}
    assert body["viewer"] == {"liked": False, "retweeted": False}
    assert body["version"] == 1 and body["edited"] is False
    user.refresh_from_db()
    assert user.tweets_count == 1
    assert TweetVersion.objects.filter(tweet_id=body["id"], number=1).exists()
    assert Hashtag.objects.filter(name="chirp").exists()
    assert Mention.objects.filter(tweet_id=body["id"], user=user).exists()


def test_240_grapheme_clusters_is_fine_241_is_an_error_naming_the_count(alice):
    client, _ = alice
    tweet(client, FAMILY * 240)
    response = client.post("/api/v1/tweets", {"text": FAMILY * 241}, format="json")
    assert response.status_code == 400
    assert error_fields(response)["text"] == ["Tweets can be at most 240 characters; this one has 241."]
    response = client.post("/api/v1/tweets", {"text": "x" * 251}, format="json")
    assert "this one has 251" in response.json()["error"]["message"]
    assert Tweet.objects.count() == 1  # nothing saved, never cut


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"text": ""}, "text", "empty"),
        ({"text": "   \n\t "}, "text", "empty"),
        ({"text": 42}, "text", "must be a string"),
        ({"text": ["a"]}, "text", "must be a string"),
        ({}, "text", "required"),
        ({"text": "hi", "reply_to": "abc"}, "reply_to", "tweet id"),
        ({"text": "hi", "quote_of": {"id": 1}}, "quote_of", "tweet id"),
    ],
)
def test_bad_input_is_a_400_with_field_messages(alice, payload, field, message):
    client, _ = alice
    response = client.post("/api/v1/tweets", payload, format="json")
    assert response.status_code == 400
    assert message in " ".join(error_fields(response)[field])
    assert not Tweet.objects.exists()


def test_unauthenticated_writes_are_401(alice):
    client, _ = alice
    body = tweet(client)
    anon = APIClient()
    assert anon.post("/api/v1/tweets", {"text": "hi"}, format="json").status_code == 401
    assert anon.delete(f"/api/v1/tweets/{body['id']}").status_code == 401
    assert anon.patch(f"/api/v1/tweets/{body['id']}", {"text": "x"}, format="json").status_code == 401
    assert anon.post(f"/api/v1/tweets/{body['id']}/like").status_code == 401
    assert anon.post(f"/api/v1/tweets/{body['id']}/retweet").status_code == 401
    assert anon.get(f"/api/v1/tweets/{body['id']}").status_code == 200  # reading is public


def test_reply_and_quote_remember_the_version_and_count(alice, bob):
    a, _ = alice
    b, _ = bob
    root = tweet(a, "root")
    reply = tweet(b, "reply", reply_to=root["id"])
    quote = tweet(b, "quote", quote_of=int(root["id"]))
    assert reply["reply_to"]["id"] == root["id"] and reply["reply_to"]["version"] == 1
    assert reply["conversation_id"] == root["id"]
    assert quote["quote"]["id"] == root["id"] and quote["quote"]["quoted_version"] == 1
    counts = a.get(f"/api/v1/tweets/{root['id']}").json()["counts"]
    assert counts == {"likes": 0, "retweets": 0, "replies": 1, "quotes": 1}
    deep = tweet(a, "deeper", reply_to=reply["id"])
    ancestors = a.get(f"/api/v1/tweets/{deep['id']}/ancestors").json()["results"]
    assert [t["id"] for t in ancestors] == [root["id"], reply["id"]]
    replies = a.get(f"/api/v1/tweets/{root['id']}/replies").json()
    assert [t["id"] for t in replies["results"]] == [reply["id"]] and replies["next_cursor"] is None
    quotes = a.get(f"/api/v1/tweets/{root['id']}/quotes").json()
    assert [t["id"] for t in quotes["results"]] == [quote["id"]]


def test_quote_over_240_is_rejected(alice, bob):
    a, _ = alice
    root = tweet(a, "root")
    response = bob[0].post("/api/v1/tweets", {"text": "q" * 241, "quote_of": root["id"]}, format="json")
    assert response.status_code == 400 and "has 241" in response.json()["error"]["message"]


def test_reply_to_a_missing_or_deleted_tweet_is_404(alice, bob):
    a, _ = alice
    root = tweet(a, "root")
    assert a.delete(f"/api/v1/tweets/{root['id']}").status_code == 204
    response = bob[0].post("/api/v1/tweets", {"text": "hi", "reply_to": root["id"]}, format="json")
    assert response.status_code == 404
    assert bob[0].post("/api/v1/tweets", {"text": "hi", "quote_of": "123"}, format="json").status_code == 404


# --------------------------------------------------------------------------- delete


def test_only_the_author_deletes_and_deleted_is_404_everywhere(alice, bob, django_capture_on_commit_callbacks):
    a, user = alice
    b, _ = bob
    root = tweet(a, "to delete")
    reply = tweet(b, "a reply", reply_to=root["id"])
    quote = tweet(b, "a quote", quote_of=root["id"])
    b.post(f"/api/v1/tweets/{root['id']}/retweet")
    response = b.delete(f"/api/v1/tweets/{root['id']}")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    with django_capture_on_commit_callbacks(execute=True):
        assert a.delete(f"/api/v1/tweets/{root['id']}").status_code == 204
    for method, path in [
        ("get", f"/api/v1/tweets/{root['id']}"),
        ("delete", f"/api/v1/tweets/{root['id']}"),
        ("patch", f"/api/v1/tweets/{root['id']}"),
        ("post", f"/api/v1/tweets/{root['id']}/like"),
        ("post", f"/api/v1/tweets/{root['id']}/retweet"),
        ("get", f"/api/v1/tweets/{root['id']}/versions"),
        ("get", f"/api/v1/tweets/{root['id']}/replies"),
    ]:
        assert getattr(b, method)(path, {"text": "x"} if method == "patch" else None, format="json").status_code == 404
    # its retweet is gone from lists; the reply stays, pointing at a deleted tweet; the quote says unavailable
    assert b.get("/api/v1/users/bob/tweets").json()["results"][0]["id"] == quote["id"]
    assert root["id"] not in [t["id"] for t in b.get("/api/v1/users/bob/tweets").json()["results"]]
    assert b.get(f"/api/v1/tweets/{reply['id']}").json()["reply_to"]["unavailable"] is True
    assert b.get(f"/api/v1/tweets/{quote['id']}").json()["quote"] == {"id": root["id"], "unavailable": True}
    user.refresh_from_db()
    assert user.tweets_count == 0


def test_deleting_a_reply_and_a_quote_decrements_the_parent(alice, bob):
    a, _ = alice
    b, _ = bob
    root = tweet(a, "root")
    reply = tweet(b, "reply", reply_to=root["id"])
    quote = tweet(b, "quote", quote_of=root["id"])
    b.delete(f"/api/v1/tweets/{reply['id']}")
    b.delete(f"/api/v1/tweets/{quote['id']}")
    assert a.get(f"/api/v1/tweets/{root['id']}").json()["counts"] == {
        "likes": 0,
        "retweets": 0,
        "replies": 0,
        "quotes": 0,
    }


# --------------------------------------------------------------------------- likes and retweets


def test_like_is_idempotent_and_unlike_too(alice, bob):
    a, _ = alice
    b, _ = bob
    root = tweet(a)
    for _ in range(2):
        body = b.post(f"/api/v1/tweets/{root['id']}/like").json()
    assert body["counts"]["likes"] == 1 and body["viewer"]["liked"] is True
    for _ in range(2):
        body = b.delete(f"/api/v1/tweets/{root['id']}/like").json()
    assert body["counts"]["likes"] == 0 and body["viewer"]["liked"] is False
    assert b.post("/api/v1/tweets/999/like").status_code == 404


def test_retweet_is_idempotent_and_a_retweet_of_a_retweet_is_of_the_original(alice, bob, auth_client):
    a, _ = alice
    b, _ = bob
    c, _ = auth_client("carol")
    root = tweet(a, "original")
    for _ in range(2):
        body = b.post(f"/api/v1/tweets/{root['id']}/retweet").json()
    assert body["counts"]["retweets"] == 1 and body["viewer"]["retweeted"] is True
    entry = b.get("/api/v1/users/bob/tweets").json()["results"][0]
    assert entry["id"] == root["id"] and entry["retweet"]["by"]["username"] == "bob"
    body = c.post(f"/api/v1/tweets/{entry['entry_id']}/retweet").json()
    assert body["id"] == root["id"] and body["counts"]["retweets"] == 2
    assert Tweet.objects.filter(retweet_of_id=root["id"], deleted_at__isnull=True).count() == 2
    body = b.delete(f"/api/v1/tweets/{root['id']}/retweet").json()
    assert body["counts"]["retweets"] == 1 and body["viewer"]["retweeted"] is False
    assert b.get("/api/v1/users/bob/tweets").json()["results"] == []
    people = a.get(f"/api/v1/tweets/{root['id']}/retweets").json()
    assert [p["username"] for p in people["results"]] == ["carol"]


def test_likers_list_and_likes_tab_newest_like_first(alice, bob):
    a, _ = alice
    b, _ = bob
    first, second = tweet(a, "first"), tweet(a, "second")
    b.post(f"/api/v1/tweets/{second['id']}/like")
    b.post(f"/api/v1/tweets/{first['id']}/like")
    likes = a.get("/api/v1/users/bob/likes").json()
    assert [t["id"] for t in likes["results"]] == [first["id"], second["id"]]
    assert [p["username"] for p in a.get(f"/api/v1/tweets/{first['id']}/likes").json()["results"]] == ["bob"]


# --------------------------------------------------------------------------- edits


def test_edit_keeps_versions_and_engagement(alice, bob):
    a, _ = alice
    b, _ = bob
    root = tweet(a, "frist")
    b.post(f"/api/v1/tweets/{root['id']}/like")
    reply = tweet(b, "typo!", reply_to=root["id"])
    body = a.patch(f"/api/v1/tweets/{root['id']}", {"text": "first #fixed"}, format="json").json()
    assert body["text"] == "first #fixed" and body["version"] == 2 and body["edited"] is True
    assert body["counts"]["likes"] == 1 and body["counts"]["replies"] == 1
    versions = a.get(f"/api/v1/tweets/{root['id']}/versions").json()["results"]
    assert [(v["number"], v["text"]) for v in versions] == [(1, "frist"), (2, "first #fixed")]
    replied = b.get(f"/api/v1/tweets/{reply['id']}").json()["reply_to"]
    assert replied["version"] == 1 and replied["current_version"] == 2
    assert [t["id"] for t in a.get("/api/v1/hashtags/fixed/tweets").json()["results"]] == [root["id"]]


def test_edit_rules_author_window_count_and_text(alice, bob, settings):
    a, _ = alice
    b, _ = bob
    root = tweet(a, "v1")
    assert b.patch(f"/api/v1/tweets/{root['id']}", {"text": "hijack"}, format="json").status_code == 403
    response = a.patch(f"/api/v1/tweets/{root['id']}", {"text": "y" * 241}, format="json")
    assert response.status_code == 400 and "has 241" in error_fields(response)["text"][0]
    assert a.patch(f"/api/v1/tweets/{root['id']}", {"text": "  "}, format="json").status_code == 400
    assert a.patch(f"/api/v1/tweets/{root['id']}", {"text": 5}, format="json").status_code == 400
    settings.TWEET_MAX_EDITS = 2
    for n in (2, 3):
        assert a.patch(f"/api/v1/tweets/{root['id']}", {"text": f"v{n}"}, format="json").status_code == 200
    response = a.patch(f"/api/v1/tweets/{root['id']}", {"text": "v4"}, format="json")
    assert response.status_code == 400 and "at most 2 times" in error_fields(response)["text"][0]
    old = tweet(a, "old one")
    Tweet.objects.filter(pk=old["id"]).update(created_at=timezone.now() - timedelta(seconds=3601))
    response = a.patch(f"/api/v1/tweets/{old['id']}", {"text": "too late"}, format="json")
    assert response.status_code == 400 and "within 60 minutes" in error_fields(response)["text"][0]
    assert TweetVersion.objects.filter(tweet_id=old["id"]).count() == 1


# --------------------------------------------------------------------------- lists


def test_profile_lists_are_keyset_paginated(alice):
    a, _ = alice
    ids = [tweet(a, f"n{n}")["id"] for n in range(25)]
    reply = tweet(a, "self reply", reply_to=ids[0])
    page = a.get("/api/v1/users/alice/tweets").json()
    assert [t["id"] for t in page["results"]] == ids[::-1][:20]
    page2 = a.get("/api/v1/users/ALICE/tweets", {"cursor": page["next_cursor"]}).json()
    assert [t["id"] for t in page2["results"]] == ids[::-1][20:] and page2["next_cursor"] is None
    with_replies = a.get("/api/v1/users/alice/replies").json()
    assert with_replies["results"][0]["id"] == reply["id"]
    assert a.get("/api/v1/users/alice/tweets", {"cursor": "garbage!"}).status_code == 400
    assert a.get("/api/v1/users/nobody/tweets").status_code == 404


def test_hashtag_api_unicode_and_case(alice):
    a, _ = alice
    t1 = tweet(a, "#Привет мир")
    t2 = tweet(a, "и снова #привет")
    body = a.get("/api/v1/hashtags/ПРИВЕТ/tweets").json()
    assert [t["id"] for t in body["results"]] == [t2["id"], t1["id"]]


def test_suspended_author_tweets_are_hidden(alice, bob):
    a, user = alice
    root = tweet(a, "soon hidden")
    user.is_active = False
    user.save()
    b, _ = bob
    assert b.get(f"/api/v1/tweets/{root['id']}").status_code == 404
    assert b.post(f"/api/v1/tweets/{root['id']}/like").status_code == 404


def test_schema_documents_the_tweet_endpoints(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/tweets/{tweet_id}/versions",
        "/api/v1/users/{username}/likes",
        "/api/v1/hashtags/{tag}/tweets",
    ):
        assert path in schema


def test_writes_are_rate_limited_with_a_429(alice, bob, settings):
    a, _ = alice
    b, _ = bob
    settings.TWEET_POST_LIMIT = 2
    settings.TWEET_ENGAGE_LIMIT = 1
    root = tweet(a, "one")
    tweet(a, "two")
    response = a.post("/api/v1/tweets", {"text": "three"}, format="json")
    assert response.status_code == 429
    assert "too fast" in response.json()["error"]["message"] and int(response["Retry-After"]) > 0
    assert b.post(f"/api/v1/tweets/{root['id']}/like").status_code == 200
    assert b.post(f"/api/v1/tweets/{root['id']}/retweet").status_code == 429
    assert Tweet.objects.filter(text="three").count() == 0


def test_an_edit_drops_the_cached_payload_so_timelines_show_the_new_text(alice, django_capture_on_commit_callbacks):
    from timelines.selectors import hydrate

    a, _ = alice
    root = tweet(a, "before")
    assert hydrate([int(root["id"])], None)[0]["text"] == "before"  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        a.patch(f"/api/v1/tweets/{root['id']}", {"text": "after"}, format="json")
    assert hydrate([int(root["id"])], None)[0]["text"] == "after"
