"""Tweets, their versions, likes, mentions and hashtags.

A retweet is a Tweet row with ``retweet_of`` set and no text of its own, so every timeline is a
list of tweet ids. Tweets are soft-deleted (``deleted_at``): replies keep pointing at "This tweet
was deleted", and ids never change meaning.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from twitter_site.snowflake import next_id


class TweetQuerySet(models.QuerySet):
    def visible(self):
        """Keep tweets that are neither deleted nor by a suspended author."""
        return self.filter(deleted_at__isnull=True, author__is_active=True)

    def originals(self):
        """Keep tweets with text of their own (no plain retweets)."""
        return self.filter(retweet_of__isnull=True)


class Tweet(models.Model):
    id = models.BigIntegerField(primary_key=True, default=next_id, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tweets")
    # The newest version's text ("" for a plain retweet). Every version is in TweetVersion.
    text = models.TextField(blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies", db_index=False
    )
    # Which version of the parent / quoted tweet this reply or quote answered.
    reply_to_version = models.PositiveSmallIntegerField(null=True, blank=True)
    # Root of the thread (the tweet itself for a root); lets a conversation be fetched at once.
    conversation_id = models.BigIntegerField(null=True, blank=True)
    quote_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes", db_index=False
    )
    quote_of_version = models.PositiveSmallIntegerField(null=True, blank=True)
    retweet_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="retweets", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveSmallIntegerField(default=1)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    removed_by_moderator = models.BooleanField(default=False)
    # Exact counters as of the last flush (see docs/counters.md).
    like_count = models.PositiveIntegerField(default=0)
    retweet_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    quote_count = models.PositiveIntegerField(default=0)

    objects = TweetQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "retweet_of"],
                condition=models.Q(retweet_of__isnull=False, deleted_at__isnull=True),
                name="tweet_retweet_once",
            ),
        ]
        indexes = [
            # profile timeline, pull query (LATERAL per followee), rebuilds
            models.Index(
                fields=["author", "-id"], name="tweet_author_live_idx", condition=models.Q(deleted_at__isnull=True)
            ),
            models.Index(
                fields=["reply_to", "id"], name="tweet_reply_to_idx", condition=models.Q(reply_to__isnull=False)
            ),
            models.Index(
                fields=["quote_of", "-id"], name="tweet_quote_of_idx", condition=models.Q(quote_of__isnull=False)
            ),
            models.Index(
                fields=["retweet_of", "-id"], name="tweet_retweet_of_idx", condition=models.Q(retweet_of__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} by {self.author_id}"

    @property
    def is_retweet(self) -> bool:
        return self.retweet_of_id is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_edited(self) -> bool:
        return self.version > 1


class TweetVersion(models.Model):
    """One immutable version of a tweet's text; number 1 is the original."""

    tweet = models.ForeignKey(Tweet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tweet", "number"], name="tweet_version_unique")]
        ordering = ["tweet", "number"]

    def __str__(self) -> str:
        return f"{self.tweet_id} v{self.number}"


class Like(models.Model):
    """``user`` likes ``tweet``. The id orders a user's Likes tab (newest like first)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    tweet = models.ForeignKey(Tweet, on_delete=models.CASCADE, related_name="likes", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tweet"], name="like_once")]
        indexes = [
            models.Index(fields=["tweet", "-id"], name="like_tweet_idx"),
            models.Index(fields=["user", "-id"], name="like_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.tweet_id}"


class Mention(models.Model):
    """``tweet`` mentions ``user`` (for links now, notifications later)."""

    tweet = models.ForeignKey(Tweet, on_delete=models.CASCADE, related_name="mentions", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tweet", "user"], name="mention_once")]
        indexes = [models.Index(fields=["user", "-tweet"], name="mention_user_idx")]


class Hashtag(models.Model):
    """A hashtag, stored case-folded (``#Django`` and ``#django`` are one tag)."""

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"#{self.name}"


class TweetHashtag(models.Model):
    tweet = models.ForeignKey(Tweet, on_delete=models.CASCADE, related_name="tweet_hashtags", db_index=False)
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="tweet_hashtags", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tweet", "hashtag"], name="tweet_hashtag_once")]
        indexes = [models.Index(fields=["hashtag", "-tweet"], name="tweet_hashtag_idx")]


class CounterDelta(models.Model):
    """An insert-only change to a tweet's counters, folded into Tweet by a flush (docs/counters.md).

    A like inserts a Like row and one of these rows; nothing on the request path updates the hot
    Tweet row, so concurrent likes never wait on one row lock. The exact count is the Tweet column
    plus the sum of the pending deltas, read in one statement.
    """

    id = models.BigAutoField(primary_key=True)
    tweet = models.ForeignKey(Tweet, on_delete=models.CASCADE, related_name="+", db_index=False)
    likes = models.SmallIntegerField(default=0)
    retweets = models.SmallIntegerField(default=0)
    replies = models.SmallIntegerField(default=0)
    quotes = models.SmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tweet"], name="counter_delta_tweet_idx")]

    def __str__(self) -> str:
        return f"delta on {self.tweet_id}"
