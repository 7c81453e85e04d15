"""Bad input to the accounts API gets the one error shape, never a 500 or an HTML page (found by fuzzing)."""

from __future__ import annotations

import pytest

from accounts.models import User
from twitter_site.tests.errors import api_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/a%00b",
        "/api/v1/users/%00",
        "/api/v1/users/a%00b/followers",
        "/api/v1/users/a%00b/following",
        "/api/v1/users/a%00b/tweets",
    ],
)
def test_nul_byte_in_username_is_404_not_500(api_client, make_user, path):
    make_user("alice")
    assert api_error(api_client.get(path), 404)["code"] == "not_found"


def test_nul_byte_in_username_of_follow_is_404(auth_client):
    client, _ = auth_client("alice")
    assert client.post("/api/v1/users/a%00b/follow").status_code == 404
    assert client.delete("/api/v1/users/a%00b/follow").status_code == 404


def test_nul_byte_in_profile_page_address_is_404(client, make_user):
    make_user("alice")
    assert client.get("/@a%00b").status_code == 404
    assert client.get("/@a%00b/followers").status_code == 404


@pytest.mark.parametrize("field", ["display_name", "bio"])
@pytest.mark.parametrize("value", [5, 1.5, True, None])
def test_profile_fields_refuse_non_strings(auth_client, field, value):
    client, alice = auth_client("alice", bio="before")
    error = api_error(client.patch("/api/v1/me", {field: value}, format="json"), 400)
    assert list(error["fields"]) == [field]
    alice.refresh_from_db()
    assert alice.bio == "before"


def test_signup_refuses_non_strings_and_creates_nothing(api_client):
    body = {"username": "bob", "password": "a-long-password-1", "display_name": 5, "bio": ["x"]}
    error = api_error(api_client.post("/api/v1/auth/signup", body, format="json"), 400)
    assert set(error["fields"]) == {"display_name", "bio"}
    assert not User.objects.filter(username="bob").exists()


def test_token_refuses_non_string_credentials(api_client):
    error = api_error(api_client.post("/api/v1/auth/token", {"username": 1, "password": 2}, format="json"), 400)
    assert set(error["fields"]) == {"username", "password"}
    error = api_error(api_client.post("/api/v1/auth/token/refresh", {"refresh": 123}, format="json"), 400)
    assert list(error["fields"]) == ["refresh"]


def test_malformed_json_is_400_with_fields(api_client):
    response = api_client.generic("POST", "/api/v1/auth/token", '{"username": ', content_type="application/json")
    error = api_error(response, 400)
    assert error["code"] == "parse_error"
    assert error["fields"]["non_field_errors"][0].startswith("JSON parse error")


def test_unsupported_content_type_is_415_in_the_error_shape(api_client):
    response = api_client.generic("POST", "/api/v1/auth/token", "u=a", content_type="multipart/form-data")
    assert api_error(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/nothing-here"), ("get", "/api/v1/tweets/-1"), ("post", "/api/v1/tweets/abc/like")],
)
def test_unknown_api_address_is_json_404(api_client, method, path):
    assert api_error(getattr(api_client, method)(path), 404)["code"] == "not_found"


def test_unknown_api_address_with_session_cookie_is_404_not_csrf_page(client, make_user):
    """A POST to no endpoint with a session is a 404 in the error shape, not Django's CSRF page."""
    client.force_login(make_user("alice"))
    client.handler.enforce_csrf_checks = True
    assert api_error(client.post("/api/v1/tweets/-5/like"), 404)["code"] == "not_found"


def test_bad_people_cursor_is_400_on_the_cursor_field(api_client, make_user):
    make_user("alice")
    for cursor in ("p", "%00", "azk5"):
        error = api_error(api_client.get(f"/api/v1/users/alice/followers?cursor={cursor}"), 400)
        assert list(error["fields"]) == ["cursor"]


def test_404_and_403_keep_the_services_sentence(auth_client):
    alice, _ = auth_client("alice")
    bob, _ = auth_client("bob")
    assert api_error(alice.get("/api/v1/users/nobody"), 404)["message"] == "No such user."
    tweet_id = alice.post("/api/v1/tweets", {"text": "mine"}, format="json").json()["id"]
    error = api_error(bob.patch(f"/api/v1/tweets/{tweet_id}", {"text": "yours"}, format="json"), 403)
    assert error == {"code": "permission_denied", "message": "Only the author can edit a tweet."}
    assert api_error(bob.delete(f"/api/v1/tweets/{tweet_id}"), 403)["message"] == "Only the author can delete a tweet."
