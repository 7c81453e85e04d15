"""Read the precomputed Popular and Trending lists, personalise and explain them for a viewer."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import orjson
import regex
from django.db.models import Q

from trending import counters
from trending.terms import extract_terms, normalize
from twitter_site import nearcache, pagination
from twitter_site.pagination import BadCursor
from twitter_site.snowflake import id_at

PAGE_SIZE = 20
TRENDING_SHOWN = 30
AFFINITY_TTL = 120
# A viewer's affinity is kept in the near cache too (its Redis copy changes only when recomputed).
nearcache.track(counters.affinity_key(""))
SPARK_WIDTH, SPARK_HEIGHT = 96, 28


def _snapshot(key: str, prepare=None) -> dict | None:
    # Parsed once per ranking run per process: a signed-in page makes no Redis call for it.
    from trending import pagecache

    return pagecache.snapshot(key, prepare)


def _prepare_popular(snapshot: dict) -> dict:
    """Drop entries whose author is suspended and note each entry's author (one query per ranking run and process).

    The cards come from the payload cache, which a suspension does not clear: this keeps their
    tweets out of Popular from the next ranking run on. Knowing the authors before the cards are
    read lets a page ask for its follow buttons' states without waiting for the cards.
    """
    from tweets.models import Tweet

    ids = [e["id"] for e in snapshot["entries"]]
    authors = {
        tweet_id: author_id
        for tweet_id, author_id, active in Tweet.objects.filter(pk__in=ids).values_list(
            "pk", "author_id", "author__is_active"
        )
        if active
    }
    entries = [{**e, "author_id": authors[e["id"]]} for e in snapshot["entries"] if e["id"] in authors]
    return {**snapshot, "entries": entries}


def encode_cursor(rank: int) -> str:
    return pagination.encode_cursor(rank, kind="r")


def decode_cursor(cursor: str | None) -> int:
    """Return the rank a cursor points at (0 for none); raise BadCursor when it is not ours."""
    rank = pagination.decode_cursor(cursor, kind="r") or 0
    if not 0 <= rank <= 1000:
        raise BadCursor("That cursor is not valid.")
    return rank


# --------------------------------------------------------------------------- Popular


@dataclass
class PopularPage:
    entries: list[dict]
    next_cursor: str | None
    computed_at: float | None


@dataclass(slots=True)
class PopularRow:
    """One entry of a page of Popular before its card is parsed (what a page's frame is keyed by)."""

    rank: int
    ranked: dict  # the snapshot's entry: id, author_id, score and the people of each kind
    card: Any  # timelines.cache.Entry: the cached card bytes, live counters and the viewer's flags
    following: bool  # whether the viewer follows the author


@dataclass
class PopularRows:
    rows: list[PopularRow]
    next_cursor: str | None
    computed_at: float | None


SPARES = 5  # entries read after a page's last when some of its tweets were deleted since the job ran


def popular_rows(viewer, *, cursor: str | None = None, size: int = PAGE_SIZE) -> PopularRows:
    """Return one page of the top 100 of the last hour as cached cards: no tweet row read, no card parsed.

    One Redis call for the cards, their counters, the viewer's flags and whether the viewer
    follows their authors. Tweets deleted since the ranking run are skipped and the next entries
    stand in for them (a second call, only then); the list stays 100 long.
    """
    from accounts import usercache
    from timelines.selectors import read_cards

    signed_in = viewer is not None and viewer.is_authenticated

    def read(part: list[dict]) -> tuple[dict, set[int]]:
        # The authors are known from the snapshot: their follow states come with the cards.
        authors = sorted({r["author_id"] for r in part})
        ask = usercache.followees_question(viewer.pk, authors) if signed_in and authors else None
        entries, answers = read_cards([r["id"] for r in part], viewer, ask)
        following = usercache.followed_from_answers(viewer.pk, authors, answers) if ask else set()
        return {e.id: e for e in entries}, following

    start = decode_cursor(cursor)
    snapshot = _snapshot(counters.popular_snapshot_key(), _prepare_popular) or {"computed_at": None, "entries": []}
    ranked = snapshot["entries"]
    end = min(start + size, 100)
    window = ranked[start : start + size]
    cards, following = read(window)
    if len(cards) < len(window):
        spares = ranked[start + size : start + size + SPARES]
        spare_cards, spare_following = read(spares)
        cards.update(spare_cards)
        following |= spare_following
        window = window + spares
    shown = [r for r in window if r["id"] in cards][:size]
    rows = [
        PopularRow(rank, r, cards[r["id"]], r["author_id"] in following)
        for rank, r in enumerate(shown, start=start + 1)
        if rank <= 100
    ]
    more = end < min(len(ranked), 100) and len(rows) == size
    return PopularRows(rows, encode_cursor(end) if more else None, snapshot["computed_at"])


def popular_entry(row: PopularRow) -> dict:
    """Return a Popular entry for the API and the templates: the merged card, engagement, author, follow state."""
    from timelines.selectors import merged_card

    card = merged_card(row.card)
    author = card["author"]
    ranked = row.ranked
    return {
        "rank": row.rank,
        "tweet": card,
        "engagement": {
            "score": ranked["score"],
            "likes": ranked["like"],
            "retweets": ranked["retweet"],
            "replies": ranked["reply"],
            "quotes": ranked["quote"],
        },
        "author": SimpleNamespace(pk=int(author["id"]), username=author["username"], name=author["name"]),
        "author_following": row.following,
        "author_state": {"following": row.following},
    }


def list_popular(viewer, *, cursor: str | None = None, size: int = PAGE_SIZE) -> PopularPage:
    """Return one page of the top 100 of the last hour: the card, its engagement, the author's follow state."""
    page = popular_rows(viewer, cursor=cursor, size=size)
    return PopularPage([popular_entry(row) for row in page.rows], page.next_cursor, page.computed_at)


# --------------------------------------------------------------------------- Trending


@dataclass
class Affinity:
    following_tweeted: dict[str, set[int]] = field(default_factory=dict)
    following_liked: dict[str, set[int]] = field(default_factory=dict)
    you_liked: dict[str, int] = field(default_factory=dict)
    you_tweeted: dict[str, int] = field(default_factory=dict)

    def boost(self, term: str) -> float:
        """Return the factor a trend's score is multiplied by for this viewer (1 = no affinity)."""
        return (
            1.0
            + 0.5 * math.log1p(len(self.following_tweeted.get(term, ())))
            + 0.25 * math.log1p(len(self.following_liked.get(term, ())))
            + 0.35 * math.log1p(self.you_liked.get(term, 0))
            + 0.35 * math.log1p(self.you_tweeted.get(term, 0))
        )

    def reasons(self, term: str) -> list[str]:
        out = []
        n = len(self.following_tweeted.get(term, ()))
        if n:
            out.append(
                f"{n} people you follow are tweeting about this"
                if n > 1
                else "1 person you follow is tweeting about this"
            )
        n = len(self.following_liked.get(term, ()))
        if n:
            out.append(
                f"{n} people you follow liked tweets about this"
                if n > 1
                else "1 person you follow liked a tweet about this"
            )
        n = self.you_liked.get(term, 0)
        if n:
            out.append(f"You liked {n} tweets about this" if n > 1 else "You liked a tweet about this")
        n = self.you_tweeted.get(term, 0)
        if n:
            out.append(f"You tweeted about this {n} times" if n > 1 else "You tweeted about this")
        return out


def _collect(pairs, terms: set[str], into: dict, *, as_people: bool) -> None:
    # One regex search per text finds the few that mention a trend; only those are cut into terms.
    if not terms:
        return
    quick = regex.compile("|".join(regex.escape(t) for t in sorted(terms, key=len, reverse=True)))
    for who, text in pairs:
        if not text or quick.search(normalize(text)) is None:
            continue
        for term in set(extract_terms(text)) & terms:
            if as_people:
                into.setdefault(term, set()).add(who)
            else:
                into[term] = into.get(term, 0) + 1


def compute_affinity(viewer, terms: set[str], *, now: float) -> Affinity:
    """Find which of ``terms`` the viewer's followees tweeted or liked in 24 h, and the viewer in 7 days.

    Four indexed queries, each capped; the result is cached for two minutes per viewer.
    """
    from accounts.models import Follow
    from tweets.models import Like, Tweet

    affinity = Affinity()
    day = datetime.fromtimestamp(now, tz=UTC) - timedelta(hours=24)
    week = datetime.fromtimestamp(now, tz=UTC) - timedelta(days=7)
    followees = list(Follow.objects.filter(follower_id=viewer.pk).values_list("followee_id", flat=True)[:5000])
    if followees:
        # No ORDER BY on purpose: with one, PostgreSQL walks the whole table's primary key
        # backwards; without, it reads each followee's (author, -id) / (user, -id) index range.
        tweeted = (
            Tweet.objects.filter(author_id__in=followees, id__gte=id_at(day), deleted_at__isnull=True)
            .filter(retweet_of__isnull=True)
            .order_by()
            .values_list("author_id", "text")[:2000]
        )
        _collect(tweeted, terms, affinity.following_tweeted, as_people=True)
        engaged = (
            Like.objects.filter(user_id__in=followees[:1000], created_at__gte=day)
            .order_by()
            .values_list("user_id", "tweet__text")[:2000]
        )
        _collect(engaged, terms, affinity.following_liked, as_people=True)
    liked = (
        Like.objects.filter(user_id=viewer.pk, created_at__gte=week)
        .order_by("-id")
        .values_list("user_id", "tweet__text")
    )
    _collect(liked[:500], terms, affinity.you_liked, as_people=False)
    own = (
        Tweet.objects.filter(Q(author_id=viewer.pk), id__gte=id_at(week), deleted_at__isnull=True)
        .exclude(text="")
        .order_by("-id")
        .values_list("author_id", "text")
    )
    _collect(own[:300], terms, affinity.you_tweeted, as_people=False)
    return affinity


def _cached_affinity(viewer, terms: set[str], *, version: str, now: float) -> Affinity:
    """Return the viewer's affinity for this ranking run: from the near cache, Redis, or computed.

    The near cache holds the parsed ``Affinity`` (callers only read it).
    """
    r = counters.redis()
    key = counters.affinity_key(viewer.pk)
    near = nearcache.current()
    if near is not None and not key.startswith(near.prefixes):
        near = None  # a key prefix set after start-up (a test's or a benchmark's settings)
    held = near.get(key) if near is not None else nearcache.MISSING
    if held is not nearcache.MISSING and held[0] == version:
        return held[1]
    token = near.watch() if near is not None else None
    raw = r.get(key)
    if raw:
        data = orjson.loads(raw)
        if data["v"] == version:
            affinity = Affinity(
                {t: set(v) for t, v in data["ft"].items()},
                {t: set(v) for t, v in data["fl"].items()},
                data["yl"],
                data["yt"],
            )
            if token is not None:
                near.keep(token, {key: (version, affinity)})
            return affinity
    affinity = compute_affinity(viewer, terms, now=now)
    data = {
        "v": version,
        "ft": {t: sorted(v) for t, v in affinity.following_tweeted.items()},
        "fl": {t: sorted(v) for t, v in affinity.following_liked.items()},
        "yl": affinity.you_liked,
        "yt": affinity.you_tweeted,
    }
    r.set(key, orjson.dumps(data), ex=AFFINITY_TTL)
    return affinity


def sparkline_points(values: list[int]) -> str:
    """Return SVG polyline points for hourly values (oldest first) in a SPARK_WIDTH x SPARK_HEIGHT box."""
    if not values:
        return ""
    top = max(values) or 1
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - 2 - (v / top) * (SPARK_HEIGHT - 4):.1f}" for i, v in enumerate(values)
    )


def _with_spark_points(snapshot: dict) -> dict:
    """Add each trend's sparkline (SVG points) to the snapshot: drawn once per ranking run, not per page."""
    return {**snapshot, "trends": [{**t, "spark_points": sparkline_points(t["spark"])} for t in snapshot["trends"]]}


def _trend_snapshot() -> dict | None:
    # Every reader of the trend snapshot must prepare it the same way (it is kept once per version).
    return _snapshot(counters.trend_snapshot_key(), _with_spark_points)


KIND_LABELS = {"hashtag": "Hashtag", "emoji": "Emoji", "phrase": "Phrase", "word": "Word"}


@dataclass
class TrendingList:
    trends: list[dict]
    personalised: bool
    computed_at: float | None


def list_trending(viewer, *, limit: int = TRENDING_SHOWN, now: float | None = None) -> TrendingList:
    """Return the trends, re-ranked by the viewer's affinity when signed in, each with why it is shown."""
    now = time.time() if now is None else now
    snapshot = _trend_snapshot() or {"computed_at": None, "trends": []}
    trends = snapshot["trends"]
    personal = viewer is not None and viewer.is_authenticated and bool(trends)
    affinity = Affinity()
    if personal:
        terms = {t["term"] for t in trends}
        affinity = _cached_affinity(viewer, terms, version=str(snapshot["computed_at"]), now=now)
    ranked = sorted(trends, key=lambda t: -t["score"] * affinity.boost(t["term"])) if personal else trends
    result = []
    for position, trend in enumerate(ranked[:limit], start=1):
        reasons = affinity.reasons(trend["term"])
        usual = trend["expected"]
        general = (
            f"{trend['people']} people in the last hour, usually about {usual:.0f}"
            if usual >= 1
            else f"{trend['people']} people in the last hour, new today"
        )
        result.append(
            {
                **trend,
                "rank": position,
                "label": KIND_LABELS[trend["kind"]],
                "reasons": reasons or [general],
                "personal": bool(reasons),
            }
        )
    return TrendingList(result, personal, snapshot["computed_at"])


def list_term_tweets(term: str, viewer, *, now: float | None = None, limit: int = 40) -> list[dict]:
    """Return the cards of the newest tweets recorded for ``term`` in the last 24 hours."""
    from timelines.selectors import hydrate

    now = time.time() if now is None else now
    ids = counters.tweet_ids_for(term, now=now, limit=limit)
    return hydrate(ids, viewer)


def trend_of(term: str) -> dict | None:
    """Return the snapshot entry of ``term`` when it is trending now."""
    snapshot = _trend_snapshot() or {"trends": []}
    return next((t for t in snapshot["trends"] if t["term"] == term), None)
