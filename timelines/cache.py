"""Cached tweet cards for the hot reads: payload bytes, counters and viewer flags in one Redis call.

``payload_key(id)`` is a hash: ``j`` = the orjson bytes of ``tweets.presenters.tweet_payloads``'
viewer-independent dict, ``o`` = the id of the tweet the card shows (the original for a retweet),
``t`` = the tombstone reason ("" when visible). Counters and the viewer's flags are never in these
bytes: they live in the tweets app's hashes (tweets/hotcache.py), so a like never rewrites a
payload. ``fetch`` reads all three for a page in ONE round trip (a Lua script); ``splice`` appends
counters and flags to the cached bytes without decoding them.

The tweets app calls ``invalidate_tweet`` after an edit or a delete commits; a TTL bounds staleness
from anything else (an author renaming themself).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from redis.exceptions import RedisError

from timelines.feeds import redis
from tweets import hotcache
from twitter_site import lua, nearcache

PAYLOAD_TTL = 3600
log = logging.getLogger(__name__)


def payload_prefix() -> str:
    return "tweet:card:"


def payload_key(tweet_id: int) -> str:
    return f"{payload_prefix()}{tweet_id}"


# Kept in the near cache (``fetch``): cards, counters and a viewer's flags.
nearcache.track(payload_prefix(), hotcache.counts_prefix(), "viewer:")


@dataclass(slots=True)
class Entry:
    """One id of a page as the cache knows it. ``None`` parts are not cached (or not known)."""

    id: int
    blob: bytes | None = None  # the payload's orjson bytes
    shown: int | None = None  # the tweet the card shows (counters and flags belong to it)
    tombstone: bool = False
    counts: tuple[int, int, int, int] | None = None  # likes, retweets, replies, quotes
    liked: bool | None = None
    retweeted: bool | None = None


# KEYS = the viewer's liked set, retweeted set and horizon (any names when anonymous), then the set
# of an extra question (any name without one). ARGV: payload prefix, counts prefix, "1" when there
# is a viewer, the number n of members asked of KEYS[4], those members, then the ids. Returns
# {horizon, then 9 values per id: j, o, t, l, r, p, q, liked, retweeted, then n answers} (false
# where missing; liked / retweeted / answers 1 or 0). Counters and flags are read for visible cards
# only; the flags of the page with one SMISMEMBER each.
_FETCH = """
local viewer = ARGV[3] == '1'
local asked = tonumber(ARGV[4])
local out, shown, slots = {false}, {}, {}
for i = 5 + asked, #ARGV do
  local p = redis.call('HMGET', ARGV[1] .. ARGV[i], 'j', 'o', 't')
  local n = #out
  out[n + 1] = p[1]; out[n + 2] = p[2]; out[n + 3] = p[3]
  if p[1] and p[3] == '' then
    local c = redis.call('HMGET', ARGV[2] .. p[2], 'l', 'r', 'p', 'q')
    out[n + 4] = c[1]; out[n + 5] = c[2]; out[n + 6] = c[3]; out[n + 7] = c[4]
    shown[#shown + 1] = p[2]; slots[#slots + 1] = n + 8
  else
    out[n + 4] = false; out[n + 5] = false; out[n + 6] = false; out[n + 7] = false
  end
  out[n + 8] = false; out[n + 9] = false
end
if viewer then
  out[1] = redis.call('GET', KEYS[3])
  if #shown > 0 then
    local liked = redis.call('SMISMEMBER', KEYS[1], unpack(shown))
    local retweeted = redis.call('SMISMEMBER', KEYS[2], unpack(shown))
    for k, slot in ipairs(slots) do out[slot] = liked[k]; out[slot + 1] = retweeted[k] end
  end
end
if asked > 0 then
  local answers = redis.call('SMISMEMBER', KEYS[4], unpack(ARGV, 5, 4 + asked))
  for k = 1, asked do out[#out + 1] = answers[k] end
end
return out
"""


def _flag(member: int, horizon: int | None, shown: int) -> bool | None:
    """Return a flag: set if in the set; else off when the set covers the id (>= horizon), else unknown."""
    if member:
        return True
    if horizon is not None and shown >= horizon:
        return False
    return None


def fetch(
    ids: Sequence[int], viewer_id: int | None, ask: tuple[str, Sequence] | None = None
) -> tuple[int | None, list[Entry], list[int] | None]:
    """Return (the viewer's flag horizon or None, an Entry per id, the answers to ``ask``) in one round trip.

    ``ask`` = (a set's key, members): whether each member is in that set is answered in the same
    call (the follow states of a page's authors), None without one. Raises RedisError.

    No round trip at all when the process's near cache holds every part (``twitter_site.nearcache``);
    what a call reads is kept there for the next page.
    """
    near = nearcache.current()
    if near is not None:
        found = _from_near_cache(near, ids, viewer_id, ask)
        if found is not None:
            return found
        token = near.watch()
    question, members = ask if ask is not None else ("-", ())
    flag_keys = hotcache.flag_keys(viewer_id or 0)
    reply = lua.script("fetch", _FETCH)(
        keys=[*flag_keys, question],
        args=[payload_prefix(), hotcache.counts_prefix(), "1" if viewer_id else "0", len(members), *members, *ids],
    )
    horizon = int(reply[0]) if reply[0] is not None else None
    entries, liked, retweeted = [], {}, {}
    for n, tweet_id in enumerate(ids):
        j, o, t, likes, retweets, replies, quotes, is_liked, is_retweeted = reply[1 + 9 * n : 10 + 9 * n]
        entry = Entry(int(tweet_id))
        if j is not None:
            entry.blob, entry.shown, entry.tombstone = j, int(o), bool(t)
            if likes is not None:
                entry.counts = (int(likes), int(retweets), int(replies), int(quotes))
            if viewer_id and not entry.tombstone:
                liked[entry.shown], retweeted[entry.shown] = is_liked, is_retweeted
                entry.liked = _flag(is_liked, horizon, entry.shown)
                entry.retweeted = _flag(is_retweeted, horizon, entry.shown)
        entries.append(entry)
    answers = reply[1 + 9 * len(ids) :] if ask is not None else None
    if near is not None:
        kept: dict[str, object] = {}
        for entry in entries:
            if entry.blob is not None:
                kept[payload_key(entry.id)] = (entry.blob, entry.shown, entry.tombstone)
                if entry.counts is not None:
                    kept[hotcache.counts_key(entry.shown)] = entry.counts
        if viewer_id:
            kept[flag_keys[2]] = horizon
            for key, found in zip(flag_keys[:2], (liked, retweeted), strict=True):
                if found:
                    kept[key] = _merged(near.get(key), found)
        if ask is not None:
            kept[question] = _merged(near.get(question), dict(zip(members, answers, strict=True)))
        near.keep(token, kept)
    return horizon, entries, answers


def _merged(known, found: dict) -> dict:
    return found if known is nearcache.MISSING else {**known, **found}


def _from_near_cache(
    near: nearcache.NearCache, ids: Sequence[int], viewer_id: int | None, ask: tuple[str, Sequence] | None
) -> tuple[int | None, list[Entry], list[int] | None] | None:
    """Return what ``fetch`` would from the near cache alone, or None when any part is not there."""
    get, missing = near.get, nearcache.MISSING
    if viewer_id:
        liked_key, retweeted_key, horizon_key = hotcache.flag_keys(viewer_id)
        horizon, liked, retweeted = get(horizon_key), get(liked_key), get(retweeted_key)
        if horizon is missing:
            return None
    entries, cards, counters = [], payload_prefix(), hotcache.counts_prefix()
    for tweet_id in ids:
        card = get(f"{cards}{tweet_id}")
        if card is missing:
            return None
        entry = Entry(tweet_id, *card)
        if not entry.tombstone:
            counts = get(f"{counters}{entry.shown}")
            if counts is missing:
                return None
            entry.counts = counts
            if viewer_id:
                if liked is missing or retweeted is missing:
                    return None
                is_liked, is_retweeted = liked.get(entry.shown), retweeted.get(entry.shown)
                if is_liked is None or is_retweeted is None:
                    return None
                entry.liked = _flag(is_liked, horizon, entry.shown)
                entry.retweeted = _flag(is_retweeted, horizon, entry.shown)
        entries.append(entry)
    answers = None
    if ask is not None:
        question, members = ask
        known = get(question)
        if known is missing:
            return None
        answers = [known.get(member) for member in members]
        if None in answers:
            return None
    return (horizon if viewer_id else None), entries, answers


def build(ids: Sequence[int]) -> dict[int, tuple[bytes, int, bool]]:
    """Build payloads from PostgreSQL and cache them; return {id: (bytes, shown id, tombstone)}."""
    from tweets.presenters import tweet_payloads

    built = {
        tweet_id: (orjson.dumps(payload), int(payload["id"]), bool(payload.get("tombstone")))
        for tweet_id, payload in tweet_payloads(list(ids)).items()
    }
    try:
        pipe = redis().pipeline(transaction=False)
        for tweet_id, (blob, shown, tombstone) in built.items():
            key = payload_key(tweet_id)
            pipe.hset(key, mapping={"j": blob, "o": shown, "t": "1" if tombstone else ""})
            pipe.expire(key, PAYLOAD_TTL)
        pipe.execute()
    except RedisError:
        log.warning("could not fill the payload cache", exc_info=True)
    return built


def splice(blob: bytes, counts: tuple[int, int, int, int], liked: bool, retweeted: bool) -> bytes:
    """Return the card's JSON: the cached payload bytes with ``counts`` and ``viewer`` appended.

    The same bytes as ``orjson.dumps(tweets.presenters.merge(payload, counts, state))``.
    """
    tail = b',"counts":{"likes":%d,"retweets":%d,"replies":%d,"quotes":%d},"viewer":{"liked":%s,"retweeted":%s}}' % (
        *counts,
        b"true" if liked else b"false",
        b"true" if retweeted else b"false",
    )
    return blob[:-1] + tail


def _forget(ids) -> int:
    keys = [payload_key(i) for i in ids]
    try:
        connection = redis()
        for start in range(0, len(keys), 1000):
            connection.delete(*keys[start : start + 1000])
    except RedisError:
        log.warning("could not forget %s cached cards", len(keys), exc_info=True)
    return len(keys)


def invalidate_tweet(tweet_id: int) -> None:
    """Forget the cached payload of a tweet and of the retweets, quotes and replies that embed it."""
    from django.db.models import Q

    from tweets.models import Tweet

    embedding = Tweet.objects.filter(Q(retweet_of_id=tweet_id) | Q(quote_of_id=tweet_id) | Q(reply_to_id=tweet_id))
    _forget([tweet_id, *embedding.values_list("id", flat=True)[:10_000]])


_AUTHOR_CARDS = """
WITH own AS (SELECT id FROM tweets_tweet WHERE author_id = %(uid)s)
SELECT id FROM own
UNION ALL SELECT t.id FROM own JOIN tweets_tweet t ON t.retweet_of_id = own.id
UNION ALL SELECT t.id FROM own JOIN tweets_tweet t ON t.quote_of_id = own.id
UNION ALL SELECT t.id FROM own JOIN tweets_tweet t ON t.reply_to_id = own.id
LIMIT 200000
"""


def invalidate_author(user_id: int) -> int:
    """Forget the cards of a person's tweets and retweets and of the cards embedding their tweets
    (after a rename or a suspension, which change what those cards show); return how many."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_AUTHOR_CARDS, {"uid": user_id})
        return _forget([row[0] for row in cursor.fetchall()])
