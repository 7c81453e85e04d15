"""Opaque API tokens: random strings handed out once, stored only as SHA-256 digests."""

import hashlib
import logging
import secrets
from collections.abc import Iterable

from django_redis import get_redis_connection
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def new_token() -> str:
    """Return a fresh random token string."""
    return secrets.token_urlsafe(32)


def token_digest(raw: str) -> str:
    """Return the digest under which a token is stored."""
    return hashlib.sha256(raw.encode()).hexdigest()


ACCESS_CACHE_SECONDS = 60  # how long a verified access token is trusted from Redis (revoking forgets it)


def access_cache_key(digest: str) -> str:
    """Return the Redis key under which a verified access token is remembered."""
    return f"auth:access:{digest}"


def forget_access(digests: Iterable[str]) -> None:
    """Forget remembered access tokens now (they were revoked); a Redis outage only logs."""
    keys = [access_cache_key(d) for d in digests]
    if not keys:
        return
    try:
        get_redis_connection("default").delete(*keys)
    except RedisError:
        log.warning("could not forget revoked access tokens", exc_info=True)
