"""Popular and Trending: count engagement as it happens (see docs/ranking.md).

Called by the tweets app's services through ``transaction.on_commit``, with plain values.
``delta`` is +1 for an action and -1 for its undo. Counting is a Redis Lua call or two; a Redis
outage must never break a tweet or a like, so failures are logged and dropped (the counters are
statistics, rebuilt as new engagement arrives).
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from trending import counters

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
