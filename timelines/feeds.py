"""Home feeds in Redis: one capped sorted set of tweet ids per user, always rebuildable.

Layout (see docs/timelines.md):

* ``home_feed_key(uid)``: sorted set, member = tweet id (decimal string; Redis stores it as a
  64-bit integer in the compact encoding), score = the id's millisecond part (``id >> 22``).
  Scores are doubles: a whole Snowflake id (> 2^53) would lose its low bits, the 41-bit
  millisecond part never does. Entries sharing a millisecond are ordered by id in Python.
  A sentinel member ``"0"`` with score -1 marks a feed that exists but is empty, so fanout can
  write to existing feeds only and readers can tell "empty" from "missing".
* ``home_reblogs_key(uid)``: sorted set original id -> score of the retweet that brought it in,
  so a second retweet of an original already among the newest 40 entries is skipped (Mastodon).
* ``home_celebs_key(uid)``: set of followed accounts above the fanout limit; their tweets are
  merged in at read time from ``author_recent_key(aid)``.
* ``online_key()``: hash user id -> open timeline sockets; fanout reports the online followers
  it updated so only they get a live event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django_redis import get_redis_connection

from twitter_site import lua
from twitter_site.snowflake import TIME_SHIFT

SENTINEL = "0"
SENTINEL_SCORE = -1
REBLOG_WINDOW = 40  # a retweet of an original already among the newest 40 entries is skipped
AUTHOR_RECENT_MAX = 200  # tweets kept per above-the-limit author for the read-time merge
CHUNK = 1000  # feeds per Lua call


def home_feed_key(user_id: int) -> str:
    return f"feed:home:{user_id}"


def home_reblogs_key(user_id: int) -> str:
    return f"feed:home:{user_id}:rt"


def home_celebs_key(user_id: int) -> str:
    return f"feed:home:{user_id}:celebs"


def author_recent_prefix() -> str:
    return "feed:author:"


def author_recent_key(author_id: int) -> str:
    return f"{author_recent_prefix()}{author_id}"


def celebrities_key() -> str:
    return "feed:celebrities"


def online_key() -> str:
    return "timeline:online"


def score_of(tweet_id: int) -> int:
    """Return the feed score of a tweet id: its millisecond part, exact in a double."""
    return int(tweet_id) >> TIME_SHIFT


def feed_ttl() -> int:
    return settings.TIMELINE_ACTIVE_DAYS * 86_400


def redis():
    return get_redis_connection("default")


# --------------------------------------------------------------------------- Lua

# KEYS[1] = online hash; then per follower: feed key, reblogs key. ARGV: member, score, max,
# original id ("" for a tweet), window, then the follower ids (same order as the key pairs).
# Returns {number of feeds changed, online follower ids changed...}. Re-running changes nothing.
_PUSH = """
local member, score, max, orig, window = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local changed, live = 0, {}
local n = (#KEYS - 1) / 2
for i = 1, n do
  local feed, rt = KEYS[2 * i], KEYS[2 * i + 1]
  if redis.call('EXISTS', feed) == 1 then
    local skip = false
    if orig ~= '' then
      local edge = redis.call('ZREVRANGE', feed, window - 1, window - 1, 'WITHSCORES')
      local floor = -1e300
      if edge[2] then floor = tonumber(edge[2]) end
      local s = redis.call('ZSCORE', feed, orig)
      if s and tonumber(s) >= floor then skip = true end
      if not skip then
        local r = redis.call('ZSCORE', rt, orig)
        if r and tonumber(r) >= floor then skip = true end
      end
    end
    if not skip and redis.call('ZADD', feed, score, member) == 1 then
      changed = changed + 1
      if orig ~= '' then redis.call('ZADD', rt, score, orig) end
      if redis.call('ZCARD', feed) > max + 1 then
        redis.call('ZREMRANGEBYRANK', feed, 1, -(max + 1))
        local low = redis.call('ZRANGE', feed, 1, 1, 'WITHSCORES')
        if low[2] then redis.call('ZREMRANGEBYSCORE', rt, '-inf', '(' .. low[2]) end
      end
      if redis.call('HEXISTS', KEYS[1], ARGV[5 + i]) == 1 then live[#live + 1] = ARGV[5 + i] end
    end
  end
end
table.insert(live, 1, changed)
return live
"""

# KEYS = feed keys. ARGV = members to remove. Returns the number of feeds changed.
_REMOVE = """
local changed = 0
for i = 1, #KEYS do
  if redis.call('ZREM', KEYS[i], unpack(ARGV)) > 0 then changed = changed + 1 end
end
return changed
"""

# KEYS[1] = feed, KEYS[2] = celebs set. ARGV: max score (inclusive), limit, author key prefix.
# Returns false when the feed is missing, else {feed ids, size, floor, {celeb id, exists, size, oldest
# score, ids...}...}. ``floor`` is the score of the feed's last id when the feed filled the limit (else
# -1): an above-the-limit author's tweets below it cannot be among the newest ``limit`` of the
# union, so only the few above it are read (about 18 lists a reader at t100k).
_READ = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local limit = tonumber(ARGV[2])
local feed = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '(0', 'LIMIT', 0, limit, 'WITHSCORES')
local ids, floor = {}, '(0'
for i = 1, #feed, 2 do ids[#ids + 1] = feed[i] end
if #ids == limit then floor = feed[#feed] end
local out = {ids, redis.call('ZCARD', KEYS[1]) - 1, floor == '(0' and '-1' or floor}
for _, c in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local key = ARGV[3] .. c
  local oldest = redis.call('ZRANGEBYSCORE', key, '(0', '+inf', 'LIMIT', 0, 1, 'WITHSCORES')
  local row = {c, redis.call('EXISTS', key), redis.call('ZCARD', key), oldest[2] or '-1'}
  for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', key, ARGV[1], floor, 'LIMIT', 0, limit)) do
    if id ~= '0' then row[#row + 1] = id end
  end
  out[#out + 1] = row
end
return out
"""

# KEYS = celebs set keys of followers; ARGV[1] = author id. Only adds to existing feeds' sets:
# KEYS are pairs (feed, celebs).
_ADD_CELEB = """
local changed = 0
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then changed = changed + redis.call('SADD', KEYS[i + 1], ARGV[1]) end
end
return changed
"""

# --------------------------------------------------------------------------- writes


def push(*, tweet_id: int, follower_ids: Sequence[int], original_id: int | None = None) -> tuple[int, list[int]]:
    """Add a tweet to the existing feeds of ``follower_ids`` in server-side batches.

    Return (feeds changed, online followers whose feed changed). Idempotent.
    """
    script = lua.script("push", _PUSH)
    changed, live = 0, []
    for start in range(0, len(follower_ids), CHUNK):
        chunk = follower_ids[start : start + CHUNK]
        keys = [online_key()]
        for uid in chunk:
            keys += [home_feed_key(uid), home_reblogs_key(uid)]
        args = [tweet_id, score_of(tweet_id), settings.TIMELINE_MAX_ENTRIES, original_id or "", REBLOG_WINDOW, *chunk]
        result = script(keys=keys, args=args)
        changed += int(result[0])
        live += [int(uid) for uid in result[1:]]
    return changed, live


def remove(*, tweet_ids: Sequence[int], user_ids: Iterable[int]) -> int:
    """Remove tweet ids from the feeds of ``user_ids``; return the number of feeds changed."""
    if not tweet_ids:
        return 0
    script = lua.script("remove", _REMOVE)
    users = list(user_ids)
    changed = 0
    for start in range(0, len(users), CHUNK):
        keys = [home_feed_key(uid) for uid in users[start : start + CHUNK]]
        changed += int(script(keys=keys, args=list(tweet_ids)))
    return changed


def add_entries(*, user_id: int, entries: Sequence[tuple[int, int | None]]) -> int:
    """Add (tweet id, original id) entries to an existing feed, oldest first, with the reblog rule."""
    script = lua.script("push", _PUSH)
    changed = 0
    for tweet_id, original_id in sorted(entries):
        keys = [online_key(), home_feed_key(user_id), home_reblogs_key(user_id)]
        args = [tweet_id, score_of(tweet_id), settings.TIMELINE_MAX_ENTRIES, original_id or "", REBLOG_WINDOW, user_id]
        changed += int(script(keys=keys, args=args)[0])
    return changed


def dedupe_reblogs(entries: Sequence[tuple[int, int | None]]) -> list[tuple[int, int | None]]:
    """Return entries (newest first) without retweets of an original among the 40 entries before them."""
    kept: list[tuple[int, int | None]] = []
    for tweet_id, original_id in sorted(entries):  # oldest first, as fanout would have seen them
        if original_id is not None:
            window = kept[-REBLOG_WINDOW:]
            if any(t == original_id or o == original_id for t, o in window):
                continue
        kept.append((tweet_id, original_id))
    kept.reverse()
    return kept


def store(*, user_id: int, entries: Sequence[tuple[int, int | None]], celebs: Iterable[int]) -> None:
    """Replace a user's feed with ``entries`` (newest first, already deduplicated) atomically."""
    entries = list(entries)[: settings.TIMELINE_MAX_ENTRIES]
    feed, rt, cel = home_feed_key(user_id), home_reblogs_key(user_id), home_celebs_key(user_id)
    ttl = feed_ttl()
    pipe = redis().pipeline(transaction=True)
    pipe.delete(feed, rt, cel)
    mapping = {SENTINEL: SENTINEL_SCORE}
    mapping.update({str(t): score_of(t) for t, _ in entries})
    pipe.zadd(feed, mapping)
    reblogs = {str(o): score_of(t) for t, o in reversed(entries) if o is not None}
    if reblogs:
        pipe.zadd(rt, reblogs)
        pipe.expire(rt, ttl)
    celebs = [str(c) for c in celebs]
    if celebs:
        pipe.sadd(cel, *celebs)
        pipe.expire(cel, ttl)
    pipe.expire(feed, ttl)
    pipe.execute()


def drop(*, user_id: int) -> None:
    """Forget a user's feed (it is rebuilt from PostgreSQL on the next read)."""
    redis().delete(home_feed_key(user_id), home_reblogs_key(user_id), home_celebs_key(user_id))


def exists(*, user_id: int) -> bool:
    return bool(redis().exists(home_feed_key(user_id)))


def member_ids(*, user_id: int) -> list[int]:
    """Return every tweet id in a user's feed, newest first (tests, unfollow)."""
    members = redis().zrevrangebyscore(home_feed_key(user_id), "+inf", "(0")
    return sorted((int(m) for m in members), reverse=True)


def add_celebrity(*, author_id: int, follower_ids: Sequence[int]) -> int:
    """Mark ``author_id`` as merged-at-read-time in the existing feeds of ``follower_ids``."""
    script = lua.script("add_celeb", _ADD_CELEB)
    changed = 0
    for start in range(0, len(follower_ids), CHUNK):
        keys: list[str] = []
        for uid in follower_ids[start : start + CHUNK]:
            keys += [home_feed_key(uid), home_celebs_key(uid)]
        changed += int(script(keys=keys, args=[author_id]))
    return changed


def mark_celebrity(*, author_id: int) -> bool:
    """Record that an author is above the fanout limit; return True the first time."""
    return bool(redis().sadd(celebrities_key(), author_id))


def remove_celebrity(*, user_id: int, author_id: int) -> None:
    redis().srem(home_celebs_key(user_id), author_id)


def push_author_recent(*, author_id: int, tweet_id: int) -> None:
    """Add a tweet to an above-the-limit author's recent list (read-time merge source)."""
    key = author_recent_key(author_id)
    pipe = redis().pipeline(transaction=True)
    pipe.exists(key)
    pipe.zadd(key, {str(tweet_id): score_of(tweet_id)})
    pipe.zremrangebyrank(key, 1, -(AUTHOR_RECENT_MAX + 1))  # rank 0 is the sentinel: keep it
    existed = pipe.execute()[0]
    if not existed:  # a list that did not exist holds just this tweet: let the reader fill it
        redis().delete(key)


def store_author_recent(*, author_id: int, tweet_ids: Sequence[int]) -> None:
    key = author_recent_key(author_id)
    pipe = redis().pipeline(transaction=True)
    pipe.delete(key)
    pipe.zadd(key, {SENTINEL: SENTINEL_SCORE, **{str(t): score_of(t) for t in tweet_ids}})
    pipe.execute()


def remove_author_recent(*, author_id: int, tweet_ids: Sequence[int]) -> None:
    if tweet_ids:
        redis().zrem(author_recent_key(author_id), *[str(t) for t in tweet_ids])


def read(*, user_id: int, before: int | None, limit: int):
    """Return (feed ids, feed size, floor score, {celeb id: (ids, list size, oldest score) or None}) or None.

    ``None`` means the feed is missing. Ids are those at or before ``before``'s millisecond, newest
    first; the caller drops ids >= ``before`` (same-millisecond neighbours). Celebrity ids below
    ``floor`` (the feed's own last score when it filled ``limit``) are not read: they cannot make
    the page.
    """
    max_score = "+inf" if before is None else score_of(before)
    script = lua.script("read", _READ)
    result = script(
        keys=[home_feed_key(user_id), home_celebs_key(user_id)], args=[max_score, limit, author_recent_prefix()]
    )
    if result is None:
        return None
    feed_ids = [int(m) for m in result[0]]
    celebs: dict[int, tuple[list[int], int, float] | None] = {}
    for row in result[3:]:
        celebs[int(row[0])] = ([int(m) for m in row[4:]], int(row[2]) - 1, float(row[3])) if int(row[1]) else None
    return feed_ids, int(result[1]), float(result[2]), celebs


def memory_usage(*, user_id: int) -> int:
    return int(redis().memory_usage(home_feed_key(user_id)) or 0)


# --------------------------------------------------------------------------- presence


def socket_opened(*, user_id: int) -> None:
    redis().hincrby(online_key(), str(user_id), 1)


def online_users() -> list[int]:
    """Return the ids of people with an open timeline socket."""
    return [int(uid) for uid in redis().hkeys(online_key())]


def socket_closed(*, user_id: int) -> None:
    connection = redis()
    if connection.hincrby(online_key(), str(user_id), -1) <= 0:
        connection.hdel(online_key(), str(user_id))
