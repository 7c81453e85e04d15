"""The pull queries over PostgreSQL: rebuilds, the Redis-down fallback and the read-time merge.

Per followee, the newest ``n`` live tweets through the (author, -id) index (a LATERAL join), merged
and cut to ``n``; ids only. Fetching every column inside the LATERAL, or writing
``author_id IN (SELECT ...)``, is several times slower (see docs/timelines.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

# Phase 1 walks the (author, -id) partial index per followee for ids only and keeps the newest n;
# phase 2 reads just those rows and applies the reply rule: a reply counts only when the viewer
# follows the person answered (or is that person).
_PULL = """
WITH fe AS (
    SELECT f.followee_id AS id FROM accounts_follow f
    JOIN accounts_user u ON u.id = f.followee_id AND u.is_active
    WHERE f.follower_id = %(uid)s
    UNION SELECT %(uid)s
), top AS (
    SELECT t.id FROM fe CROSS JOIN LATERAL (
        SELECT t.id FROM tweets_tweet t
        WHERE t.author_id = fe.id AND t.deleted_at IS NULL AND t.id < %(before)s
        ORDER BY t.id DESC LIMIT %(n)s
    ) t
    WHERE %(only)s::bigint IS NULL OR fe.id = %(only)s::bigint
    ORDER BY t.id DESC LIMIT %(n)s
)
SELECT t.id, t.retweet_of_id, (t.reply_to_id IS NULL OR p.author_id IN (SELECT id FROM fe))
FROM top JOIN tweets_tweet t ON t.id = top.id
LEFT JOIN tweets_tweet p ON p.id = t.reply_to_id
ORDER BY t.id DESC
"""

_CELEBS = """
SELECT f.followee_id FROM accounts_follow f JOIN accounts_user u ON u.id = f.followee_id
WHERE f.follower_id = %s AND u.followers_count > %s
"""

# An above-the-limit author's recent tweets for the read-time merge: replies only within their own
# threads (a reply to someone else needs the viewer's follows, which the merge does not know).
_AUTHOR_RECENT = """
SELECT t.id FROM tweets_tweet t
WHERE t.author_id = %(aid)s AND t.deleted_at IS NULL AND t.id < %(before)s
  AND (t.reply_to_id IS NULL OR EXISTS (
        SELECT 1 FROM tweets_tweet p WHERE p.id = t.reply_to_id AND p.author_id = %(aid)s))
ORDER BY t.id DESC LIMIT %(n)s
"""

NO_CURSOR = (1 << 63) - 1


def pull_entries(
    *, user_id: int, before: int | None = None, limit: int | None = None, only_author: int | None = None
) -> list[tuple[int, int | None]]:
    """Return (tweet id, retweeted original id) of a user's home timeline from PostgreSQL, newest first.

    ``only_author`` keeps one followee's tweets (a follow's backfill), with the same reply rule.
    """
    limit = limit or settings.TIMELINE_MAX_ENTRIES
    batch = limit + limit // 4 + 5  # room for the replies phase 2 drops
    entries: list[tuple[int, int | None]] = []
    cursor_id = before or NO_CURSOR
    with connection.cursor() as cursor:
        for _ in range(8):
            cursor.execute(_PULL, {"uid": user_id, "before": cursor_id, "n": batch, "only": only_author})
            rows = cursor.fetchall()
            entries += [(row[0], row[1]) for row in rows if row[2]]
            if len(entries) >= limit or len(rows) < batch:
                break
            cursor_id = rows[-1][0]
    return entries[:limit]


def celebrity_followees(*, user_id: int) -> list[int]:
    """Return the accounts ``user_id`` follows whose tweets are merged at read time."""
    with connection.cursor() as cursor:
        cursor.execute(_CELEBS, [user_id, settings.TIMELINE_FANOUT_FOLLOWER_LIMIT])
        return [row[0] for row in cursor.fetchall()]


def author_recent(*, author_id: int, before: int | None = None, limit: int = 200) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(_AUTHOR_RECENT, {"aid": author_id, "before": before or NO_CURSOR, "n": limit})
        return [row[0] for row in cursor.fetchall()]


def fanout_targets(*, author_id: int, parent_author_id: int | None, active_days: int) -> list[int]:
    """Return the active followers of ``author_id`` (by id, then the author) who should get a new tweet.

    For a reply to someone else, only those who also follow the person answered (or are them).
    """
    params: dict = {"aid": author_id, "days": active_days}
    reply_rule = ""
    if parent_author_id is not None and parent_author_id != author_id:
        params["pid"] = parent_author_id
        reply_rule = (
            "AND (f.follower_id = %(pid)s OR EXISTS (SELECT 1 FROM accounts_follow g "
            "WHERE g.follower_id = f.follower_id AND g.followee_id = %(pid)s))"
        )
    sql = f"""
        SELECT f.follower_id FROM accounts_follow f JOIN accounts_user u ON u.id = f.follower_id
        WHERE f.followee_id = %(aid)s AND u.is_active
          AND u.last_seen_at >= now() - make_interval(days => %(days)s) {reply_rule}
        ORDER BY f.follower_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        targets = [row[0] for row in cursor.fetchall()]
    targets.append(author_id)
    return targets


def all_followers(*, author_id: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT follower_id FROM accounts_follow WHERE followee_id = %s", [author_id])
        return [row[0] for row in cursor.fetchall()] + [author_id]


def followers_among(*, author_id: int, user_ids: list[int]) -> list[int]:
    """Return which of ``user_ids`` follow ``author_id`` (one indexed query)."""
    if not user_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT follower_id FROM accounts_follow WHERE followee_id = %s AND follower_id = ANY(%s)",
            [author_id, list(user_ids)],
        )
        return [row[0] for row in cursor.fetchall()]
