"""The Redis copies of the signed-in person's row and followees (accounts.usercache): used, and never stale."""

from __future__ import annotations

import orjson
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import selectors, services, usercache
from accounts.models import User

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/explore/trending")  # records last_seen_at (which forgets the copy)
    client.get("/explore/trending")  # reads the row into Redis
    return client


def user_queries(client: Client, path: str = "/explore/trending") -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(path).content.decode()
    return html, [q["sql"] for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]


def test_a_signed_in_page_reads_the_user_from_redis(make_user):
    alice = make_user("alice", display_name="Alice A")
    client = signed_in(alice)
    html, queries = user_queries(client)
    assert queries == []
    assert "Alice A" in html and "@alice" in html


def test_the_copy_is_a_user_with_the_same_values_and_deferred_counters(make_user):
    alice = make_user("alice", bio="Tea")
    bob = make_user("bob")
    services.follow(follower=bob, followee=alice)
    request = type("Request", (), {})()
    client = signed_in(alice)
    request.session = client.session
    usercache.install(request)
    copy = request.user
    fresh = User.objects.get(pk=alice.pk)
    assert isinstance(copy, User) and copy.pk == alice.pk
    assert all(getattr(copy, name) == getattr(fresh, name) for name in usercache.CACHED_FIELDS)
    assert copy.get_deferred_fields() == {"password", "followers_count", "following_count", "tweets_count"}
    assert copy.followers_count == 1  # read from PostgreSQL when asked for


def test_a_profile_edit_shows_at_once(make_user):
    alice = make_user("alice", display_name="Alice A")
    client = signed_in(alice)
    assert client.post("/settings/profile", {"display_name": "Alice Renamed", "bio": "New bio"}).status_code == 302
    html, _ = user_queries(client)
    assert "Alice Renamed" in html and "Alice A<" not in html
    html, queries = user_queries(client)
    assert "Alice Renamed" in html and queries == []  # and cached again


def test_a_saved_user_is_read_again_and_a_new_password_ends_old_sessions(make_user):
    alice = make_user("alice")
    client = signed_in(alice)
    alice.set_password("another-password-42")
    alice.save()  # post_save forgets the copy, whose session hash was the old password's
    response = client.get("/settings/profile")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_deleted_user_is_signed_out_at_once(make_user):
    alice = make_user("alice")
    client = signed_in(alice)
    User.objects.filter(pk=alice.pk).delete()  # the admin's delete: post_delete forgets the copy
    response = client.get("/settings/profile")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_suspension_signs_out_at_once(make_user):
    alice = make_user("alice")
    client = signed_in(alice)
    services.suspend_user(user=alice)
    assert not usercache._redis().exists(usercache.user_key(alice.pk))
    response = client.get("/settings/profile")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_miss_that_read_before_a_change_does_not_store_its_copy(make_user):
    alice = make_user("alice", display_name="Old")
    key = usercache.user_key(alice.pk)
    generation = usercache._generation(key)
    stale = User.objects.get(pk=alice.pk)
    services.update_profile(user=User.objects.get(pk=alice.pk), display_name="New", bio="")
    usercache._remember_user(stale, generation)
    assert not usercache._redis().exists(key)
    usercache._remember_user(User.objects.get(pk=alice.pk), usercache._generation(key))
    assert usercache._redis().exists(key)


def test_followed_ids_come_from_redis_and_follow_changes_show_at_once(make_user, django_assert_num_queries):
    alice, bob, carol, dave = (make_user(n) for n in ("alice", "bob", "carol", "dave"))
    services.follow(follower=alice, followee=bob)
    with django_assert_num_queries(1):  # a miss reads every followee once
        assert selectors.followed_ids(alice, [bob.pk, carol.pk, dave.pk]) == {bob.pk}
    with django_assert_num_queries(0):
        assert selectors.followed_ids(alice, [bob.pk, carol.pk]) == {bob.pk}
    services.follow(follower=alice, followee=carol)
    assert selectors.followed_ids(alice, [bob.pk, carol.pk, dave.pk]) == {bob.pk, carol.pk}
    services.unfollow(follower=alice, followee=bob)
    assert selectors.followed_ids(alice, [bob.pk, carol.pk, dave.pk]) == {carol.pk}
    assert selectors.followed_ids(bob, [alice.pk]) == set()
    assert selectors.followed_ids(alice, []) == set()


def test_a_miss_that_read_followees_before_a_follow_does_not_store_them(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    key = usercache.followees_key(alice.pk)
    real_generation = usercache._generation
    # The follow commits between the miss's generation read and its PostgreSQL read.
    usercache._generation = lambda k: (real_generation(k), services.follow(follower=alice, followee=bob))[0]
    try:
        assert usercache.followed_among(alice.pk, [bob.pk]) == {bob.pk}
    finally:
        usercache._generation = real_generation
    assert not usercache._redis().exists(key)  # not stored: it could have been older than the follow
    assert usercache.followed_among(alice.pk, [bob.pk]) == {bob.pk}
    assert usercache._redis().exists(key)


def test_people_following_too_many_are_asked_from_postgresql(make_user, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(usercache, "FOLLOWEES_MAX", 2)
    alice, *others = (make_user(n) for n in ("alice", "b", "c", "d"))
    for other in others:
        services.follow(follower=alice, followee=other)
    assert usercache.followed_among(alice.pk, [others[0].pk]) == {others[0].pk}
    with django_assert_num_queries(1):  # the marker says: ask for these ids
        assert usercache.followed_among(alice.pk, [others[2].pk, 999999]) == {others[2].pk}
    assert usercache._redis().smembers(usercache.followees_key(alice.pk)) == {b"0", b"-1"}


def test_follow_buttons_in_people_lists_flip_at_once(make_user):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    services.follow(follower=carol, followee=bob)
    client = signed_in(alice)
    assert 'aria-label="Follow @bob"' in client.get("/@carol/following").content.decode()
    client.post("/@bob/follow")
    assert 'aria-label="Unfollow @bob"' in client.get("/@carol/following").content.decode()
    client.post("/@bob/unfollow")
    assert 'aria-label="Follow @bob"' in client.get("/@carol/following").content.decode()


def test_the_session_and_the_copy_come_in_one_redis_call(make_user):
    """accounts.sessions reads the JSON session and the copy of the person it names with one Lua call."""
    alice = make_user("alice")
    client = signed_in(alice)
    response = client.get("/explore/trending")
    session = response.wsgi_request.session
    assert isinstance(session.user_copy, bytes)  # read with the session: no second call
    assert response.wsgi_request.user.pk == alice.pk and response.wsgi_request.user.get_deferred_fields()

    raw, copy = usercache.read_session(session._cache.make_and_validate_key(session.cache_key))
    assert orjson.loads(raw)["_auth_user_id"] == str(alice.pk)  # JSON, readable by the Lua call
    assert copy == session.user_copy

    usercache.forget_user(alice.pk)
    _, queries = user_queries(client)
    assert len(queries) == 1  # no copy: Django's own lookup, which is remembered again
    again = client.get("/explore/trending").wsgi_request.session.user_copy
    assert isinstance(again, bytes)


def test_a_session_missing_from_redis_is_read_from_postgresql(make_user):
    alice = make_user("alice", display_name="Alice A")
    client = signed_in(alice)
    session = client.get("/explore/trending").wsgi_request.session
    session._cache.delete(session.cache_key)  # Redis lost it (or evicted it)
    html, _ = user_queries(client)
    assert "Alice A" in html  # still signed in
    assert client.get("/explore/trending").wsgi_request.session.user_copy is not usercache.NOT_READ  # cached again


def test_a_cached_session_in_another_format_is_read_from_postgresql(make_user):
    alice = make_user("alice", display_name="Alice A")
    client = signed_in(alice)
    session = client.get("/explore/trending").wsgi_request.session
    raw_key = session._cache.make_key(session.cache_key)
    usercache._redis().set(raw_key, b"\x80\x04\x95pickled")  # e.g. cached before sessions were JSON
    html, _ = user_queries(client)
    assert "Alice A" in html  # still signed in, from the session table
    assert orjson.loads(usercache._redis().get(raw_key))["_auth_user_id"] == str(alice.pk)  # cached again as JSON
