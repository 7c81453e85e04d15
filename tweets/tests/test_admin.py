"""Moderators find tweets in the admin and remove them through the service."""

import pytest

from tweets.models import Tweet

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(client, make_user):
    moderator = make_user("mod", is_staff=True, is_superuser=True)
    client.force_login(moderator)
    return client


def test_search_filter_show_versions_and_remove(moderator_client, make_user, post, run):
    from tweets import services

    alice = make_user("alice")
    spam = post(alice, "buy cheap stuff")
    post(alice, "a normal day")
    run(services.edit_tweet, user=alice, tweet=spam, text="buy cheap stuff now")

    page = moderator_client.get("/admin/tweets/tweet/", {"q": "cheap"}).content.decode()
    assert "buy cheap stuff now" in page and "a normal day" not in page
    assert "a normal day" in moderator_client.get("/admin/tweets/tweet/", {"q": "alice"}).content.decode()
    detail = moderator_client.get(f"/admin/tweets/tweet/{spam.pk}/change/").content.decode()
    assert "buy cheap stuff</td>" in detail or "buy cheap stuff\n" in detail or "buy cheap stuff<" in detail

    response = moderator_client.post(
        "/admin/tweets/tweet/", {"action": "remove_tweets", "_selected_action": [spam.pk]}, follow=True
    )
    assert "Removed 1 tweet" in response.content.decode()
    spam.refresh_from_db()
    assert spam.deleted_at is not None and spam.removed_by_moderator
    alice.refresh_from_db()
    assert alice.tweets_count == 1
    removed = moderator_client.get("/admin/tweets/tweet/", {"removed_by_moderator__exact": "1"}).content.decode()
    assert "buy cheap stuff now" in removed
    assert Tweet.objects.visible().count() == 1
