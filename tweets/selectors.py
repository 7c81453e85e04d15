"""Reads of tweets: counters, the viewer's state, lists (keyset), the tweet page's thread."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from accounts.models import User
from tweets.models import Like, Tweet, TweetHashtag

ZERO_COUNTS = {"likes": 0, "retweets": 0, "replies": 0, "quotes": 0}
NO_STATE = {"liked": False, "retweeted": False}


def known_usernames(names: Iterable[str]) -> set[str]:
    """Return which of ``names`` are active accounts, lower-cased (one query; none for no names)."""
    wanted = {name.lower() for name in names}
    if not wanted:
        return set()
    found = User.objects.filter(is_active=True).annotate(lname=Lower("username")).filter(lname__in=wanted)
    return set(found.values_list("lname", flat=True))


def _int_ids(ids: Iterable) -> list[int]:
    return list({int(i) for i in ids})


_COUNTS_AND_STATE = """
WITH req AS (
    SELECT t.id AS req_id, COALESCE(t.retweet_of_id, t.id) AS tid FROM tweets_tweet t WHERE t.id = ANY(%(ids)s)
)
SELECT req.req_id,
       c.like_count + COALESCE(d.likes, 0), c.retweet_count + COALESCE(d.retweets, 0),
       c.reply_count + COALESCE(d.replies, 0), c.quote_count + COALESCE(d.quotes, 0),
       %(uid)s::bigint IS NOT NULL AND EXISTS (
           SELECT 1 FROM tweets_like l WHERE l.user_id = %(uid)s::bigint AND l.tweet_id = req.tid),
       %(uid)s::bigint IS NOT NULL AND EXISTS (
           SELECT 1 FROM tweets_tweet r WHERE r.author_id = %(uid)s::bigint AND r.retweet_of_id = req.tid
           AND r.deleted_at IS NULL)
FROM req
JOIN tweets_tweet c ON c.id = req.tid
LEFT JOIN (
    SELECT tweet_id, SUM(likes) AS likes, SUM(retweets) AS retweets, SUM(replies) AS replies, SUM(quotes) AS quotes
    FROM tweets_counterdelta WHERE tweet_id IN (SELECT tid FROM req) GROUP BY tweet_id
) d ON d.tweet_id = req.tid
"""


def counts_and_state(user, ids: Iterable) -> tuple[dict[int, dict], dict[int, dict]]:
    """Return (exact counters, the viewer's liked / retweeted) per id in ONE query.

    Counters are the Tweet columns plus pending deltas (see docs/counters.md). A retweet id gets the
    counters and state of the tweet it retweets (what its card shows). Anonymous viewers (or None)
    get NO_STATE for every id.
    """
    wanted = _int_ids(ids)
    if not wanted:
        return {}, {}
    uid = user.pk if user is not None and user.is_authenticated else None
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_AND_STATE, {"ids": wanted, "uid": uid})
        rows = cursor.fetchall()
    counts = {
        r[0]: {"likes": int(r[1]), "retweets": int(r[2]), "replies": int(r[3]), "quotes": int(r[4])} for r in rows
    }
    state = {i: dict(NO_STATE) for i in wanted}
    state.update({r[0]: {"liked": bool(r[5]), "retweeted": bool(r[6])} for r in rows})
    return counts, state


def counts_for(ids: Iterable) -> dict[int, dict]:
    """Return exact counters per id in one query (see counts_and_state)."""
    return counts_and_state(None, ids)[0]


def viewer_state(user, ids: Iterable) -> dict[int, dict]:
    """Return {"liked", "retweeted"} per id for ``user`` (one query; none for anonymous users)."""
    wanted = _int_ids(ids)
    if user is None or not user.is_authenticated:
        return {i: dict(NO_STATE) for i in wanted}
    return counts_and_state(user, wanted)[1]


# --------------------------------------------------------------------------- single tweets


def get_visible_tweet(tweet_id) -> Tweet:
    """Return a visible tweet (not deleted, author not suspended) or raise Http404."""
    try:
        tweet_id = int(tweet_id)
    except (TypeError, ValueError):
        raise Http404("No such tweet.") from None
    tweet = Tweet.objects.visible().select_related("author").filter(pk=tweet_id).first()
    if tweet is None:
        raise Http404("No such tweet.")
    return tweet


def get_original(tweet_id) -> Tweet:
    """Return the visible tweet a like or retweet targets: the original when given a retweet."""
    tweet = get_visible_tweet(tweet_id)
    if tweet.retweet_of_id is not None:
        tweet = get_visible_tweet(tweet.retweet_of_id)
    return tweet


def ancestor_ids(tweet: Tweet) -> list[int]:
    """Return the ids of the tweets above ``tweet`` in its thread, root first (one query, any depth)."""
    if tweet.reply_to_id is None:
        return []
    sql = """
        WITH RECURSIVE up(id, reply_to_id, depth) AS (
            SELECT id, reply_to_id, 1 FROM tweets_tweet WHERE id = %s
            UNION ALL
            SELECT t.id, t.reply_to_id, up.depth + 1 FROM tweets_tweet t JOIN up ON t.id = up.reply_to_id
            WHERE up.depth < 1000
        )
        SELECT id FROM up ORDER BY depth DESC
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [tweet.reply_to_id])
        return [row[0] for row in cursor.fetchall()]


# --------------------------------------------------------------------------- lists (keyset)


def _live_retweet_filter() -> Q:
    """Match plain tweets, and retweets whose original is still visible."""
    return Q(retweet_of__isnull=True) | Q(retweet_of__deleted_at__isnull=True, retweet_of__author__is_active=True)


def list_profile_tweets(profile: User) -> QuerySet[Tweet]:
    """Return the Tweets tab: the user's tweets (no replies) and retweets, newest first."""
    return (
        Tweet.objects.visible()
        .filter(author=profile, reply_to__isnull=True)
        .filter(_live_retweet_filter())
        .order_by("-id")
    )


def list_profile_replies(profile: User) -> QuerySet[Tweet]:
    """Return the Replies tab: everything the user posted, replies included, newest first."""
    return Tweet.objects.visible().filter(author=profile).filter(_live_retweet_filter()).order_by("-id")


def list_profile_likes(profile: User) -> QuerySet[Like]:
    """Return the user's likes of visible tweets, newest like first (Like ids are the cursor)."""
    return (
        Like.objects.filter(user=profile, tweet__deleted_at__isnull=True, tweet__author__is_active=True)
        .order_by("-id")
        .values_list("id", "tweet_id")
    )


def list_replies(tweet: Tweet) -> QuerySet[Tweet]:
    """Return the visible direct replies to ``tweet``, oldest first (a conversation reads down)."""
    return Tweet.objects.visible().filter(reply_to=tweet).order_by("id")


def list_quotes(tweet: Tweet) -> QuerySet[Tweet]:
    """Return the visible quote tweets of ``tweet``, newest first."""
    return Tweet.objects.visible().filter(quote_of=tweet).order_by("-id")


def list_likers(tweet: Tweet) -> QuerySet[Like]:
    """Return (like id, user) pairs of active users who liked ``tweet``, newest first."""
    return Like.objects.filter(tweet=tweet, user__is_active=True).select_related("user").order_by("-id")


def list_retweeters(tweet: Tweet) -> QuerySet[Tweet]:
    """Return the live retweets of ``tweet`` by active users, newest first."""
    return Tweet.objects.visible().filter(retweet_of=tweet).select_related("author").order_by("-id")


def list_hashtag_tweets(name: str) -> QuerySet[TweetHashtag]:
    """Return (tweet id, tweet id) of visible tweets tagged ``name`` (normalised), newest first.

    Driven by the (hashtag, -tweet) index; page with ``field="tweet_id"``.
    """
    if "\x00" in name:  # can be in a URL, never in a hashtag (and PostgreSQL refuses it in a query)
        return TweetHashtag.objects.none().values_list("tweet_id", "tweet_id")
    return (
        TweetHashtag.objects.filter(hashtag__name=name, tweet__deleted_at__isnull=True, tweet__author__is_active=True)
        .order_by("-tweet_id")
        .values_list("tweet_id", "tweet_id")
    )


def page_of(queryset, *, cursor: int | None, size: int, field: str = "id", ascending: bool = False):
    """Return (rows, next_cursor) of a keyset page: rows after ``cursor`` in the queryset's order."""
    if cursor is not None:
        queryset = queryset.filter(**{f"{field}__{'gt' if ascending else 'lt'}": cursor})
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not rows or not more:
        return rows, None
    last = rows[-1]
    if isinstance(last, tuple):
        return rows, last[0]
    return rows, getattr(last, field)
