"""Login throttling: count failed log-ins per username and per client IP in Redis, with expiry.

A window opens at the first failure and lasts ``LOGIN_FAILURE_WINDOW_SECONDS``; once a username
has ``LOGIN_FAILURE_LIMIT`` failures in it (or an IP ``LOGIN_FAILURE_IP_LIMIT``, by default four
times as many), further attempts are refused until the window's key expires. A successful log-in
clears the username's counter. If Redis is unreachable, log-ins are allowed (availability first).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def login_failures_user_key(username: str) -> str:
    return f"login-fail:u:{username.lower()}"


def login_failures_ip_key(ip: str) -> str:
    return f"login-fail:ip:{ip}"


def user_limit() -> int:
    return settings.LOGIN_FAILURE_LIMIT


def ip_limit() -> int:
    return getattr(settings, "LOGIN_FAILURE_IP_LIMIT", settings.LOGIN_FAILURE_LIMIT * 4)


@dataclass(frozen=True)
class Block:
    """A refusal: ``retry_after`` seconds until the counter that tripped expires."""

    retry_after: int


def _keys(username: str, ip: str | None) -> list[tuple[str, int]]:
    keys = [(login_failures_user_key(username), user_limit())]
    if ip:
        keys.append((login_failures_ip_key(ip), ip_limit()))
    return keys


def check(*, username: str, ip: str | None) -> Block | None:
    """Return a Block when this username or IP has used up its failures, else None."""
    keys = _keys(username, ip)
    try:
        r = get_redis_connection("default")
        pipe = r.pipeline()
        for key, _ in keys:
            pipe.get(key)
            pipe.ttl(key)
        replies = pipe.execute()
    except RedisError:
        logger.warning("login throttle: Redis unavailable, allowing the attempt")
        return None
    waits = []
    for index, (_, limit) in enumerate(keys):
        count, ttl = replies[2 * index], replies[2 * index + 1]
        if count is not None and int(count) >= limit:
            waits.append(ttl if ttl and ttl > 0 else settings.LOGIN_FAILURE_WINDOW_SECONDS)
    return Block(retry_after=max(waits)) if waits else None


def record_failure(*, username: str, ip: str | None) -> None:
    """Count one failed attempt for the username and the IP (the window starts at the first)."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    try:
        pipe = get_redis_connection("default").pipeline()
        for key, _ in _keys(username, ip):
            pipe.set(key, 0, ex=window, nx=True)  # open the window (Redis 6.2 has no EXPIRE NX)
            pipe.incr(key)  # INCR keeps the expiry
        pipe.execute()
    except RedisError:
        logger.warning("login throttle: Redis unavailable, failure not counted")


def clear(*, username: str) -> None:
    """Forget the username's failures (after a successful log-in)."""
    try:
        get_redis_connection("default").delete(login_failures_user_key(username))
    except RedisError:
        pass


def retry_message(retry_after: int) -> str:
    """Say in words when to try again."""
    minutes, seconds = divmod(max(retry_after, 1), 60)
    if minutes == 0:
        when = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes += 1 if seconds else 0
        when = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"Too many failed log-in attempts. Try again in {when}."


def client_ip(request) -> str | None:
    """Return the client's address (REMOTE_ADDR; a proxy in front must set it, see docs/accounts.md)."""
    return request.META.get("REMOTE_ADDR") or None
