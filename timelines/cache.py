"""A cache of pre-serialized tweet payloads: orjson bytes per tweet id, read with one MGET.

The payload is ``tweets.presenters.tweet_payloads``' viewer-independent dict. Counters and the
viewer's state are never cached here: they come from their own round trip at read time, so a like
does not rewrite the cached bytes. The tweets app calls ``invalidate_tweet`` after an edit or a
delete commits; a TTL bounds staleness from anything else (an author renaming themself).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import orjson
from redis.exceptions import RedisError

from timelines.feeds import redis

PAYLOAD_TTL = 3600
log = logging.getLogger(__name__)


def payload_key(tweet_id: int) -> str:
    return f"tweet:payload:{tweet_id}"


def _build(ids: Sequence[int]) -> dict[int, dict]:
    from tweets.presenters import tweet_payloads

    return tweet_payloads(list(ids))


def get_payloads(ids: Sequence[int]) -> dict[int, dict]:
    """Return payload dicts by id: one MGET, misses built from PostgreSQL and cached."""
    if not ids:
        return {}
    try:
        connection = redis()
        blobs = connection.mget([payload_key(i) for i in ids])
    except RedisError:
        log.warning("payload cache unavailable; building from PostgreSQL", exc_info=True)
        return _build(ids)
    found: dict[int, dict] = {}
    missing: list[int] = []
    for tweet_id, blob in zip(ids, blobs):
        if blob is None:
            missing.append(tweet_id)
        else:
            found[tweet_id] = orjson.loads(blob)
    if missing:
        built = _build(missing)
        found.update(built)
        try:
            pipe = connection.pipeline(transaction=False)
            for tweet_id, payload in built.items():
                pipe.set(payload_key(tweet_id), orjson.dumps(payload), ex=PAYLOAD_TTL)
            pipe.execute()
        except RedisError:
            log.warning("could not fill the payload cache", exc_info=True)
    return found


def invalidate_tweet(tweet_id: int) -> None:
    """Forget the cached payload of a tweet and of the retweets and quotes that embed it."""
    from django.db.models import Q

    from tweets.models import Tweet

    embedding = list(
        Tweet.objects.filter(Q(retweet_of_id=tweet_id) | Q(quote_of_id=tweet_id) | Q(reply_to_id=tweet_id)).values_list(
            "id", flat=True
        )[:10_000]
    )
    keys = [payload_key(tweet_id), *(payload_key(i) for i in embedding)]
    try:
        connection = redis()
        for start in range(0, len(keys), 1000):
            connection.delete(*keys[start : start + 1000])
    except RedisError:
        log.warning("could not invalidate cached payloads of %s", tweet_id, exc_info=True)
