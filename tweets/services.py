"""Writes of tweets: create, edit, delete, remove, like, retweet, and the counter flush.

Other apps' hooks run after commit with ``robust=True``: the write is done and stays done even if
a side effect fails (the failure is logged; every Redis structure can be rebuilt).

Counters never update the hot Tweet row on the request path: each change inserts a CounterDelta
row in the same transaction as the Like / Tweet row it counts, and ``flush_counter_deltas`` folds
them into the Tweet columns later (docs/counters.md). Hooks of other apps run after commit.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from tweets import hotcache
from tweets.models import CounterDelta, Hashtag, Like, Mention, Tweet, TweetHashtag, TweetVersion
from tweets.parsing import ParsedText, TweetTextError, parse_tweet_text

FLUSH_LOCK_ID = 727_001  # pg advisory lock: one flusher at a time


class TweetRuleError(ValueError):
    """A tweet write breaks a rule; ``field`` names the input and ``str(error)`` is the message."""

    def __init__(self, message: str, field: str = "text"):
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- helpers


def _hooks_after_commit(tweet: Tweet, *, created: bool) -> None:
    from timelines import services as timelines
    from trending import services as trending

    tweet_id, author_id, text, created_ms = (
        tweet.pk,
        tweet.author_id,
        tweet.text,
        int(tweet.created_at.timestamp() * 1000),
    )
    if created:
        transaction.on_commit(lambda: timelines.on_tweet_created(tweet_id=tweet_id), robust=True)
    if text:
        transaction.on_commit(
            lambda: trending.record_tweet(tweet_id=tweet_id, author_id=author_id, text=text, created_at_ms=created_ms),
            robust=True,
        )


def _forget_cached_payload(tweet_id: int) -> None:
    """Drop the timelines' cached payload of an edited tweet (and of cards embedding it) after commit."""
    from timelines import cache

    transaction.on_commit(lambda: cache.invalidate_tweet(tweet_id), robust=True)


def _engagement_after_commit(*, kind: str, user_id: int, tweet: Tweet, delta: int) -> None:
    from trending import services as trending

    tweet_id, author_id = tweet.pk, tweet.author_id
    transaction.on_commit(
        lambda: trending.record_engagement(
            kind=kind, user_id=user_id, tweet_id=tweet_id, author_id=author_id, delta=delta
        ),
        robust=True,
    )


def _add_delta(tweet_id: int, **deltas: int) -> None:
    CounterDelta.objects.create(tweet_id=tweet_id, **deltas)
    hotcache.bump_counts_after_commit(tweet_id, deltas)
    transaction.on_commit(schedule_counter_flush, robust=True)


def _visible_or_404(tweet: Tweet | None, *, what: str = "tweet") -> Tweet:
    if tweet is None or tweet.deleted_at is not None or not tweet.author.is_active:
        raise Http404(f"No such {what}.")
    if tweet.retweet_of_id is not None:
        return _visible_or_404(Tweet.objects.select_related("author").filter(pk=tweet.retweet_of_id).first(), what=what)
    return tweet


def _record_mentions_and_tags(tweet: Tweet, parsed: ParsedText) -> None:
    if parsed.mentions:
        names = [name.lower() for name in parsed.mentions]
        users = User.objects.filter(is_active=True).annotate(lname=Lower("username")).filter(lname__in=names)
        Mention.objects.bulk_create([Mention(tweet=tweet, user=u) for u in users], ignore_conflicts=True)
    TweetHashtag.objects.filter(tweet=tweet).exclude(hashtag__name__in=parsed.hashtags).delete()
    if parsed.hashtags:
        Hashtag.objects.bulk_create([Hashtag(name=name) for name in parsed.hashtags], ignore_conflicts=True)
        tags = Hashtag.objects.filter(name__in=parsed.hashtags)
        TweetHashtag.objects.bulk_create(
            [TweetHashtag(tweet=tweet, hashtag=tag) for tag in tags], ignore_conflicts=True
        )


def _parse(text) -> ParsedText:
    try:
        return parse_tweet_text(text)
    except TweetTextError as error:
        raise TweetRuleError(str(error)) from None


# --------------------------------------------------------------------------- tweets


def create_tweet(*, author: User, text: str, reply_to: Tweet | None = None, quote_of: Tweet | None = None) -> Tweet:
    """Post a tweet (optionally a reply and/or a quote) with its first version, mentions and hashtags.

    Raises TweetRuleError on bad text and Http404 when the replied or quoted tweet is gone.
    """
    parsed = _parse(text)
    if reply_to is not None:
        reply_to = _visible_or_404(reply_to)
    if quote_of is not None:
        quote_of = _visible_or_404(quote_of)
    with transaction.atomic():
        tweet = Tweet(author=author, text=parsed.text)
        if reply_to is not None:
            tweet.reply_to = reply_to
            tweet.reply_to_version = reply_to.version
            tweet.conversation_id = reply_to.conversation_id or reply_to.pk
        if quote_of is not None:
            tweet.quote_of = quote_of
            tweet.quote_of_version = quote_of.version
        tweet.save(force_insert=True)
        if tweet.conversation_id is None:
            Tweet.objects.filter(pk=tweet.pk).update(conversation_id=tweet.pk)
            tweet.conversation_id = tweet.pk
        TweetVersion.objects.create(tweet=tweet, number=1, text=parsed.text, created_at=tweet.created_at)
        _record_mentions_and_tags(tweet, parsed)
        User.objects.filter(pk=author.pk).update(tweets_count=F("tweets_count") + 1)
        if reply_to is not None:
            _add_delta(reply_to.pk, replies=1)
            _engagement_after_commit(kind="reply", user_id=author.pk, tweet=reply_to, delta=1)
        if quote_of is not None:
            _add_delta(quote_of.pk, quotes=1)
            _engagement_after_commit(kind="quote", user_id=author.pk, tweet=quote_of, delta=1)
        _hooks_after_commit(tweet, created=True)
    return tweet


def edit_tweet(*, user: User, tweet: Tweet, text: str) -> Tweet:
    """Replace a tweet's text with a new immutable version (author only, within the edit rules)."""
    if tweet.author_id != user.pk:
        raise PermissionDenied("Only the author can edit a tweet.")
    if tweet.deleted_at is not None or tweet.retweet_of_id is not None:
        raise Http404("No such tweet.")
    parsed = _parse(text)
    with transaction.atomic():
        tweet = Tweet.objects.select_for_update().get(pk=tweet.pk)
        window = timedelta(seconds=settings.TWEET_EDIT_WINDOW_SECONDS)
        now = timezone.now()
        if now - tweet.created_at > window:
            minutes = settings.TWEET_EDIT_WINDOW_SECONDS // 60
            raise TweetRuleError(f"Tweets can only be edited within {minutes} minutes of posting.")
        if tweet.version - 1 >= settings.TWEET_MAX_EDITS:
            raise TweetRuleError(f"A tweet can be edited at most {settings.TWEET_MAX_EDITS} times.")
        if parsed.text == tweet.text:
            raise TweetRuleError("The new text is the same as the current one.")
        tweet.version += 1
        tweet.text = parsed.text
        tweet.edited_at = now
        tweet.save(update_fields=["version", "text", "edited_at"])
        TweetVersion.objects.create(tweet=tweet, number=tweet.version, text=parsed.text, created_at=now)
        _record_mentions_and_tags(tweet, parsed)
        _hooks_after_commit(tweet, created=False)
        _forget_cached_payload(tweet.pk)
    return tweet


def _take_back_engagement(*, kind: str, tweet: Tweet, target_id: int) -> None:
    """Take the deleted tweet's engagement with ``target_id`` back out of Popular, after commit.

    The counters keep a count per person, tweet and kind: someone with another live reply (or
    quote) to the same tweet stays counted once.
    """
    target = Tweet.objects.filter(pk=target_id).only("id", "author_id").first()
    if target is not None:
        _engagement_after_commit(kind=kind, user_id=tweet.author_id, tweet=target, delta=-1)


def _soft_delete(tweet: Tweet) -> bool:
    """Mark the tweet deleted once; fix counters and notify. Return False if it already was."""
    now = timezone.now()
    if not Tweet.objects.filter(pk=tweet.pk, deleted_at__isnull=True).update(deleted_at=now):
        return False
    tweet.deleted_at = now
    from timelines import services as timelines

    if tweet.retweet_of_id is not None:
        _add_delta(tweet.retweet_of_id, retweets=-1)
        hotcache.set_flag_after_commit(user_id=tweet.author_id, kind="retweet", tweet_id=tweet.retweet_of_id, on=False)
        _take_back_engagement(kind="retweet", tweet=tweet, target_id=tweet.retweet_of_id)
    else:
        User.objects.filter(pk=tweet.author_id, tweets_count__gt=0).update(tweets_count=F("tweets_count") - 1)
        if tweet.reply_to_id is not None:
            _add_delta(tweet.reply_to_id, replies=-1)
            _take_back_engagement(kind="reply", tweet=tweet, target_id=tweet.reply_to_id)
        if tweet.quote_of_id is not None:
            _add_delta(tweet.quote_of_id, quotes=-1)
            _take_back_engagement(kind="quote", tweet=tweet, target_id=tweet.quote_of_id)
        # Its retweets go with it (they are the same tweet in other people's lists).
        Tweet.objects.filter(retweet_of=tweet, deleted_at__isnull=True).update(deleted_at=now)
    tweet_id = tweet.pk
    transaction.on_commit(lambda: timelines.on_tweet_deleted(tweet_id=tweet_id), robust=True)
    return True


def delete_tweet(*, user: User, tweet: Tweet) -> None:
    """Delete a tweet (author only; 404 when already gone). Replies stay, pointing at a tombstone."""
    if tweet.deleted_at is not None:
        raise Http404("No such tweet.")
    if tweet.author_id != user.pk:
        raise PermissionDenied("Only the author can delete a tweet.")
    with transaction.atomic():
        if not _soft_delete(tweet):
            raise Http404("No such tweet.")


def remove_tweet(*, tweet: Tweet, moderator: User) -> bool:
    """Remove a tweet as a moderator: deleted like by its author, and marked as removed."""
    with transaction.atomic():
        removed = _soft_delete(tweet)
        if removed:
            Tweet.objects.filter(pk=tweet.pk).update(removed_by_moderator=True)
            tweet.removed_by_moderator = True
    return removed


# --------------------------------------------------------------------------- likes and retweets


def like_tweet(*, user: User, tweet: Tweet) -> Tweet:
    """Like a tweet (the original when given a retweet); liking twice is once. Return the liked tweet."""
    tweet = _visible_or_404(tweet)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO tweets_like (user_id, tweet_id, created_at) VALUES (%s, %s, now()) "
                "ON CONFLICT (user_id, tweet_id) DO NOTHING RETURNING id",
                [user.pk, tweet.pk],
            )
            inserted = cursor.fetchone() is not None
        if inserted:
            _add_delta(tweet.pk, likes=1)
            hotcache.set_flag_after_commit(user_id=user.pk, kind="like", tweet_id=tweet.pk, on=True)
            _engagement_after_commit(kind="like", user_id=user.pk, tweet=tweet, delta=1)
    return tweet


def unlike_tweet(*, user: User, tweet: Tweet) -> Tweet:
    """Take a like back; unliking twice is once."""
    tweet = _visible_or_404(tweet)
    with transaction.atomic():
        deleted, _ = Like.objects.filter(user=user, tweet=tweet).delete()
        if deleted:
            _add_delta(tweet.pk, likes=-1)
            hotcache.set_flag_after_commit(user_id=user.pk, kind="like", tweet_id=tweet.pk, on=False)
            _engagement_after_commit(kind="like", user_id=user.pk, tweet=tweet, delta=-1)
    return tweet


def retweet(*, user: User, tweet: Tweet) -> Tweet:
    """Retweet a tweet (the original when given a retweet); twice is once. Return the original."""
    original = _visible_or_404(tweet)
    try:
        with transaction.atomic():
            rt = Tweet.objects.create(author=user, retweet_of=original, text="")
            Tweet.objects.filter(pk=rt.pk).update(conversation_id=rt.pk)
            _add_delta(original.pk, retweets=1)
            hotcache.set_flag_after_commit(user_id=user.pk, kind="retweet", tweet_id=original.pk, on=True)
            _engagement_after_commit(kind="retweet", user_id=user.pk, tweet=original, delta=1)
            _hooks_after_commit(rt, created=True)
    except IntegrityError:
        pass  # already retweeted (the partial unique constraint): idempotent
    return original


def undo_retweet(*, user: User, tweet: Tweet) -> Tweet:
    """Undo the user's retweet of a tweet; undoing twice is once."""
    original = _visible_or_404(tweet)
    with transaction.atomic():
        rt = Tweet.objects.filter(author=user, retweet_of=original, deleted_at__isnull=True).first()
        if rt is not None:
            _soft_delete(rt)  # takes the retweet back out of Popular after commit
    return original


# --------------------------------------------------------------------------- counters


def schedule_counter_flush() -> None:
    """Ask for a flush of pending counter deltas soon (at most one pending request at a time)."""
    from django_redis import get_redis_connection

    from tweets.keys import flush_pending_key
    from tweets.tasks import flush_counter_deltas

    try:
        if not get_redis_connection("default").set(flush_pending_key(), "1", nx=True, ex=5):
            return
    except Exception:  # Redis down: flush anyway; the lock keeps it single
        pass
    flush_counter_deltas.apply_async(countdown=2)


def flush_counter_deltas(*, batch: int = 10_000) -> int:
    """Fold pending CounterDelta rows into the Tweet counters; return how many rows were folded.

    One statement deletes a batch of deltas and adds their sums to the tweets, so a reader sees
    either the deltas or the updated columns, never both or neither. The Redis copies of the
    folded tweets' counters are then rewritten with exact values (tweets/hotcache.py).
    """
    from django_redis import get_redis_connection

    from tweets.keys import flush_pending_key
    from tweets.selectors import counts_for

    try:
        get_redis_connection("default").delete(flush_pending_key())
    except Exception:
        pass
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FLUSH_LOCK_ID])
            if not cursor.fetchone()[0]:
                return total
            cursor.execute(
                """
                WITH moved AS (
                    DELETE FROM tweets_counterdelta
                    WHERE id IN (SELECT id FROM tweets_counterdelta ORDER BY id LIMIT %s)
                    RETURNING tweet_id, likes, retweets, replies, quotes
                ), agg AS (
                    SELECT tweet_id, SUM(likes) AS l, SUM(retweets) AS r, SUM(replies) AS p, SUM(quotes) AS q,
                           COUNT(*) AS n
                    FROM moved GROUP BY tweet_id
                )
                UPDATE tweets_tweet t
                SET like_count = t.like_count + agg.l, retweet_count = t.retweet_count + agg.r,
                    reply_count = t.reply_count + agg.p, quote_count = t.quote_count + agg.q
                FROM agg WHERE t.id = agg.tweet_id
                RETURNING t.id, agg.n
                """,
                [batch],
            )
            rows = cursor.fetchall()
        moved = sum(int(n) for _, n in rows)
        hotcache.refresh_counts(counts_for([tweet_id for tweet_id, _ in rows]))
        total += moved
        if moved < batch:
            return total
