"""Reads of the home timeline: Redis first, PostgreSQL when the feed is missing, short or down.

    ids, next_cursor, source = home_ids(user_id=..., before=cursor, limit=20)
    cards = hydrate(ids, viewer)

The hot path is one Lua call (feed page + read-time merge of above-the-limit authors), one MGET of
cached payload bytes, and the counters and viewer state from PostgreSQL. No ORM objects and no
DRF serializer per tweet.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from redis.exceptions import RedisError

from timelines import cache, feeds, pull

log = logging.getLogger(__name__)
SAME_MS_SLACK = 8  # extra ids read so that same-millisecond neighbours of the cursor can be dropped
NEWER_MAX = 50  # tweets the "N new tweets" banner loads at once


@dataclass
class Page:
    ids: list[int]
    next_cursor: int | None
    source: str  # "redis", "rebuilt" (feed was missing) or "postgres" (Redis down or deep page)


def _cut(ids: Sequence[int], before: int | None, limit: int) -> tuple[list[int], int | None]:
    ordered = sorted({i for i in ids if before is None or i < before}, reverse=True)
    if len(ordered) > limit:
        return ordered[:limit], ordered[limit - 1]
    return ordered, None


def _from_postgres(user_id: int, before: int | None, limit: int) -> Page:
    entries = pull.pull_entries(user_id=user_id, before=before, limit=limit + 1)
    ids, next_cursor = _cut([t for t, _ in entries], before, limit)
    return Page(ids, next_cursor, "postgres")


def _celebrity_ids(celebs: dict, before: int | None, want: int) -> list[int]:
    """Return the merge candidates of above-the-limit authors, filling missing lists from PostgreSQL."""
    found: list[int] = []
    for author_id, listed in celebs.items():
        if listed is None:  # the list is gone (Redis restarted): refill it
            recent = pull.author_recent(author_id=author_id, limit=feeds.AUTHOR_RECENT_MAX)
            feeds.store_author_recent(author_id=author_id, tweet_ids=recent)
            listed = ([t for t in recent if before is None or t <= before][:want], len(recent))
        ids, size = listed
        if len(ids) < want and size >= feeds.AUTHOR_RECENT_MAX:  # older than the list keeps
            ids = pull.author_recent(author_id=author_id, before=before, limit=want)
        found += ids
    return found


def home_ids(*, user_id: int, before: int | None = None, limit: int = settings.PAGE_SIZE) -> Page:
    """Return one page of home timeline ids (newest first) before the cursor ``before``."""
    want = limit + 1 + SAME_MS_SLACK
    try:
        got = feeds.read(user_id=user_id, before=before, limit=want)
        source = "redis"
        if got is None:
            from timelines.services import rebuild_feed

            rebuild_feed(user_id=user_id)
            got = feeds.read(user_id=user_id, before=before, limit=want)
            source = "rebuilt"
        feed_ids, size, celebs = got
        if len(feed_ids) < want and size >= settings.TIMELINE_MAX_ENTRIES // 2:
            # Past the end of a feed that may have been trimmed: the older pages come from PostgreSQL.
            return _from_postgres(user_id, before, limit)
        ids, next_cursor = _cut(feed_ids + _celebrity_ids(celebs, before, want), before, limit)
        return Page(ids, next_cursor, source)
    except RedisError:
        log.warning("feeds unavailable; home timeline of %s from PostgreSQL", user_id, exc_info=True)
        return _from_postgres(user_id, before, limit)


def newer_ids(*, user_id: int, since: int) -> tuple[list[int], bool]:
    """Return ids newer than ``since`` (newest first) and whether more exist than were returned."""
    page = home_ids(user_id=user_id, limit=NEWER_MAX)
    ids = [i for i in page.ids if i > since]
    return ids, len(ids) == len(page.ids) and page.next_cursor is not None


def hydrate(ids: Sequence[int], viewer) -> list[dict]:
    """Return merged tweet cards for ``ids`` in order: cached payloads, live counters, viewer state.

    Tombstones are skipped, and an original appears once per page (the newest entry wins).
    """
    from tweets.presenters import merge
    from tweets.selectors import counts_and_state

    payloads = cache.get_payloads(list(ids))
    live: list[int] = []
    shown: set[str] = set()
    for tweet_id in ids:
        payload = payloads.get(tweet_id)
        if payload is None or payload.get("tombstone") or payload["id"] in shown:
            continue
        shown.add(payload["id"])
        live.append(tweet_id)
    if not live:
        return []
    counts, state = counts_and_state(viewer, live)
    return [merge(payloads[i], counts.get(i), state.get(i)) for i in live]


def feed_health(*, user_id: int) -> dict:
    """Return a small description of a user's cached feed (bench, debugging)."""
    try:
        return {"cached": feeds.exists(user_id=user_id), "bytes": feeds.memory_usage(user_id=user_id)}
    except RedisError:
        return {"cached": False, "bytes": 0}
