"""The accounts pages: sign-up, log-in / out, profile edit, follow button, people lists, admin."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from accounts import services
from accounts.models import User

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def signup_data(**data):
    body = {
        "display_name": "Robin",
        "username": "robin",
        "bio": "",
        "password": "correct-horse-42",
        "password_confirm": "correct-horse-42",
    }
    body.update(data)
    return body


def test_signup_page_shows_form(client):
    response = client.get("/signup")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Create your account" in html and 'name="password_confirm"' in html and "data-limit" in html


def test_signup_logs_in_and_lands_on_home(client):
    response = client.post("/signup", signup_data())
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="robin")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password_confirm": "something-else-1"}, "password_confirm", "The two passwords don&#x27;t match."),
        ({"username": "RoBiN"}, "username", "That username is taken."),
        ({"username": "no spaces"}, "username", "letters, digits and underscores only"),
        ({"username": "x" * 16}, "username", "at most 15 characters"),
        ({"password": "12345678", "password_confirm": "12345678"}, "password", "too common"),
        ({"display_name": "d" * 51}, "display_name", "at most 50 characters"),
        ({"bio": "b" * 161}, "bio", "at most 160 characters"),
    ],
)
def test_signup_form_errors(client, make_user, data, field, message):
    make_user("robin")
    response = client.post("/signup", signup_data(**data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_login_and_logout(client, make_user):
    alice = make_user("alice")
    response = client.post("/login", {"username": "ALICE", "password": "pw-alice-123!", "next": "/@alice/followers"})
    assert response.status_code == 302 and response["Location"] == "/@alice/followers"
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302 and response["Location"] == "/login"
    assert "_auth_user_id" not in client.session


def test_login_rejects_foreign_next(client, make_user):
    make_user("alice")
    response = client.post(
        "/login", {"username": "alice", "password": "pw-alice-123!", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_login_wrong_password_message(client, make_user):
    make_user("alice")
    response = client.post("/login", {"username": "alice", "password": "wrong"})
    assert response.status_code == 400
    assert "Wrong username or password." in response.content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_FAILURE_WINDOW_SECONDS=120)
def test_login_page_throttled(client, make_user):
    make_user("alice")
    for _ in range(2):
        client.post("/login", {"username": "alice", "password": "wrong"})
    response = client.post("/login", {"username": "alice", "password": "pw-alice-123!"})
    assert response.status_code == 429
    assert "Too many failed log-in attempts. Try again in 2 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_suspended_login_and_sessions_end(client, make_user):
    alice = make_user("alice")
    client.post("/login", {"username": "alice", "password": "pw-alice-123!"})
    assert client.get("/settings/profile").status_code == 200
    services.suspend_user(user=alice)
    assert client.get("/settings/profile").status_code == 302  # the session is gone
    response = client.post("/login", {"username": "alice", "password": "pw-alice-123!"})
    assert "This account is suspended." in response.content.decode()
    services.unsuspend_user(user=alice)
    assert client.post("/login", {"username": "alice", "password": "pw-alice-123!"}).status_code == 302


def test_edit_profile(make_user):
    alice = make_user("alice")
    client = signed_in(alice)
    page = client.get("/settings/profile").content.decode()
    assert 'data-limit="160"' in page and "Edit profile" in page
    response = client.post("/settings/profile", {"display_name": "Alice <3", "bio": "I <b>like</b> birds"})
    assert response.status_code == 302 and response["Location"] == "/@alice"
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio) == ("Alice <3", "I <b>like</b> birds")
    followers = client.get("/@alice/followers").content.decode()
    assert "I &lt;b&gt;like&lt;/b&gt; birds" in followers and "<b>like</b>" not in followers


def test_edit_profile_errors_and_login_required(client, make_user):
    assert client.get("/settings/profile")["Location"].startswith("/login?next=")
    alice = make_user("alice", bio="old")
    response = signed_in(alice).post("/settings/profile", {"display_name": "ok", "bio": "b" * 161})
    assert response.status_code == 400
    assert "at most 160 characters" in response.content.decode()
    alice.refresh_from_db()
    assert alice.bio == "old"


def test_follow_button_htmx_toggles(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    client = signed_in(alice)
    response = client.post("/@bob/follow", {"counts": "1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'hx-post="/@bob/unfollow"' in html and "Following" in html and "Unfollow" in html
    assert f'id="followers-count-{bob.pk}"' in html and 'hx-swap-oob="true">1<' in html
    bob.refresh_from_db()
    assert bob.followers_count == 1
    html = client.post("/@bob/unfollow", **HTMX).content.decode()
    assert 'hx-post="/@bob/follow"' in html and "followers-count" not in html
    bob.refresh_from_db()
    assert bob.followers_count == 0


def test_follow_without_htmx_redirects_and_errors(client, make_user):
    alice, _ = make_user("alice"), make_user("bob")
    response = signed_in(alice).post("/@bob/follow", {"next": "/@bob/followers"})
    assert response.status_code == 302 and response["Location"] == "/@bob/followers"
    assert signed_in(alice).post("/@alice/follow", **HTMX).status_code == 400
    assert signed_in(alice).post("/@nobody/follow", **HTMX).status_code == 404
    anonymous = client.post("/@bob/follow", **HTMX)
    assert anonymous["HX-Redirect"].startswith("/login?next=")


def test_signed_out_people_see_login_link(client, make_user):
    make_user("bob")
    html = client.get("/@bob/followers").content.decode()
    assert 'href="/login?next=/%40bob/followers"' in html or 'href="/login?next=/@bob/followers"' in html


def test_people_pages_pin_queries_and_scroll(make_user, settings, django_assert_max_num_queries):
    settings.PAGE_SIZE = 5
    star = make_user("star", bio="Shining")
    fans = [make_user(f"fan{i}", bio=f"Fan number {i}") for i in range(8)]
    for fan in fans:
        services.follow(follower=fan, followee=star)
    viewer = make_user("viewer")
    services.follow(follower=viewer, followee=fans[7])
    client = signed_in(viewer)
    client.get("/@star/followers")  # warm the session cache and last-seen stamp
    # session user, profile, follow state, page of people, viewer's follows among them
    with django_assert_max_num_queries(5):
        response = client.get("/@star/followers")
    html = response.content.decode()
    assert html.count('data-testid="person"') == 5
    assert html.count('aria-pressed="true"') == 1  # the viewer follows fan7 only
    assert "Fan number 7" in html and 'hx-trigger="revealed"' in html
    next_url = response.context["next_url"]
    with django_assert_max_num_queries(5):
        more = client.get(next_url, **HTMX)
    part = more.content.decode()
    assert "<html" not in part and part.count('data-testid="person"') == 3 and "revealed" not in part
    following = client.get("/@fan0/following").content.decode()
    assert "@star" in following and 'class="tab active" href="/@fan0/following"' in following


def test_people_pages_404(client, make_user):
    assert client.get("/@nobody/followers").status_code == 404
    carol = make_user("carol")
    services.suspend_user(user=carol)
    assert client.get("/@carol/following").status_code == 404


def test_admin_suspend_and_unsuspend_actions(make_user):
    admin = User.objects.create_superuser("mod", password="pw-mod-123!")
    bob = make_user("bob", display_name="Bobby")
    client = signed_in(admin)
    assert "Bobby" in client.get("/admin/accounts/user/?q=bobby").content.decode()
    response = client.post("/admin/accounts/user/", {"action": "suspend", "_selected_action": [bob.pk]})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active and bob.suspended_at is not None
    assert "bob" in client.get("/admin/accounts/user/?suspended=yes").content.decode()
    client.post("/admin/accounts/user/", {"action": "unsuspend", "_selected_action": [bob.pk]})
    bob.refresh_from_db()
    assert bob.is_active and bob.suspended_at is None
    assert client.get("/admin/accounts/follow/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200
    assert client.get(f"/admin/accounts/user/{bob.pk}/change/").status_code == 200
