"""Home timelines: react to tweets, deletions and follows (see docs/timelines.md).

Every function here is called by another app's service through ``transaction.on_commit``,
with ids only, and must be idempotent.
"""

from __future__ import annotations


def on_tweet_created(*, tweet_id: int) -> None:
    """Put a new tweet or retweet into its author's followers' timelines."""


def on_tweet_deleted(*, tweet_id: int) -> None:
    """Take a deleted tweet (and its retweets) out of every timeline."""


def on_follow(*, follower_id: int, followee_id: int) -> None:
    """Backfill the followee's recent tweets into the follower's timeline."""


def on_unfollow(*, follower_id: int, followee_id: int) -> None:
    """Remove the followee's tweets from the follower's timeline."""


def on_user_returned(*, user_id: int) -> None:
    """Rebuild the timeline of a user who comes back after being inactive."""
