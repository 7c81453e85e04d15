"""Home timelines: react to tweets, deletions and follows (see docs/timelines.md).

The ``on_*`` hooks are called by other apps' services through ``transaction.on_commit``, with ids
only; they queue Celery tasks on the ``fanout`` queue. The work functions below (``fanout_tweet``,
``remove_tweet``...) are what those tasks run; each is idempotent and safe to re-run.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from asgiref.sync import async_to_sync
from celery.exceptions import Retry
from django.conf import settings
from django.db import connection
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from timelines import cache, feeds, pull

log = logging.getLogger(__name__)
BACKFILL = 100  # newest tweets of a new followee put into the follower's feed


def _enqueue(task, *args) -> None:
    """Queue a fanout task; if the broker (Redis) is down, log it: a later rebuild heals the feeds.

    Under eager Celery (tests) a Redis outage surfaces as ``Retry`` from the autoretry.
    """
    try:
        task.apply_async(args=list(args))  # the fanout queue, by task_routes
    except (RedisError, OperationalError, Retry, OSError) as error:
        log.warning("could not run %s%r (%s); feeds will be healed by a rebuild", task.name, args, error)


# --------------------------------------------------------------------------- hooks


def on_tweet_created(*, tweet_id: int) -> None:
    """Put a new tweet or retweet into its author's followers' timelines."""
    from timelines import tasks

    _enqueue(tasks.fanout_tweet, tweet_id)


def on_tweet_deleted(*, tweet_id: int) -> None:
    """Take a deleted tweet (and its retweets) out of every timeline."""
    from timelines import tasks

    cache.invalidate_tweet(tweet_id)
    _enqueue(tasks.remove_tweet, tweet_id)


def on_follow(*, follower_id: int, followee_id: int) -> None:
    """Backfill the followee's recent tweets into the follower's timeline."""
    from timelines import tasks

    _enqueue(tasks.backfill_followee, follower_id, followee_id)


def on_unfollow(*, follower_id: int, followee_id: int) -> None:
    """Remove the followee's tweets from the follower's timeline."""
    from timelines import tasks

    _enqueue(tasks.purge_followee, follower_id, followee_id)


def on_author_changed(*, user_id: int) -> None:
    """Forget the cached cards that show a person who was renamed, suspended or unsuspended."""
    from timelines import tasks

    _enqueue(tasks.forget_author_cards, user_id)


def on_user_returned(*, user_id: int) -> None:
    """Rebuild the timeline of a user who comes back after being inactive."""
    from timelines import tasks

    try:
        feeds.drop(user_id=user_id)  # stale: fanout skipped them; the next read rebuilds lazily
    except RedisError:
        log.warning("could not drop the feed of returning user %s", user_id, exc_info=True)
    _enqueue(tasks.rebuild_feed, user_id)


# --------------------------------------------------------------------------- work


def _tweet_row(tweet_id: int) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.author_id, t.retweet_of_id, p.author_id, t.deleted_at IS NOT NULL, u.followers_count, u.is_active
            FROM tweets_tweet t JOIN accounts_user u ON u.id = t.author_id
            LEFT JOIN tweets_tweet p ON p.id = t.reply_to_id
            WHERE t.id = %s
            """,
            [tweet_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    keys = ("author_id", "retweet_of_id", "parent_author_id", "deleted", "followers_count", "author_active")
    return dict(zip(keys, row))


def fanout_tweet(*, tweet_id: int) -> int:
    """Add a tweet to the feeds of its author's active followers; return the number of feeds changed.

    Authors above TIMELINE_FANOUT_FOLLOWER_LIMIT go to their own recent list instead, merged into
    their followers' pages at read time.
    """
    row = _tweet_row(tweet_id)
    if row is None or row["deleted"] or not row["author_active"]:
        return 0
    if row["followers_count"] > settings.TIMELINE_FANOUT_FOLLOWER_LIMIT:
        return _fanout_celebrity(tweet_id=tweet_id, row=row)
    return _push(tweet_id=tweet_id, row=row)


def _push(*, tweet_id: int, row: dict) -> int:
    """Push a tweet into the feeds of the active followers who should see it, and tell the online ones."""
    author_id = row["author_id"]
    targets = pull.fanout_targets(
        author_id=author_id, parent_author_id=row["parent_author_id"], active_days=settings.TIMELINE_ACTIVE_DAYS
    )
    changed, online = feeds.push(tweet_id=tweet_id, follower_ids=targets, original_id=row["retweet_of_id"])
    notify_new_tweets(user_ids=[uid for uid in online if uid != author_id], tweet_id=tweet_id)
    return changed


def _fanout_celebrity(*, tweet_id: int, row: dict) -> int:
    author_id = row["author_id"]
    if feeds.mark_celebrity(author_id=author_id):
        # Newly above the limit: followers' existing feeds start merging this author at read time.
        feeds.add_celebrity(author_id=author_id, follower_ids=pull.all_followers(author_id=author_id))
    if row["parent_author_id"] not in (None, author_id):
        # A reply to someone else is for the followers who also follow that person (the read-time
        # merge cannot tell who they are): usually few, so it is pushed like any tweet.
        return _push(tweet_id=tweet_id, row=row)
    feeds.push_author_recent(author_id=author_id, tweet_id=tweet_id)
    # No feed changes, but the followers reading their timeline now see it at their next read.
    online = pull.followers_among(author_id=author_id, user_ids=feeds.online_users())
    notify_new_tweets(user_ids=[uid for uid in online if uid != author_id], tweet_id=tweet_id)
    changed, _ = feeds.push(tweet_id=tweet_id, follower_ids=[author_id], original_id=row["retweet_of_id"])
    return changed


def forget_author_cards(*, user_id: int) -> int:
    """Drop the cached cards of a person's tweets and of the cards that embed them; return how many."""
    return cache.invalidate_author(user_id)


def remove_tweet(*, tweet_id: int) -> int:
    """Remove a tweet and its retweets from every feed that may hold them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, author_id FROM tweets_tweet WHERE id = %s OR retweet_of_id = %s", [tweet_id, tweet_id]
        )
        rows = cursor.fetchall()
    changed = 0
    for removed_id, author_id in rows:
        followers = pull.all_followers(author_id=author_id)
        changed += feeds.remove(tweet_ids=[removed_id], user_ids=followers)
        feeds.remove_author_recent(author_id=author_id, tweet_ids=[removed_id])
    if not rows:  # the row is gone entirely: nothing to look up, the read path skips unknown ids
        return 0
    return changed


def backfill_followee(*, follower_id: int, followee_id: int) -> int:
    """Put the followee's recent tweets into the follower's existing feed (or merge them at read)."""
    if not feeds.exists(user_id=follower_id):
        return 0  # built from PostgreSQL, follow included, on the next read
    with connection.cursor() as cursor:
        cursor.execute("SELECT followers_count FROM accounts_user WHERE id = %s", [followee_id])
        found = cursor.fetchone()
    if found is None:
        return 0
    if found[0] > settings.TIMELINE_FANOUT_FOLLOWER_LIMIT:
        feeds.add_celebrity(author_id=followee_id, follower_ids=[follower_id])
        return 1
    entries = pull.pull_entries(user_id=follower_id, limit=BACKFILL, only_author=followee_id)
    return feeds.add_entries(user_id=follower_id, entries=entries)


def purge_followee(*, follower_id: int, followee_id: int) -> int:
    """Remove the followee's tweets, and replies to them, from the follower's feed."""
    if not feeds.exists(user_id=follower_id):
        return 0
    feeds.remove_celebrity(user_id=follower_id, author_id=followee_id)
    ids = feeds.member_ids(user_id=follower_id)
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.id FROM tweets_tweet t LEFT JOIN tweets_tweet p ON p.id = t.reply_to_id
            WHERE t.id = ANY(%s) AND (t.author_id = %s OR (p.author_id = %s AND t.author_id <> %s))
            """,
            [ids, followee_id, followee_id, follower_id],
        )
        gone = [row[0] for row in cursor.fetchall()]
    return feeds.remove(tweet_ids=gone, user_ids=[follower_id])


def rebuild_feed(*, user_id: int) -> list[tuple[int, int | None]]:
    """Rebuild a user's feed from PostgreSQL (the LATERAL pull); return its entries, newest first."""
    entries = feeds.dedupe_reblogs(pull.pull_entries(user_id=user_id))
    feeds.store(user_id=user_id, entries=entries, celebs=pull.celebrity_followees(user_id=user_id))
    return entries


# --------------------------------------------------------------------------- live


def user_group(user_id: int) -> str:
    """Return the Channels group of one user's timeline sockets."""
    return f"timeline.user.{user_id}"


def notify_new_tweets(*, user_ids: list[int], tweet_id: int) -> None:
    """Tell the open home pages of ``user_ids`` that a new tweet is in their timeline."""
    if not user_ids:
        return
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "timeline.new_tweets", "tweet_id": str(tweet_id)}

    async def send_all():
        for uid in user_ids:
            await layer.group_send(user_group(uid), message)

    try:
        _run_async(send_all)
    except Exception:
        log.warning("could not send live timeline events", exc_info=True)


def _run_async(function) -> None:
    """Run an async function from sync code, in a helper thread if this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(function)()
        return
    errors: list[BaseException] = []

    def target():
        try:
            async_to_sync(function)()
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
