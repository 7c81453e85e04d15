"""Redis copies of the counters and of each viewer's liked / retweeted flags, for the hot reads.

PostgreSQL stays the truth (docs/counters.md); these hashes only let a timeline page show live
counters and the viewer's state without a SQL round trip. Everything here can be lost at any time:
a missing hash is refilled from PostgreSQL by the reader.

* ``counts_key(tweet_id)``: hash ``l r p q`` (likes, retweets, replies, quotes) of an original
  tweet. Each committed change adds its delta to an existing hash (never creates one); the counter
  flush rewrites the exact values of the tweets it folded, so a lost or racing increment is
  corrected within one flush (about 10 s). Expires after ``COUNTS_TTL`` without a refill.
* ``flag_keys(user_id)``: one person's flags: the sets ``viewer:liked:<uid>`` and
  ``viewer:retweeted:<uid>`` (tweet ids, kept as compact intsets, so a page's 20 lookups are one
  ``SMISMEMBER`` of binary searches) and ``viewer:horizon:<uid>``: every like and retweet of a
  tweet with an id >= the horizon is in the sets; older ids are asked of PostgreSQL. Each
  committed like, unlike, retweet or undo writes its flag whether or not the sets are filled: the
  id for "on", its negative as a tombstone for "off"; a fill adds no id whose tombstone is there,
  so a fill racing a change cannot undo it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from twitter_site import lua
from twitter_site.snowflake import id_at

log = logging.getLogger(__name__)

COUNTS_TTL = 6 * 3600
# Flags have no healer like the flush: a flag write lost to a Redis error lasts until the hash expires.
FLAGS_TTL = 3600
COUNT_NAMES = {"likes": "l", "retweets": "r", "replies": "p", "quotes": "q"}
FILL_MAX = 10_000  # flags loaded per fill at most: a heavier liker gets a more recent horizon


def counts_prefix() -> str:
    return "tweet:counts:"


def counts_key(tweet_id: int) -> str:
    return f"{counts_prefix()}{tweet_id}"


def flag_keys(user_id: int) -> tuple[str, str, str]:
    """Return the keys of a person's liked set, retweeted set and horizon."""
    return f"viewer:liked:{user_id}", f"viewer:retweeted:{user_id}", f"viewer:horizon:{user_id}"


def _redis():
    return get_redis_connection("default")


# KEYS = counts keys; ARGV = field, delta pairs (the same for every key). Only existing hashes change.
_BUMP = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    for i = 1, #ARGV, 2 do redis.call('HINCRBY', key, ARGV[i], ARGV[i + 1]) end
  end
end
return 0
"""

# KEYS = counts keys; ARGV = l, r, p, q per key (4 values per key). Only existing hashes change.
_REFRESH = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    local b = (i - 1) * 4
    redis.call('HSET', key, 'l', ARGV[b + 1], 'r', ARGV[b + 2], 'p', ARGV[b + 3], 'q', ARGV[b + 4])
  end
end
return 0
"""

# KEYS[1] = a flag set; ARGV = id, "1" (on) or "0" (off), ttl. Written whether or not the set is filled.
_FLAG = """
local on, off = ARGV[1], '-' .. ARGV[1]
if ARGV[2] == '0' then on, off = off, on end
redis.call('SREM', KEYS[1], off)
redis.call('SADD', KEYS[1], on)
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 0
"""

# KEYS = liked set, retweeted set, horizon; ARGV = horizon, ttl, number of liked ids, liked ids, retweeted
# ids. An id whose tombstone is there (an undo committed after the fill's snapshot) is not added.
_FILL = """
local split = 3 + tonumber(ARGV[3])
for i = 4, #ARGV do
  local key = KEYS[i <= split and 1 or 2]
  if redis.call('SISMEMBER', key, '-' .. ARGV[i]) == 0 then redis.call('SADD', key, ARGV[i]) end
end
redis.call('SET', KEYS[3], ARGV[1])
for k = 1, 3 do redis.call('EXPIRE', KEYS[k], ARGV[2]) end
return 0
"""


def _run(name: str, body: str, keys: Sequence[str], args: Sequence) -> None:
    lua.script(name, body)(keys=list(keys), args=list(args))


def _quietly(what: str, call, *args) -> None:
    try:
        call(*args)
    except RedisError:
        log.warning("could not %s (the hash is refilled from PostgreSQL later)", what, exc_info=True)


# --------------------------------------------------------------------------- writes (after commit)


def bump_counts_after_commit(tweet_id: int, deltas: Mapping[str, int]) -> None:
    """Add committed counter deltas (``likes=1``...) to the tweet's cached counters, if cached."""
    args: list = []
    for name, delta in deltas.items():
        if delta:
            args += [COUNT_NAMES[name], int(delta)]
    if args:
        key = counts_key(tweet_id)
        transaction.on_commit(lambda: _quietly("bump counters", _run, "bump", _BUMP, [key], args), robust=True)


def set_flag_after_commit(*, user_id: int, kind: str, tweet_id: int, on: bool) -> None:
    """Record after commit that ``user_id`` now has (or no longer has) liked / retweeted a tweet."""
    key = flag_keys(user_id)[0 if kind == "like" else 1]
    args = [tweet_id, "1" if on else "0", FLAGS_TTL]
    transaction.on_commit(lambda: _quietly("record a flag", _run, "flag", _FLAG, [key], args), robust=True)


def refresh_counts(counts: Mapping[int, Mapping[str, int]]) -> None:
    """Overwrite cached counters with exact values (after a flush); hashes not cached stay absent."""
    items = list(counts.items())
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        args: list = []
        for _, c in chunk:
            args += [c[name] for name in COUNT_NAMES]
        _quietly("refresh counters", _run, "refresh", _REFRESH, [counts_key(t) for t, _ in chunk], args)


# --------------------------------------------------------------------------- fills (readers)


def store_counts(counts: Mapping[int, Mapping[str, int]]) -> None:
    """Cache counters read from PostgreSQL (a reader's miss); a Redis error only logs."""
    if not counts:
        return
    pipe = _redis().pipeline(transaction=False)
    for tweet_id, c in counts.items():
        key = counts_key(tweet_id)
        pipe.hset(key, mapping={field: c[name] for name, field in COUNT_NAMES.items()})
        pipe.expire(key, COUNTS_TTL)
    _quietly("cache counters", pipe.execute)


def horizon_id(now=None) -> int:
    """Return the smallest tweet id a fill covers: ``VIEWER_STATE_DAYS`` ago."""
    return id_at((now or timezone.now()) - timedelta(days=settings.VIEWER_STATE_DAYS))


_FLAGS_SQL = """
(SELECT 'l', tweet_id FROM tweets_like WHERE user_id = %(uid)s AND tweet_id >= %(h)s
 ORDER BY tweet_id DESC LIMIT %(max)s)
UNION ALL
(SELECT 'r', retweet_of_id FROM tweets_tweet
 WHERE author_id = %(uid)s AND retweet_of_id >= %(h)s AND deleted_at IS NULL
 ORDER BY retweet_of_id DESC LIMIT %(max)s)
"""


def fill_viewer(user_id: int) -> tuple[int, set[int], set[int]]:
    """Load a person's flags from PostgreSQL into Redis; return (horizon, liked ids, retweeted ids)."""
    horizon = horizon_id()
    with connection.cursor() as cursor:
        cursor.execute(_FLAGS_SQL, {"uid": user_id, "h": horizon, "max": FILL_MAX})
        rows = cursor.fetchall()
    liked = {int(t) for kind, t in rows if kind == "l"}
    retweeted = {int(t) for kind, t in rows if kind == "r"}
    for ids in (liked, retweeted):
        if len(ids) >= FILL_MAX:  # the oldest ones were cut: only what is complete counts
            horizon = max(horizon, min(ids))
    liked = {t for t in liked if t >= horizon}
    retweeted = {t for t in retweeted if t >= horizon}
    args = [horizon, FLAGS_TTL, len(liked), *liked, *retweeted]
    _quietly("fill viewer flags", _run, "fill", _FILL, flag_keys(user_id), args)
    return horizon, liked, retweeted
