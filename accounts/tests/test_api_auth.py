"""The auth API: sign-up rules, tokens (rotation, reuse detection, logout), throttling, suspension."""

from __future__ import annotations

import pytest
from django.test import override_settings

from accounts import services
from accounts.models import ApiToken, User

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "correct-horse-42"


def signup(client, **data):
    body = {"username": "robin", "password": GOOD_PASSWORD, "display_name": "Robin", "bio": "Hi"}
    body.update(data)
    return client.post("/api/v1/auth/signup", body, format="json")


def fields(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


def test_signup_creates_account_and_returns_tokens(api_client):
    response = signup(api_client)
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "Bearer" and body["access"] and body["refresh"]
    assert body["user"]["username"] == "robin"
    assert isinstance(body["user"]["id"], str)
    me = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.json()["display_name"] == "Robin"
    assert User.objects.get(username="robin").check_password(GOOD_PASSWORD)


def test_signup_username_taken_in_another_case(api_client, make_user):
    make_user("Robin")
    assert fields(signup(api_client, username="rOBIN"))["username"] == ["That username is taken."]


@pytest.mark.parametrize("username", ["bad name", "émile", "a-b", "x" * 16, ""])
def test_signup_rejects_bad_usernames(api_client, username):
    assert "username" in fields(signup(api_client, username=username))
    assert not User.objects.exists()


def test_signup_accepts_fifteen_characters(api_client):
    assert signup(api_client, username="a_" + "b" * 13).status_code == 201


def test_signup_rejects_long_display_name_and_bio(api_client):
    errors = fields(signup(api_client, display_name="d" * 51, bio="b" * 161))
    assert "display_name" in errors and "bio" in errors


@pytest.mark.parametrize("password", ["12345678", "password", "short1!", "robin1234"])
def test_signup_rejects_weak_passwords(api_client, password):
    assert "password" in fields(signup(api_client, password=password))


def test_signup_rejects_wrong_types(api_client):
    assert "username" in fields(signup(api_client, username=["robin"]))
    response = api_client.post("/api/v1/auth/signup", [1, 2], format="json")
    assert response.status_code == 400


def test_token_and_me(api_client, make_user):
    make_user("alice")
    response = api_client.post("/api/v1/auth/token", {"username": "ALICE", "password": "pw-alice-123!"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api_client.get("/api/v1/me").json()["username"] == "alice"


def test_token_wrong_password_is_401(api_client, make_user):
    make_user("alice")
    response = api_client.post("/api/v1/auth/token", {"username": "alice", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Wrong username or password."


def test_bad_bearer_token_is_401(api_client):
    response = api_client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert api_client.get("/api/v1/me").status_code in (401, 403)


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_login_throttle_per_username_gives_429_and_success_clears(api_client, make_user):
    make_user("alice")
    for _ in range(3):
        bad = api_client.post("/api/v1/auth/token", {"username": "alice", "password": "x"}, format="json")
        assert bad.status_code == 401
    blocked = api_client.post("/api/v1/auth/token", {"username": "alice", "password": "pw-alice-123!"}, format="json")
    assert blocked.status_code == 429
    assert "Try again in 15 minutes" in blocked.json()["error"]["message"]
    assert int(blocked["Retry-After"]) > 800
    # Another account from the same IP is not blocked yet (the IP limit is higher).
    make_user("bob")
    ok = api_client.post("/api/v1/auth/token", {"username": "bob", "password": "pw-bob-123!"}, format="json")
    assert ok.status_code == 200


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_successful_login_clears_username_failures(api_client, make_user):
    make_user("alice")
    for _ in range(2):
        api_client.post("/api/v1/auth/token", {"username": "alice", "password": "x"}, format="json")
    ok = api_client.post("/api/v1/auth/token", {"username": "alice", "password": "pw-alice-123!"}, format="json")
    assert ok.status_code == 200
    for _ in range(2):
        api_client.post("/api/v1/auth/token", {"username": "alice", "password": "x"}, format="json")
    ok = api_client.post("/api/v1/auth/token", {"username": "alice", "password": "pw-alice-123!"}, format="json")
    assert ok.status_code == 200


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_FAILURE_IP_LIMIT=4)
def test_login_throttle_per_ip(api_client, make_user):
    make_user("alice")
    for name in ["u1", "u2", "u3", "u4"]:
        assert (
            api_client.post("/api/v1/auth/token", {"username": name, "password": "x"}, format="json").status_code == 401
        )
    blocked = api_client.post("/api/v1/auth/token", {"username": "alice", "password": "pw-alice-123!"}, format="json")
    assert blocked.status_code == 429


def test_suspended_login_refused(api_client, make_user):
    alice = make_user("alice")
    services.suspend_user(user=alice)
    response = api_client.post("/api/v1/auth/token", {"username": "alice", "password": "pw-alice-123!"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This account is suspended."


def _tokens(api_client, make_user, name="alice"):
    make_user(name)
    response = api_client.post("/api/v1/auth/token", {"username": name, "password": f"pw-{name}-123!"}, format="json")
    return response.json()


def test_refresh_rotates_and_reuse_revokes_family(api_client, make_user):
    first = _tokens(api_client, make_user)
    second = api_client.post("/api/v1/auth/token/refresh", {"refresh": first["refresh"]}, format="json")
    assert second.status_code == 200
    second = second.json()
    assert second["refresh"] != first["refresh"] and second["access"] != first["access"]
    # The old refresh token comes back: refused, and the whole family is revoked.
    reuse = api_client.post("/api/v1/auth/token/refresh", {"refresh": first["refresh"]}, format="json")
    assert reuse.status_code == 401
    assert "already used" in reuse.json()["error"]["message"]
    assert (
        api_client.post("/api/v1/auth/token/refresh", {"refresh": second["refresh"]}, format="json").status_code == 401
    )
    assert api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {second['access']}").status_code == 401
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_refresh_with_garbage_or_access_token_is_401(api_client, make_user):
    pair = _tokens(api_client, make_user)
    assert api_client.post("/api/v1/auth/token/refresh", {"refresh": "nope"}, format="json").status_code == 401
    assert api_client.post("/api/v1/auth/token/refresh", {"refresh": pair["access"]}, format="json").status_code == 401
    assert "refresh" in fields(api_client.post("/api/v1/auth/token/refresh", {}, format="json"))


def test_logout_revokes_family_only(api_client, make_user):
    pair = _tokens(api_client, make_user)
    other = api_client.post(
        "/api/v1/auth/token", {"username": "alice", "password": "pw-alice-123!"}, format="json"
    ).json()
    response = api_client.post("/api/v1/auth/logout", HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert response.status_code == 204
    assert api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 401
    assert api_client.post("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json").status_code == 401
    # The other device's session keeps working.
    assert api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {other['access']}").status_code == 200


def test_logout_unauthenticated_is_401(api_client):
    assert api_client.post("/api/v1/auth/logout").status_code in (401, 403)


def test_expired_access_token_is_401(api_client, make_user):
    from datetime import timedelta

    from django.utils import timezone

    pair = _tokens(api_client, make_user)
    ApiToken.objects.filter(kind="access").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 401


def test_suspension_revokes_tokens(api_client, make_user):
    pair = _tokens(api_client, make_user)
    services.suspend_user(user=User.objects.get(username="alice"))
    assert api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 401
    assert api_client.post("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json").status_code == 401
