"""Access tokens remembered in Redis: no SQL per app request, and revocation that takes effect at once."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from django.utils import timezone
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from accounts.tokens import access_cache_key, token_digest

pytestmark = pytest.mark.django_db
HOME = "/api/v1/timelines/home"


@pytest.fixture
def app(make_user):
    """Return (client with a Bearer token, user, the token pair)."""
    user = make_user("alice")
    pair = services.issue_tokens(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.access}")
    return client, user, pair


def test_a_remembered_token_costs_no_sql(app, django_assert_num_queries):
    client, user, pair = app
    assert client.get(HOME).status_code == 200  # verifies the token in PostgreSQL, builds the feed
    assert get_redis_connection("default").exists(access_cache_key(token_digest(pair.access)))

    with django_assert_num_queries(0):
        assert client.get(HOME).status_code == 200


def test_views_that_need_the_person_still_get_all_of_it(app):
    client, user, pair = app
    client.get("/api/v1/me")  # remembered now
    me = client.get("/api/v1/me").json()
    assert me["username"] == "alice"

    posted = client.post("/api/v1/tweets", {"text": "from the app"}, format="json")
    assert posted.status_code == 201 and posted.json()["author"]["username"] == "alice"


def test_logout_forgets_the_token_at_once(app):
    client, user, pair = app
    assert client.get(HOME).status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get(HOME).status_code == 401


def test_suspension_forgets_every_token_at_once(app):
    client, user, pair = app
    assert client.get(HOME).status_code == 200
    services.suspend_user(user=user)
    assert client.get(HOME).status_code == 401


def test_a_remembered_token_past_its_expiry_is_refused(app):
    client, user, pair = app
    client.get(HOME)
    key = access_cache_key(token_digest(pair.access))
    connection = get_redis_connection("default")
    entry = orjson.loads(connection.get(key))
    entry["expires"] = (timezone.now() - timedelta(seconds=1)).timestamp()
    connection.set(key, orjson.dumps(entry))

    response = client.get(HOME)
    assert response.status_code == 401 and "expired" in response.content.decode()


def test_apps_mark_people_as_seen_once_an_hour(app, django_assert_num_queries):
    client, user, pair = app
    User.objects.filter(pk=user.pk).update(last_seen_at=timezone.now() - timedelta(days=30))
    client.get(HOME)
    user.refresh_from_db()
    assert timezone.now() - user.last_seen_at < timedelta(minutes=1)

    with django_assert_num_queries(0):  # seen recently: no write on the next requests
        client.get(HOME)
