"""Bad input to the tweets API gets the one error shape, writes nothing, never a 500 (found by fuzzing)."""

from __future__ import annotations

import pytest

from tweets.models import Tweet
from twitter_site.tests.errors import api_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(auth_client):
    return auth_client("alice")[0]


@pytest.mark.parametrize("field", ["reply_to", "quote_of"])
@pytest.mark.parametrize("value", ["0", 0])
def test_reply_to_or_quote_of_zero_is_404_not_a_plain_tweet(alice, field, value):
    """ "0" used to be falsy and silently dropped: the tweet was posted as if no parent had been named."""
    api_error(alice.post("/api/v1/tweets", {"text": "hi", field: value}, format="json"), 404)
    assert not Tweet.objects.exists()


@pytest.mark.parametrize("value", ["١٢٣", "１２３", "-1", "1.5", "", " 1", True, 1.5, [], {}])
def test_tweet_ids_in_bodies_are_ascii_digits(alice, value):
    error = api_error(alice.post("/api/v1/tweets", {"text": "hi", "reply_to": value}, format="json"), 400)
    assert list(error["fields"]) == ["reply_to"]
    assert not Tweet.objects.exists()


def test_huge_tweet_ids_are_404_not_overflow(alice):
    huge = "9" * 30
    api_error(alice.post("/api/v1/tweets", {"text": "hi", "quote_of": huge}, format="json"), 404)
    api_error(alice.get(f"/api/v1/tweets/{huge}"), 404)
    api_error(alice.post(f"/api/v1/tweets/{huge}/like"), 404)
    assert not Tweet.objects.exists()


def test_empty_text_is_400_with_the_rule_message(alice):
    for method, path in (("post", "/api/v1/tweets"),):
        error = api_error(getattr(alice, method)(path, {"text": ""}, format="json"), 400)
        assert error["fields"]["text"] == ["Write something first: a tweet cannot be empty or only spaces."]
    created = alice.post("/api/v1/tweets", {"text": "first"}, format="json").json()
    error = api_error(alice.patch(f"/api/v1/tweets/{created['id']}", {"text": ""}, format="json"), 400)
    assert error["fields"]["text"] == ["Write something first: a tweet cannot be empty or only spaces."]
    error = api_error(alice.patch(f"/api/v1/tweets/{created['id']}", {}, format="json"), 400)
    assert list(error["fields"]) == ["text"]
    assert Tweet.objects.get().versions.count() == 1


@pytest.mark.parametrize("escaped", ["a\\u0000b", "a\\ud800b"])
def test_nul_and_lone_surrogates_in_text_are_400(alice, escaped):
    body = f'{{"text": "{escaped}"}}'  # JSON escapes: the test client cannot encode a lone surrogate
    error = api_error(alice.generic("POST", "/api/v1/tweets", body, content_type="application/json"), 400)
    assert list(error["fields"]) == ["text"]
    assert not Tweet.objects.exists()


def test_nul_byte_in_hashtag_is_an_empty_page_not_500(api_client, client):
    response = api_client.get("/api/v1/hashtags/a%00b/tweets")
    assert response.status_code == 200
    assert response.json() == {"results": [], "next_cursor": None}
    assert client.get("/hashtag/a%00b").status_code == 200


@pytest.mark.parametrize("cursor", ["%00", "zzz", "k", "azk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
def test_bad_or_out_of_range_cursors_never_500(api_client, make_user, cursor):
    make_user("alice")
    for path in ("/api/v1/users/alice/tweets", "/api/v1/users/alice/likes", "/api/v1/hashtags/x/tweets"):
        response = api_client.get(f"{path}?cursor={cursor}")
        assert response.status_code in (200, 400), (path, response.content)
        if response.status_code == 400:
            assert list(api_error(response, 400)["fields"]) == ["cursor"]


def test_non_object_json_body_is_400(alice):
    for body in ("[1, 2]", '"text"', "3", "null"):
        response = alice.generic("POST", "/api/v1/tweets", body, content_type="application/json")
        assert api_error(response, 400)["fields"], body
    assert not Tweet.objects.exists()


def test_schema_documents_error_responses_and_a_complete_edit_body(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/tweets") or path.startswith("/api/v1/users") or path.startswith("/api/v1/auth")
        for method, op in item.items()
    ]
    for path, method, op in operations:
        errors = {code for code in op["responses"] if code >= "400"}
        assert errors, (method, path)
        for code in errors:
            ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorOut"), (method, path, code)
    edit = schema["paths"]["/api/v1/tweets/{tweet_id}"]["patch"]["requestBody"]["content"]["application/json"]
    assert edit["schema"]["$ref"].endswith("/TweetEditInRequest")
    assert schema["components"]["schemas"]["TweetEditInRequest"]["required"] == ["text"]
    listing = schema["paths"]["/api/v1/users/{username}/tweets"]["get"]["responses"]
    assert {"200", "400", "404"} <= set(listing)
