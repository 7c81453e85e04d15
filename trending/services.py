"""Popular and Trending: count engagement as it happens (see docs/ranking.md).

Called by the tweets app's services through ``transaction.on_commit``, with plain values.
``delta`` is +1 for an action and -1 for its undo. Counting is a Redis Lua call or two; a Redis
outage must never break a tweet or a like, so failures are logged and dropped (the counters are
statistics, rebuilt as new engagement arrives).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from redis.exceptions import RedisError

from trending import counters, scoring

log = logging.getLogger(__name__)


def record_tweet(*, tweet_id: int, author_id: int, text: str, created_at_ms: int, now: float | None = None) -> None:
    """Count the terms of a new (or newly edited) tweet for Trending."""
    if not text:
        return
    try:
        counters.count_tweet_terms(
            tweet_id=tweet_id, author_id=author_id, text=text, now=time.time() if now is None else now
        )
    except RedisError:
        log.warning("trending: could not count tweet %s", tweet_id, exc_info=True)


def record_engagement(
    *, kind: str, user_id: int, tweet_id: int, author_id: int, delta: int, now: float | None = None
) -> None:
    """Count a like / retweet / reply / quote (``kind``) on a tweet for Popular and Trending."""
    now = time.time() if now is None else now
    try:
        counters.count_engagement(
            kind=kind, user_id=user_id, tweet_id=tweet_id, author_id=author_id, delta=delta, now=now
        )
    except RedisError:
        log.warning("trending: could not count %s on %s", kind, tweet_id, exc_info=True)


def replay_activity(*, tweets_since: datetime, engagement_since: datetime) -> dict[str, int]:
    """Feed recent activity from PostgreSQL into the counters, each event at its own time.

    For data that arrived without the live hooks (the bulk-loaded demo and benchmark tiers) or
    after Redis lost the counters: tweets since ``tweets_since`` give Trending its baseline;
    likes, retweets, replies and quotes since ``engagement_since`` fill Popular's rolling hour.
    Run the scoring jobs afterwards (the Trending job's history cache is prepared here).
    Replaying the same window twice counts people once (the counters are sets of people) except
    Popular's per-minute sums, so replay into empty counters.
    """
    from tweets.models import Like, Tweet

    counts = {"tweets": 0, "like": 0, "retweet": 0, "reply": 0, "quote": 0}
    recent = Tweet.objects.visible().filter(created_at__gte=tweets_since, retweet_of__isnull=True).order_by("id")
    for tweet_id, author_id, text, created in recent.values_list("id", "author_id", "text", "created_at").iterator(
        chunk_size=5000
    ):
        at = created.timestamp()
        record_tweet(tweet_id=tweet_id, author_id=author_id, text=text, created_at_ms=int(at * 1000), now=at)
        counts["tweets"] += 1

    events: list[tuple[float, str, int, int, int]] = []
    likes = Like.objects.filter(created_at__gte=engagement_since, tweet__deleted_at__isnull=True)
    for user_id, tweet_id, author_id, created in likes.values_list(
        "user_id", "tweet_id", "tweet__author_id", "created_at"
    ).iterator(chunk_size=5000):
        events.append((created.timestamp(), "like", user_id, tweet_id, author_id))
    actions = Tweet.objects.visible().filter(created_at__gte=engagement_since)
    for kind, field in (("retweet", "retweet_of"), ("reply", "reply_to"), ("quote", "quote_of")):
        rows = actions.filter(**{f"{field}__isnull": False, f"{field}__deleted_at__isnull": True})
        for user_id, target_id, target_author, created in rows.values_list(
            "author_id", f"{field}_id", f"{field}__author_id", "created_at"
        ).iterator(chunk_size=5000):
            events.append((created.timestamp(), kind, user_id, target_id, target_author))
    events.sort()
    for at, kind, user_id, tweet_id, author_id in events:
        record_engagement(kind=kind, user_id=user_id, tweet_id=tweet_id, author_id=author_id, delta=1, now=at)
        counts[kind] += 1
    # Writing into closed hours started a new history cache: fill it now, not in the next job run.
    counts["history_terms"] = scoring.prepare_history()
    return counts
