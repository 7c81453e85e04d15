"""Time-bucketed Redis counters for Popular and Trending (see docs/ranking.md).

Every write is one Lua call (one round trip, atomic). Every function takes ``now`` (Unix seconds)
so tests and the benchmark control time. Redis holds only what can be rebuilt from PostgreSQL.

Popular
    pop:e:<tweet>            hash  "<kind>:<user>" -> minute counted, "n:<kind>:<user>" -> actions
    pop:m:<kind>:<minute>    zset  tweet -> people who did <kind> in that minute (kept 3 h)
    pop:live:<kind>          zset  tweet -> people in the rolling hour, per kind
    pop:live                 zset  tweet -> weighted score in the rolling hour
    pop:expired              int   last minute already taken out of the live sets

Trending (clock hours for people, 5-minute buckets for tweets)
    tr:seen:<hour>:<user>    set   32-bit hashes of the terms this person was counted for this hour
    tr:h:<hour>              zset  term -> distinct people in that clock hour (kept 26 h)
    tr:tb:<bucket>           zset  term -> tweets in that 5-minute bucket (kept 2 h)
    tr:ids:<hour>            hash  term -> newest tweet ids containing it, space separated
    tr:terms:<tweet>         str   the tweet's terms and their hashes, so a like counts them (kept 4 h)
"""

from __future__ import annotations

import os
import time

import numpy as np
from django.conf import settings
from django_redis import get_redis_connection

from trending.terms import extract_terms, term_hash
from twitter_site import lua

KINDS = ("like", "retweet", "reply", "quote")
# One like is one point; a reply or a retweet takes more effort and spreads the tweet; a quote
# is a retweet with words of one's own. See docs/ranking.md.
WEIGHTS = {"like": 1, "retweet": 2, "reply": 2, "quote": 3}
POPULAR_WINDOW_MINUTES = 60
POPULAR_BUCKET_TTL = 3 * 3600

BUCKET_SECONDS = 300
WINDOW_BUCKETS = 12  # the rolling hour
SLOT_SECONDS = 3600  # a person counts once per term per slot
TREND_BUCKET_TTL = 2 * 3600
HOUR_TTL = 26 * 3600
TERMS_TTL = 4 * 3600  # most likes come in a tweet's first hours; older ones read PostgreSQL
IDS_PER_TERM_HOUR = 12


def redis():
    return get_redis_connection("default")


def _prefix() -> str:
    # The benchmark points a server at its own keys with CHIRP_TRENDING_PREFIX.
    return getattr(settings, "TRENDING_KEY_PREFIX", None) or os.environ.get("CHIRP_TRENDING_PREFIX", "")


# --------------------------------------------------------------------------- keys


def engaged_key(tweet_id: int) -> str:
    return f"{_prefix()}pop:e:{tweet_id}"


def popular_minute_key(kind: str, minute: int) -> str:
    return f"{_prefix()}pop:m:{kind}:{minute}"


def popular_live_key(kind: str | None = None) -> str:
    return f"{_prefix()}pop:live:{kind}" if kind else f"{_prefix()}pop:live"


def popular_expired_key() -> str:
    return f"{_prefix()}pop:expired"


def popular_snapshot_key() -> str:
    return f"{_prefix()}pop:top"


def snapshot_version_key(snapshot_key: str) -> str:
    """Return the key of the small "computed at" stamp stored next to a snapshot (for caches)."""
    return f"{snapshot_key}:v"


def seen_key(slot: int, user_id: int) -> str:
    return f"{_prefix()}tr:seen:{slot}:{user_id}"


def trend_bucket_key(bucket: int) -> str:
    return f"{_prefix()}tr:tb:{bucket}"


def trend_hour_key(hour: int) -> str:
    return f"{_prefix()}tr:h:{hour}"


def trend_ids_key(hour: int) -> str:
    return f"{_prefix()}tr:ids:{hour}"


def trend_compacted_key() -> str:
    return f"{_prefix()}tr:compacted"


def store_snapshot(key: str, snapshot: dict) -> None:
    """Write a ranking snapshot and its version stamp at once."""
    import orjson

    with redis().pipeline() as pipe:
        pipe.set(key, orjson.dumps(snapshot))
        pipe.set(snapshot_version_key(key), str(snapshot["computed_at"]))
        pipe.execute()


def snapshot_version(key: str) -> str:
    value = redis().get(snapshot_version_key(key))
    return value.decode() if value else "none"


def tweet_terms_key(tweet_id: int) -> str:
    return f"{_prefix()}tr:terms:{tweet_id}"


def trend_snapshot_key() -> str:
    return f"{_prefix()}tr:top"


def affinity_key(user_id: int) -> str:
    return f"{_prefix()}tr:aff:{user_id}"


def minute_of(now: float) -> int:
    return int(now // 60)


def bucket_of(now: float) -> int:
    return int(now // BUCKET_SECONDS)


def hour_of(now: float) -> int:
    return int(now // 3600)


# --------------------------------------------------------------------------- Lua

# ARGV: prefix, tweet, kind, user, weight, delta, minute, ttl_engaged, ttl_bucket
_POPULAR_COUNT = """
local p, tweet, kind, user = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local weight, delta, minute = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local eng = p .. 'pop:e:' .. tweet
local field = kind .. ':' .. user
local function add(m, sign)
  local bucket = p .. 'pop:m:' .. kind .. ':' .. m
  redis.call('ZINCRBY', bucket, sign, tweet)
  redis.call('EXPIRE', bucket, ARGV[9])
  redis.call('ZINCRBY', p .. 'pop:live:' .. kind, sign, tweet)
  redis.call('ZINCRBY', p .. 'pop:live', sign * weight, tweet)
end
local n = redis.call('HINCRBY', eng, 'n:' .. field, delta)
if delta > 0 then
  if n == 1 then
    redis.call('HSET', eng, field, minute)
    redis.call('EXPIRE', eng, ARGV[8])
    add(minute, 1)
    return 1
  end
  return 0
end
if n <= 0 then
  local m = redis.call('HGET', eng, field)
  redis.call('HDEL', eng, 'n:' .. field, field)
  local expired = tonumber(redis.call('GET', p .. 'pop:expired') or '-1')
  if m and tonumber(m) > expired then
    add(m, -1)
    redis.call('ZREMRANGEBYSCORE', p .. 'pop:live:' .. kind, '-inf', 0)
    redis.call('ZREMRANGEBYSCORE', p .. 'pop:live', '-inf', 0)
    return -1
  end
end
return 0
"""

# Subtract up to ARGV[3] members of one expired bucket from the live sets, then drop them.
# KEYS: bucket, live, weighted-live (or the bucket again when there is none). ARGV: weight, has_weighted, chunk
_DRAIN = """
local rows = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')
local weight = tonumber(ARGV[1])
for i = 1, #rows, 2 do
  redis.call('ZINCRBY', KEYS[2], -tonumber(rows[i + 1]), rows[i])
  if ARGV[2] == '1' then
    redis.call('ZINCRBY', KEYS[3], -weight * tonumber(rows[i + 1]), rows[i])
  end
end
if #rows > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, #rows / 2 - 1)
end
return #rows / 2
"""

# ARGV: prefix, user, slot, bucket, hour, tweet ('' for an engagement), ttl_seen, ttl_bucket,
#       ttl_hour, ids_cap, then pairs of (term, hash)
_TREND_COUNT = """
local p, user, slot, bucket, hour, tweet = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local seen = p .. 'tr:seen:' .. slot .. ':' .. user
local h = p .. 'tr:h:' .. hour
local tb = p .. 'tr:tb:' .. bucket
local ids = p .. 'tr:ids:' .. hour
local cap = tonumber(ARGV[10])
local counted = 0
for i = 11, #ARGV, 2 do
  local term = ARGV[i]
  if redis.call('SADD', seen, ARGV[i + 1]) == 1 then
    redis.call('ZINCRBY', h, 1, term)
    counted = counted + 1
  end
  if tweet ~= '' then
    redis.call('ZINCRBY', tb, 1, term)
    if redis.call('HSETNX', ids, term, tweet) == 0 and redis.call('HSTRLEN', ids, term) < cap then
      redis.call('HSET', ids, term, redis.call('HGET', ids, term) .. ' ' .. tweet)
    end
  end
end
redis.call('EXPIRE', seen, ARGV[7])
redis.call('EXPIRE', h, ARGV[9])
if tweet ~= '' then
  -- The tweet's terms and hashes, so a later like counts them without the text (one round trip).
  redis.call('SET', p .. 'tr:terms:' .. tweet, table.concat(ARGV, '\31', 11, #ARGV), 'EX', 14400)  -- TERMS_TTL
  redis.call('EXPIRE', p .. 'tr:tb:' .. bucket, ARGV[8])
  redis.call('EXPIRE', p .. 'tr:ids:' .. hour, ARGV[9])
end
return counted
"""

# Popular, then (ARGV[10] == '1') the engaged tweet's stored terms for the person who engaged.
# ARGV 1-9 as _POPULAR_COUNT, then: with_terms, slot, ttl_seen, hour, ttl_hour.
# Returns {popular change, terms counted or -1 when the tweet's terms are not in Redis}.
_ENGAGE = (
    "local function popular()\n"
    + _POPULAR_COUNT
    + """end
local result = popular()
if ARGV[10] ~= '1' then return {result, 0} end
local p, tweet, user = ARGV[1], ARGV[2], ARGV[4]
local stored = redis.call('GET', p .. 'tr:terms:' .. tweet)
if not stored then return {result, -1} end
local seen = p .. 'tr:seen:' .. ARGV[11] .. ':' .. user
local h = p .. 'tr:h:' .. ARGV[13]
local counted, term = 0, nil
for piece in string.gmatch(stored, '[^\31]+') do
  if term == nil then
    term = piece
  else
    if redis.call('SADD', seen, piece) == 1 then
      redis.call('ZINCRBY', h, 1, term)
      counted = counted + 1
    end
    term = nil
  end
end
redis.call('EXPIRE', seen, ARGV[12])
redis.call('EXPIRE', h, ARGV[14])
return {result, counted}
"""
)


# --------------------------------------------------------------------------- Popular


def count_engagement(*, kind: str, user_id: int, tweet_id: int, author_id: int, delta: int, now: float) -> int:
    """Count (or take back, ``delta`` -1) one person's engagement with a tweet; return the Popular change.

    Popular: the author's own engagement is ignored; a person counts once per tweet per kind
    however many times they act. Trending: a new like or retweet also counts the tweet's terms
    for the person, in the same round trip (terms stored by ``count_tweet_terms``; older tweets
    fall back to the text in PostgreSQL).
    """
    if kind not in WEIGHTS or delta not in (1, -1) or user_id == author_id:
        return 0
    with_terms = kind in ("like", "retweet") and delta > 0
    if with_terms:
        _note_write(now)
    args = [_prefix(), tweet_id, kind, user_id, WEIGHTS[kind], delta, minute_of(now), 3700, POPULAR_BUCKET_TTL]
    args += ["1" if with_terms else "0", int(now // SLOT_SECONDS), SLOT_SECONDS + 600, hour_of(now), HOUR_TTL]
    change, counted = lua.script("engage", _ENGAGE)(args=args)
    if counted == -1:
        from tweets.models import Tweet

        text = Tweet.objects.filter(pk=tweet_id).values_list("text", flat=True).first() or ""
        _count_terms(user_id=user_id, terms=extract_terms(text), tweet_id=None, now=now)
    return int(change)


def _drain(source: str, live: str, weighted: str | None, weight: int, chunk: int = 5000) -> None:
    drain = lua.script("drain", _DRAIN)
    while drain(keys=[source, live, weighted or source], args=[weight, "1" if weighted else "0", chunk]):
        pass


def expire_popular(*, now: float) -> int:
    """Take the minutes that left the rolling hour out of the live sets; return how many."""
    r = redis()
    newest_expired = minute_of(now) - POPULAR_WINDOW_MINUTES
    last = r.get(popular_expired_key())
    last = int(last) if last is not None else newest_expired - POPULAR_BUCKET_TTL // 60
    if newest_expired - last > POPULAR_BUCKET_TTL // 60 - 5:
        # The job was off longer than the buckets live: rebuild the live sets from the buckets.
        _rebuild_popular(now=now)
        r.set(popular_expired_key(), newest_expired)
        return 0
    for minute in range(last + 1, newest_expired + 1):
        for kind in KINDS:
            _drain(popular_minute_key(kind, minute), popular_live_key(kind), popular_live_key(), WEIGHTS[kind])
    r.set(popular_expired_key(), max(last, newest_expired))
    with r.pipeline(transaction=False) as pipe:
        for key in [popular_live_key()] + [popular_live_key(k) for k in KINDS]:
            pipe.zremrangebyscore(key, "-inf", 0)
        pipe.execute()
    return max(0, newest_expired - last)


def _rebuild_popular(*, now: float) -> None:
    """Rebuild the live sets from the window's minute buckets, then the score from the four live sets.

    Not one MULTI: each union is atomic on its own and correct while counting goes on (an
    engagement counted in between lands in a bucket and in the live set just rebuilt), and a
    full hour at the medium tier takes seconds as one transaction (past the client's timeout,
    and the job would retry the whole rebuild every run). The weighted score is the union of the
    four live sets with the kinds' weights: 4 sets to merge instead of 240 buckets.
    """
    first = minute_of(now) - POPULAR_WINDOW_MINUTES + 1
    minutes = range(first, minute_of(now) + 1)
    with redis().pipeline(transaction=False) as pipe:
        for kind in KINDS:
            pipe.zunionstore(popular_live_key(kind), [popular_minute_key(kind, m) for m in minutes])
        pipe.zunionstore(popular_live_key(), {popular_live_key(kind): WEIGHTS[kind] for kind in KINDS})
        pipe.execute()


def top_popular(limit: int) -> list[tuple[int, float, dict[str, int]]]:
    """Return [(tweet_id, score, {kind: people})] of the rolling hour, best first."""
    r = redis()
    rows = r.zrevrange(popular_live_key(), 0, limit - 1, withscores=True)
    if not rows:
        return []
    members = [m for m, _ in rows]
    with r.pipeline(transaction=False) as pipe:
        for kind in KINDS:
            pipe.zmscore(popular_live_key(kind), members)
        per_kind = pipe.execute()
    result = []
    for i, (member, score) in enumerate(rows):
        counts = {kind: int(per_kind[k][i] or 0) for k, kind in enumerate(KINDS)}
        result.append((int(member), score, counts))
    return result


# --------------------------------------------------------------------------- Trending


def _count_terms(*, user_id: int, terms: list[str], tweet_id: int | None, now: float) -> int:
    if not terms:
        return 0
    _note_write(now)
    args: list = [
        _prefix(),
        user_id,
        int(now // SLOT_SECONDS),
        bucket_of(now),
        hour_of(now),
        tweet_id or "",
        SLOT_SECONDS + 600,
        TREND_BUCKET_TTL,
        HOUR_TTL,
        IDS_PER_TERM_HOUR * 19 - 1,  # bytes: about a dozen 18-digit ids
    ]
    for term in terms:
        args += [term, term_hash(term)]
    return int(lua.script("trend", _TREND_COUNT)(args=args))


def count_tweet_terms(*, tweet_id: int, author_id: int, text: str, now: float) -> int:
    """Count the terms of a new tweet for its author and keep them for later likes; return terms counted."""
    return _count_terms(user_id=author_id, terms=extract_terms(text), tweet_id=tweet_id, now=now)


_COMPACT = """
local n = redis.call('ZCOUNT', KEYS[1], '-inf', ARGV[1])
if n == 0 then return 0 end
local chunk = math.min(n, tonumber(ARGV[2]))
local rows = redis.call('ZRANGE', KEYS[1], 0, chunk - 1)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, chunk - 1)
for i = 1, #rows, 500 do
  redis.call('HDEL', KEYS[2], unpack(rows, i, math.min(i + 499, #rows)))
end
return chunk
"""


def compact_hours(*, now: float) -> int:
    """Drop terms used by a single person from closed hours (the long tail of phrases); return removed."""
    r = redis()
    closed = hour_of(now) - 1
    done = r.get(trend_compacted_key())
    first = int(done) + 1 if done is not None else closed - 25
    removed = 0
    compact = lua.script("compact", _COMPACT)
    for hour in range(max(first, closed - 25), closed + 1):
        while True:
            n = int(compact(keys=[trend_hour_key(hour), trend_ids_key(hour)], args=[1, 5000]))
            removed += n
            if n == 0:
                break
    r.set(trend_compacted_key(), closed)
    return removed


def candidate_terms(min_people: int, *, now: float) -> list[str]:
    """Return the terms that at least ``min_people`` used in this clock hour or the previous one."""
    r = redis()
    hour = hour_of(now)
    with r.pipeline(transaction=False) as pipe:
        pipe.zrangebyscore(trend_hour_key(hour), min_people, "+inf")
        pipe.zrangebyscore(trend_hour_key(hour - 1), min_people, "+inf")
        current, previous = pipe.execute()
    return list(dict.fromkeys(m.decode() for m in current + previous))


# People per term for several hours in one call: KEYS are hour keys, ARGV terms. The reply is the
# people of every term, hour after hour (0 when absent), as integers: hiredis builds those in C,
# where ZMSCORE's float replies cost a Python call each, and each term crosses the wire once.
_HOURLY = """
local out, n = {}, 0
for k = 1, #KEYS do
  local scores = redis.call('ZMSCORE', KEYS[k], unpack(ARGV))
  for i = 1, #scores do
    n = n + 1
    out[n] = scores[i] and tonumber(scores[i]) or 0
  end
end
return out
"""
HOURLY_CHUNK = 2000  # terms per call: Lua's stack holds ~8,000 arguments; Redis is busy ~10 ms a call


def existing_hours(hours: list[int]) -> list[bool]:
    """Return whether each clock hour has Trending counts."""
    with redis().pipeline(transaction=False) as pipe:
        for hour in hours:
            pipe.exists(trend_hour_key(hour))
        return [bool(n) for n in pipe.execute()]


def hourly_people(terms: list[str], hours: list[int]) -> tuple[np.ndarray, list[bool]]:
    """Return the people of each term per hour (``hours`` x ``terms``, 0 when unknown) and which hours have data.

    Hours without data are not read. Terms go in chunks, one Lua call per chunk for all hours,
    pipelined: the 24-hour history of 100,000 terms is one pipeline of 50 calls.
    """
    present = existing_hours(hours)
    values = np.zeros((len(hours), len(terms)), dtype=np.int64)
    rows = [i for i, has_data in enumerate(present) if has_data]
    if not terms or not rows:
        return values, present
    keys = [trend_hour_key(hours[i]) for i in rows]
    read = lua.script("hourly", _HOURLY)
    starts = range(0, len(terms), HOURLY_CHUNK)
    with redis().pipeline(transaction=False) as pipe:
        for lo in starts:
            read(keys=keys, args=terms[lo : lo + HOURLY_CHUNK], client=pipe)
        replies = pipe.execute()
    for lo, reply in zip(starts, replies, strict=True):
        values[rows, lo : lo + HOURLY_CHUNK] = np.array(reply, dtype=np.int64).reshape(len(rows), -1)
    return values, present


# The history of terms for the Trending job, kept for the clock hour: the closed hours behind it
# do not change, so each term's 24 values are read once an hour, not every run, and a term the
# previous hour's cache knows needs only the newest hour (its row shifted by one). KEYS: this
# hour's cache (term -> "v1,...,v24"), the previous hour's, then the 24 history hours, oldest
# first. ARGV: TTL, terms. Returns every term's values, comma-joined, terms in order.
_HISTORY = """
local function people(score)
  return score and string.format('%d', math.floor(tonumber(score))) or '0'
end
local cached = redis.call('HMGET', KEYS[1], unpack(ARGV, 2))
local missing, slots = {}, {}
for i = 1, #cached do
  if not cached[i] then
    missing[#missing + 1] = ARGV[i + 1]
    slots[#slots + 1] = i
  end
end
if #missing == 0 then return table.concat(cached, ',') end
local before = redis.call('HMGET', KEYS[2], unpack(missing))
local newest = redis.call('ZMSCORE', KEYS[#KEYS], unpack(missing))
local unknown, unknown_slots, fresh = {}, {}, {}
for m = 1, #missing do
  if before[m] then
    cached[slots[m]] = string.match(before[m], '^[^,]*,(.*)$') .. ',' .. people(newest[m])
    fresh[#fresh + 1] = missing[m]
    fresh[#fresh + 1] = cached[slots[m]]
  else
    unknown[#unknown + 1] = missing[m]
    unknown_slots[#unknown_slots + 1] = slots[m]
  end
end
if #unknown > 0 then
  local hours = {}
  for k = 3, #KEYS do hours[k - 2] = redis.call('ZMSCORE', KEYS[k], unpack(unknown)) end
  for m = 1, #unknown do
    local row = {}
    for k = 1, #hours do row[k] = people(hours[k][m]) end
    cached[unknown_slots[m]] = table.concat(row, ',')
    fresh[#fresh + 1] = unknown[m]
    fresh[#fresh + 1] = cached[unknown_slots[m]]
  end
end
redis.call('HSET', KEYS[1], unpack(fresh))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return table.concat(cached, ',')
"""
HISTORY_CACHE_TTL = 2 * 3600


def history_generation_key() -> str:
    return f"{_prefix()}tr:hgen"


def _history_cache_key(first_hour: int, last_hour: int, generation: int) -> str:
    return f"{_prefix()}tr:base:{first_hour}:{last_hour}:{generation}"


def forget_history() -> None:
    """Invalidate the cached history: call after writing into an hour that is already closed."""
    redis().incr(history_generation_key())


def _note_write(now: float) -> None:
    # Live counting writes into the current hour; replays and tests may write into closed ones.
    if hour_of(now) <= hour_of(time.time()) - 2:
        forget_history()


def closed_hours_people(terms: list[str], hours: list[int]) -> np.ndarray:
    """Return ``hourly_people(terms, hours)``'s values for closed hours (two or more behind now), cached.

    Every term's values are read once per set of hours (i.e. once a clock hour), then come
    from one hash: the baseline costs one lookup a term instead of one per term and hour. At
    the turn of the hour a term known to the previous hour's cache reads only the newest hour.
    Writes into closed hours (``_note_write``) start a new cache.
    """
    values = np.zeros((len(hours), len(terms)), dtype=np.int64)
    if not terms:
        return values
    r = redis()
    generation = int(r.get(history_generation_key()) or 0)
    keys = [_history_cache_key(hours[0], hours[-1], generation)]
    keys += [_history_cache_key(hours[0] - 1, hours[-1] - 1, generation)]  # last hour's
    keys += [trend_hour_key(hour) for hour in hours]
    read = lua.script("history", _HISTORY)
    starts = range(0, len(terms), HOURLY_CHUNK)
    with r.pipeline(transaction=False) as pipe:
        for lo in starts:
            read(keys=keys, args=[HISTORY_CACHE_TTL, *terms[lo : lo + HOURLY_CHUNK]], client=pipe)
        replies = pipe.execute()
    for lo, reply in zip(starts, replies, strict=True):
        chunk = np.fromstring(reply, dtype=np.int64, sep=",").reshape(-1, len(hours))
        values[:, lo : lo + len(chunk)] = chunk.T
    return values


def tweets_in_window(terms: list[str], *, now: float) -> list[int]:
    """Return how many tweets used each term in the rolling hour (the last 12 five-minute buckets)."""
    if not terms:
        return []
    r = redis()
    with r.pipeline(transaction=False) as pipe:
        for bucket in range(bucket_of(now) - WINDOW_BUCKETS + 1, bucket_of(now) + 1):
            pipe.zmscore(trend_bucket_key(bucket), terms)
        rows = pipe.execute()
    return [sum(int(row[i] or 0) for row in rows) for i in range(len(terms))]


def tweet_ids_for(term: str, *, now: float, hours: int = 24, limit: int = 40) -> list[int]:
    """Return the newest tweet ids recorded for ``term`` (newest first)."""
    r = redis()
    current = hour_of(now)
    with r.pipeline(transaction=False) as pipe:
        for hour in range(current, current - hours, -1):
            pipe.hget(trend_ids_key(hour), term)
        replies = pipe.execute()
    ids: list[int] = []
    for value in replies:
        if value:
            ids.extend(sorted((int(x) for x in value.split()), reverse=True))
        if len(ids) >= limit:
            break
    return list(dict.fromkeys(ids))[:limit]
