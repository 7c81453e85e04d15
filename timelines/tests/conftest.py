"""Fixtures of the timelines tests: active people, and writes through the real services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def person(make_user):
    """Return a factory of users seen just now (active) unless ``inactive=True``."""

    def make(username: str, *, inactive: bool = False, **fields):
        seen = timezone.now() - (timedelta(days=30) if inactive else timedelta(minutes=1))
        return make_user(username, last_seen_at=seen, **fields)

    return make


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run a write through its service and then its on-commit hooks (eager Celery tasks included)."""

    class Act:
        def tweet(self, author, text="hello", **kwargs):
            from tweets.services import create_tweet

            with django_capture_on_commit_callbacks(execute=True):
                return create_tweet(author=author, text=text, **kwargs)

        def retweet(self, user, tweet):
            from tweets.models import Tweet
            from tweets.services import retweet

            with django_capture_on_commit_callbacks(execute=True):
                retweet(user=user, tweet=tweet)
            return Tweet.objects.get(author=user, retweet_of=tweet, deleted_at__isnull=True)

        def delete(self, user, tweet):
            from tweets.services import delete_tweet

            with django_capture_on_commit_callbacks(execute=True):
                delete_tweet(user=user, tweet=tweet)

        def follow(self, follower, followee):
            from accounts.services import follow

            with django_capture_on_commit_callbacks(execute=True):
                follow(follower=follower, followee=followee)

        def unfollow(self, follower, followee):
            from accounts.services import unfollow

            with django_capture_on_commit_callbacks(execute=True):
                unfollow(follower=follower, followee=followee)

    return Act()


@pytest.fixture
def feed():
    """Return helpers over a user's cached feed."""
    from timelines import feeds, services

    class Feed:
        def build(self, user):
            return services.rebuild_feed(user_id=user.pk)

        def ids(self, user):
            return feeds.member_ids(user_id=user.pk)

        def exists(self, user):
            return feeds.exists(user_id=user.pk)

    return Feed()
