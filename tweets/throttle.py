"""Rate limits of tweet writes: a fixed-window counter per user and kind of write, in Redis.

Posting (tweets, replies, quotes, edits): TWEET_POST_LIMIT per TWEET_POST_WINDOW_SECONDS (default
300 per 3 hours, Twitter's old figure); likes and retweets: TWEET_ENGAGE_LIMIT per
TWEET_ENGAGE_WINDOW_SECONDS (default 1,000 per hour). If Redis is unreachable, writes are allowed.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework import exceptions

logger = logging.getLogger(__name__)

LIMITS = {
    "post": ("TWEET_POST_LIMIT", 300, "TWEET_POST_WINDOW_SECONDS", 3 * 3600),
    "engage": ("TWEET_ENGAGE_LIMIT", 1000, "TWEET_ENGAGE_WINDOW_SECONDS", 3600),
}


def write_rate_key(kind: str, user_id: int, window: int) -> str:
    """Return the counter key of one user's writes of ``kind`` in the current window."""
    return f"tweets:rate:{kind}:{user_id}:{window}"


def check(kind: str, user_id: int) -> int | None:
    """Count one write; return None when allowed, else the seconds until the window ends."""
    limit_name, limit_default, window_name, window_default = LIMITS[kind]
    limit = getattr(settings, limit_name, limit_default)
    seconds = getattr(settings, window_name, window_default)
    now = int(time.time())
    window = now // seconds
    key = write_rate_key(kind, user_id, window)
    try:
        connection = get_redis_connection("default")
        pipe = connection.pipeline()
        pipe.incr(key)
        pipe.expire(key, seconds)
        count = pipe.execute()[0]
    except RedisError:
        logger.warning("rate limit skipped: Redis unreachable")
        return None
    if count > limit:
        return (window + 1) * seconds - now
    return None


def message(kind: str, retry_after: int) -> str:
    """Return the error text of a refused write."""
    what = "posting" if kind == "post" else "liking and retweeting"
    minutes = max(1, round(retry_after / 60))
    return f"You are {what} too fast. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


class WriteThrottled(exceptions.Throttled):
    default_code = "throttled"

    def __init__(self, kind: str, retry_after: int):
        super().__init__(wait=retry_after, detail=message(kind, retry_after))


def enforce(kind: str, user) -> None:
    """Raise WriteThrottled (a 429 in the API) when the user is over the limit."""
    retry_after = check(kind, user.pk)
    if retry_after is not None:
        raise WriteThrottled(kind, retry_after)
