"""Popular and Trending: count engagement as it happens (see docs/ranking.md).

Called by the tweets app's services through ``transaction.on_commit``, with plain values.
``delta`` is +1 for an action and -1 for its undo.
"""

from __future__ import annotations


def record_tweet(*, tweet_id: int, author_id: int, text: str, created_at_ms: int) -> None:
    """Count the terms of a new (or newly edited) tweet for Trending."""


def record_engagement(*, kind: str, user_id: int, tweet_id: int, author_id: int, delta: int) -> None:
    """Count a like / retweet / reply / quote (``kind``) on a tweet for Popular and Trending."""
