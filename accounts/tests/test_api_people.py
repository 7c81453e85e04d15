"""The people API: me, profiles, follow / unfollow, follower and following lists."""

from __future__ import annotations

import pytest

from accounts import services
from accounts.models import Follow, User

pytestmark = pytest.mark.django_db


def test_me_requires_login(api_client):
    assert api_client.get("/api/v1/me").status_code == 401
    assert api_client.patch("/api/v1/me", {"bio": "x"}, format="json").status_code == 401


def test_patch_me_changes_profile(auth_client):
    client, alice = auth_client("alice")
    response = client.patch(
        "/api/v1/me", {"display_name": "Alice A. 🐦", "bio": "Birds <b>and</b> bees"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["bio"] == "Birds <b>and</b> bees"
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio) == ("Alice A. 🐦", "Birds <b>and</b> bees")
    # Only the fields sent change.
    client.patch("/api/v1/me", {"bio": ""}, format="json")
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio) == ("Alice A. 🐦", "")


def test_patch_me_rejects_too_long_and_wrong_types(auth_client):
    client, alice = auth_client("alice")
    response = client.patch("/api/v1/me", {"display_name": "d" * 51, "bio": "b" * 161}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"display_name", "bio"}
    assert client.patch("/api/v1/me", {"bio": {"a": 1}}, format="json").status_code == 400
    assert client.patch("/api/v1/me", {"bio": "b" * 160}, format="json").status_code == 200


def test_user_profile_anonymous_and_signed_in(api_client, auth_client, make_user):
    bob = make_user("bob", bio="hello")
    response = api_client.get("/api/v1/users/BOB")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(bob.pk) and body["username"] == "bob" and body["bio"] == "hello"
    assert body["following"] is None and body["follows_you"] is None
    assert {"joined", "tweets_count", "followers_count", "following_count"} <= set(body)
    client, alice = auth_client("alice")
    services.follow(follower=bob, followee=alice)
    body = client.get("/api/v1/users/bob").json()
    assert body["following"] is False and body["follows_you"] is True


def test_unknown_and_suspended_users_404(api_client, make_user):
    assert api_client.get("/api/v1/users/nobody").status_code == 404
    carol = make_user("carol")
    services.suspend_user(user=carol)
    response = api_client.get("/api/v1/users/carol")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_follow_and_unfollow_are_idempotent(auth_client, make_user, django_capture_on_commit_callbacks):
    client, alice = auth_client("alice")
    bob = make_user("bob")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = client.post("/api/v1/users/bob/follow")
        second = client.post("/api/v1/users/Bob/follow")
    assert first.status_code == second.status_code == 200
    assert second.json() == {"following": True, "followers_count": 1}
    # on_follow and forgetting alice's cached followees run once, for the follow really created
    assert len(callbacks) == 2
    bob.refresh_from_db()
    alice.refresh_from_db()
    assert (bob.followers_count, alice.following_count) == (1, 1)
    assert client.get("/api/v1/users/bob").json()["following"] is True
    for _ in range(2):
        response = client.delete("/api/v1/users/bob/follow")
        assert response.json() == {"following": False, "followers_count": 0}
    bob.refresh_from_db()
    alice.refresh_from_db()
    assert (bob.followers_count, alice.following_count) == (0, 0)
    assert not Follow.objects.exists()


def test_follow_errors(api_client, auth_client, make_user):
    make_user("bob")
    assert api_client.post("/api/v1/users/bob/follow").status_code == 401
    client, alice = auth_client("alice")
    response = client.post("/api/v1/users/alice/follow")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "You can't follow yourself."
    assert client.post("/api/v1/users/nobody/follow").status_code == 404
    assert client.delete("/api/v1/users/nobody/follow").status_code == 404
    alice.refresh_from_db()
    assert alice.following_count == 0


def test_follower_and_following_lists_page_by_cursor(
    api_client, auth_client, make_user, settings, django_assert_num_queries
):
    settings.PAGE_SIZE = 3
    star = make_user("star")
    fans = [make_user(f"fan{i}") for i in range(7)]
    for fan in fans:
        services.follow(follower=fan, followee=star)
    client, viewer = auth_client("viewer")
    services.follow(follower=viewer, followee=fans[6])
    services.follow(follower=viewer, followee=fans[4])

    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/users/star/followers" + (f"?cursor={cursor}" if cursor else "")
        # the user, a page of follows joined to the people, the viewer's follows (first page: read
        # into Redis, accounts.usercache; then from there)
        with django_assert_num_queries(3 if pages == 0 else 2):
            body = client.get(url).json()
        seen += [(p["username"], p["following"]) for p in body["results"]]
        cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert pages == 3
    assert [name for name, _ in seen] == [f"fan{i}" for i in range(6, -1, -1)]  # newest follow first
    assert dict(seen) == {f"fan{i}": i in (4, 6) for i in range(7)}

    following = api_client.get("/api/v1/users/viewer/following").json()
    assert [p["username"] for p in following["results"]] == ["fan4", "fan6"]
    assert following["results"][0]["following"] is None  # anonymous viewer
    assert following["next_cursor"] is None
    assert isinstance(following["results"][0]["id"], str)


def test_lists_hide_suspended_people_and_reject_bad_cursor(api_client, make_user):
    star = make_user("star")
    fan, gone = make_user("fan"), make_user("gone")
    services.follow(follower=fan, followee=star)
    services.follow(follower=gone, followee=star)
    services.suspend_user(user=User.objects.get(username="gone"))
    body = api_client.get("/api/v1/users/star/followers").json()
    assert [p["username"] for p in body["results"]] == ["fan"]
    response = api_client.get("/api/v1/users/star/followers?cursor=%%%")
    assert response.status_code == 400 and "cursor" in response.json()["error"]["fields"]
    assert api_client.get("/api/v1/users/nobody/following").status_code == 404


def test_schema_lists_accounts_endpoints(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ["/api/v1/auth/token/refresh", "/api/v1/users/{username}/follow", "/api/v1/me"]:
        assert path in text
