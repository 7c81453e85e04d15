"""API authentication: ``Authorization: Bearer <access token>`` (see docs/api.md).

A verified access token is remembered in Redis for ``tokens.ACCESS_CACHE_SECONDS`` (at most until
it expires), so a request of an app costs one GET instead of a SQL query, and the user is loaded
from PostgreSQL only when a view reads more than their id (``LazyUser``). Revoking tokens (log-out,
suspension, a reused refresh token) forgets them at once (``tokens.forget_access``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework import authentication, exceptions

from accounts.middleware import SEEN_RESOLUTION
from accounts.tokens import ACCESS_CACHE_SECONDS, access_cache_key, token_digest

log = logging.getLogger(__name__)
INVALID = "The access token is invalid or expired; refresh it or log in again."


class LazyUser(SimpleLazyObject):
    """A signed-in user whose id is known; the row is read only when another field is needed."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user_id: int):
        from accounts.models import User

        super().__init__(lambda: User.objects.get(pk=user_id))
        self.__dict__["_user_id"] = user_id

    @property
    def pk(self) -> int:
        return self.__dict__["_user_id"]

    id = pk

    def __bool__(self) -> bool:
        return True


def _remember(digest: str, token, seen: datetime | None) -> None:
    ttl = min(ACCESS_CACHE_SECONDS, int((token.expires_at - timezone.now()).total_seconds()))
    if ttl <= 0:
        return
    entry = {
        "user": token.user_id,
        "token": token.pk,
        "family": token.family,
        "expires": token.expires_at.timestamp(),
        "seen": seen.timestamp() if seen else None,
    }
    try:
        get_redis_connection("default").set(access_cache_key(digest), orjson.dumps(entry), ex=ttl)
    except RedisError:
        log.warning("could not remember an access token", exc_info=True)


def _recall(digest: str) -> dict | None:
    try:
        raw = get_redis_connection("default").get(access_cache_key(digest))
    except RedisError:
        return None
    return orjson.loads(raw) if raw else None


@dataclass(frozen=True, slots=True)
class RememberedToken:
    """``request.auth`` for a token verified from Redis: what views use of an ApiToken, no model."""

    pk: int
    user_id: int
    family: str
    expires_at: datetime


def _from_cache(entry: dict):
    expires_at = datetime.fromtimestamp(entry["expires"], tz=UTC)
    if expires_at <= timezone.now():
        raise exceptions.AuthenticationFailed(INVALID)
    token = RememberedToken(entry["token"], entry["user"], entry["family"], expires_at)
    seen = datetime.fromtimestamp(entry["seen"], tz=UTC) if entry["seen"] is not None else None
    return LazyUser(entry["user"]), token, seen


def _from_postgres(digest: str):
    from accounts.models import ApiToken

    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest, kind=ApiToken.Kind.ACCESS, revoked_at__isnull=True)
        .first()
    )
    if token is None or token.expires_at <= timezone.now():
        raise exceptions.AuthenticationFailed(INVALID)
    if not token.user.is_active:
        raise exceptions.AuthenticationFailed("This account is suspended.")
    return token.user, token, token.user.last_seen_at


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: use 'Bearer <access token>'.")
        digest = token_digest(header[1].decode("latin-1"))
        entry = _recall(digest)
        if entry is not None:
            user, token, seen = _from_cache(entry)
        else:
            user, token, seen = _from_postgres(digest)
        now = timezone.now()
        if seen is None or now - seen > SEEN_RESOLUTION:  # apps count as activity, like pages do
            from accounts.services import mark_seen

            mark_seen(user=user, now=now)
            seen = now
            entry = None
        if entry is None:
            _remember(digest, token, seen)
        return user, token

    def authenticate_header(self, request):
        return self.keyword
