"""Reads of the home timeline: Redis first, PostgreSQL when the feed is missing, short or down.

    ids, next_cursor, source = home_ids(user_id=..., before=cursor, limit=20)
    cards = hydrate(ids, viewer)

The hot path is two Redis calls and no SQL: one Lua call for the feed page (with the read-time
merge of above-the-limit authors), and one for the page's cached payload bytes, counters and the
viewer's flags (timelines/cache.py). No ORM objects and no DRF serializer per tweet; the API
splices the cached bytes (``hydrate_json``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from django.conf import settings
from redis.exceptions import RedisError

from timelines import cache, feeds, pull
from tweets.selectors import NO_STATE, ZERO_COUNTS

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


def _celebrity_ids(celebs: dict, before: int | None, want: int, floor: float) -> list[int]:
    """Return the merge candidates of above-the-limit authors, filling missing lists from PostgreSQL.

    A full list (``AUTHOR_RECENT_MAX``, older tweets trimmed) whose oldest kept tweet is above the
    feed's floor may lack tweets that belong on the page: those come from PostgreSQL.
    """
    found: list[int] = []
    for author_id, listed in celebs.items():
        if listed is None:  # the list is gone (Redis restarted): refill it
            recent = pull.author_recent(author_id=author_id, limit=feeds.AUTHOR_RECENT_MAX)
            feeds.store_author_recent(author_id=author_id, tweet_ids=recent)
            oldest = float(feeds.score_of(recent[-1])) if recent else -1.0
            listed = ([t for t in recent if before is None or t <= before][:want], len(recent), oldest)
        ids, size, oldest = listed
        if size >= feeds.AUTHOR_RECENT_MAX and oldest > floor and len(ids) < want:
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
        feed_ids, size, floor, celebs = got
        if len(feed_ids) < want and size >= settings.TIMELINE_MAX_ENTRIES // 2:
            # Past the end of a feed that may have been trimmed: the older pages come from PostgreSQL.
            return _from_postgres(user_id, before, limit)
        ids, next_cursor = _cut(feed_ids + _celebrity_ids(celebs, before, want, floor), before, limit)
        return Page(ids, next_cursor, source)
    except RedisError:
        log.warning("feeds unavailable; home timeline of %s from PostgreSQL", user_id, exc_info=True)
        return _from_postgres(user_id, before, limit)


def newer_ids(*, user_id: int, since: int) -> tuple[list[int], bool]:
    """Return ids newer than ``since`` (newest first) and whether more exist than were returned."""
    page = home_ids(user_id=user_id, limit=NEWER_MAX)
    ids = [i for i in page.ids if i > since]
    return ids, len(ids) == len(page.ids) and page.next_cursor is not None


def cached_entries(ids: Sequence[int], viewer) -> list[cache.Entry]:
    """Return the visible entries of a page, in order, with payload, counters and flags all known (``read_cards``)."""
    return read_cards(ids, viewer)[0]


def read_cards(
    ids: Sequence[int], viewer, ask: tuple[str, Sequence] | None = None
) -> tuple[list[cache.Entry], list[int] | None]:
    """Return the visible entries of a page, in order, with payload, counters and flags all known.

    One Redis call when everything is cached; misses are filled from PostgreSQL and cached (payloads
    by ``cache.build``, counters and old flags by one ``counts_and_state``, a viewer's recent flags
    by ``hotcache.fill_viewer``). Tombstones are skipped, and an original appears once per page
    (the newest entry wins). Redis down: everything from PostgreSQL. ``ask``: a set membership
    question answered in the same call (``cache.fetch``); its answers come second, None when
    Redis could not answer.
    """
    from tweets import hotcache
    from tweets.selectors import counts_and_state

    ids = [int(i) for i in ids]
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None
    try:
        horizon, entries, answers = cache.fetch(ids, viewer_id, ask)
        redis_up = True
    except RedisError:
        log.warning("card cache unavailable; cards from PostgreSQL", exc_info=True)
        horizon, entries, answers, redis_up = None, [cache.Entry(i) for i in ids], None, False
    missing = [e.id for e in entries if e.blob is None]
    if missing:
        built = cache.build(missing)
        for entry in entries:
            if entry.id in built:
                entry.blob, entry.shown, entry.tombstone = built[entry.id]
    live: list[cache.Entry] = []
    shown: set[int] = set()
    for entry in entries:
        if entry.blob is None or entry.tombstone or entry.shown in shown:
            continue
        shown.add(entry.shown)
        live.append(entry)
    if viewer_id and redis_up and horizon is None and any(e.liked is None for e in live):
        horizon, liked, retweeted = hotcache.fill_viewer(viewer_id)
        for entry in live:
            if entry.shown >= horizon:
                entry.liked, entry.retweeted = entry.shown in liked, entry.shown in retweeted
    unknown = {e.shown for e in live if e.counts is None or (viewer_id and e.liked is None)}
    if unknown:
        counts, state = counts_and_state(viewer, unknown)
        fresh = {e.shown: counts.get(e.shown, ZERO_COUNTS) for e in live if e.counts is None}
        for entry in live:
            c = counts.get(entry.shown, ZERO_COUNTS)
            if entry.counts is None:
                entry.counts = tuple(c[name] for name in ZERO_COUNTS)
            if entry.liked is None:
                flags = state.get(entry.shown, NO_STATE)
                entry.liked, entry.retweeted = flags["liked"], flags["retweeted"]
        hotcache.store_counts(fresh)
    return live, answers


def merged_card(entry: cache.Entry) -> dict:
    """Return an entry's card as ``tweets.presenters.merge`` shapes it."""
    return {
        **orjson.loads(entry.blob),
        "counts": dict(zip(ZERO_COUNTS, entry.counts)),
        "viewer": {"liked": bool(entry.liked), "retweeted": bool(entry.retweeted)},
    }


def hydrate(ids: Sequence[int], viewer) -> list[dict]:
    """Return merged tweet cards (``tweets.presenters.merge`` shape) for ``ids`` in order."""
    return [merged_card(e) for e in cached_entries(ids, viewer)]


def hydrate_json(ids: Sequence[int], viewer) -> list[bytes]:
    """Return the same cards as ``hydrate`` already encoded as JSON, spliced from cached bytes."""
    return [cache.splice(e.blob, e.counts, bool(e.liked), bool(e.retweeted)) for e in cached_entries(ids, viewer)]


def feed_health(*, user_id: int) -> dict:
    """Return a small description of a user's cached feed (bench, debugging)."""
    try:
        return {"cached": feeds.exists(user_id=user_id), "bytes": feeds.memory_usage(user_id=user_id)}
    except RedisError:
        return {"cached": False, "bytes": 0}
