"""Celery tasks of the timelines app: thin wrappers over services, ids in, idempotent.

All run on the ``fanout`` queue (``task_routes`` in twitter_site/celery.py).
"""

from __future__ import annotations

from celery import shared_task
from redis.exceptions import ConnectionError as RedisConnectionError

from timelines import services

RETRY = {"autoretry_for": (RedisConnectionError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def fanout_tweet(tweet_id: int) -> int:
    return services.fanout_tweet(tweet_id=int(tweet_id))


@shared_task(**RETRY)
def remove_tweet(tweet_id: int) -> int:
    return services.remove_tweet(tweet_id=int(tweet_id))


@shared_task(**RETRY)
def backfill_followee(follower_id: int, followee_id: int) -> int:
    return services.backfill_followee(follower_id=int(follower_id), followee_id=int(followee_id))


@shared_task(**RETRY)
def purge_followee(follower_id: int, followee_id: int) -> int:
    return services.purge_followee(follower_id=int(follower_id), followee_id=int(followee_id))


@shared_task(**RETRY)
def rebuild_feed(user_id: int) -> int:
    return len(services.rebuild_feed(user_id=int(user_id)))


@shared_task(**RETRY)
def forget_author_cards(user_id: int) -> int:
    return services.forget_author_cards(user_id=int(user_id))
