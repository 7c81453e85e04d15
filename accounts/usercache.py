"""What every signed-in request needs about its person, copied in Redis: their row and whom they follow.

Without it, each signed-in page costs two SQL queries before it renders anything: Django's
session authentication reads the user row, and any page with follow buttons (Popular, profiles,
people lists) asks which of the people shown the viewer follows. Both change rarely and only
through ``accounts.services`` (or a model ``save()``), so both are kept in Redis for a few
minutes and forgotten when they change:

- **The user row** (``acct:user:<id>``): every column but the password and the three counters
  (which change with other people's actions), plus the session authentication hash that Django
  compares with the session's. ``install`` (run by ``accounts.middleware``) puts a ``User`` built
  from it on ``request.user`` when the session names that user, the backend is still configured,
  the hash matches and the account is active; anything else (a miss, a changed password, a
  suspension) takes Django's own path, which reads PostgreSQL and flushes a stale session. The
  password and counters are deferred fields: reading one loads it from PostgreSQL.
- **The followees** (``acct:fw:<id>``): a set of the ids a person follows, with ``0`` as a
  marker that the set is complete. ``followed_among`` answers "which of these does the viewer
  follow" with one ``SMISMEMBER``; a miss reads every followee once (one query, the same count as
  the targeted query it replaces) and stores them. For people following more than
  ``FOLLOWEES_MAX`` the set holds only a ``-1`` marker and the targeted query is asked instead
  (their set would be large).

**Staleness**: a change forgets the copy now and again after commit, and bumps the key's
*generation*. A miss reads the generation before PostgreSQL and stores its copy only if the
generation is still the same (one Lua call), so a request that read the old row before the
commit cannot write it back afterwards. The TTL bounds what no hook sees (a raw SQL update, a
re-seeded database). Suspension also ends the person's sessions at once
(``services.suspend_user``), so a suspended account is signed out whatever the cache holds.
A Redis outage falls back to PostgreSQL and only logs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

import orjson
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.crypto import constant_time_compare
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from accounts.models import Follow, User
from twitter_site import lua, nearcache

log = logging.getLogger(__name__)

USER_TTL = 300
FOLLOWEES_TTL = 300
GENERATION_TTL = 86400  # longer than any request: a generation that expired mid-miss only skips a store
FOLLOWEES_MAX = 5000
# Members of a followee set that are not user ids: the set is complete; the person follows too many.
COMPLETE, TOO_MANY = 0, -1

# Columns kept in Redis: not the password (only the hash the session is checked against), not the
# counters (other people's follows and tweets change them; they load from PostgreSQL when read).
_NOT_CACHED = {"password", "followers_count", "following_count", "tweets_count"}
CACHED_FIELDS = tuple(f.attname for f in User._meta.concrete_fields if f.attname not in _NOT_CACHED)
_CACHED_NAMES = frozenset(CACHED_FIELDS)
_DATETIMES = {f.attname for f in User._meta.concrete_fields if isinstance(f, models.DateTimeField)}


def _redis():
    return get_redis_connection("default")


def user_key(user_id: int) -> str:
    return f"acct:user:{user_id}"


def followees_key(user_id: int) -> str:
    return f"acct:fw:{user_id}"


# Kept in the near cache: the copies with the sessions (accounts.sessions), follow states with cards.
nearcache.track(user_key(""), followees_key(""))


def _generation_key(key: str) -> str:
    return f"{key}:gen"


def _generation(key: str) -> str | None:
    """Return the key's generation (read before PostgreSQL on a miss), None when Redis is out."""
    try:
        return (_redis().get(_generation_key(key)) or b"").decode()
    except RedisError:
        log.warning("could not read the generation of %s", key, exc_info=True)
        return None


# --------------------------------------------------------------------------- forgetting


def _forget(keys: list[str]) -> None:
    """Delete ``keys`` and bump their generations, so that no reader that missed before stores an older copy."""
    try:
        with _redis().pipeline(transaction=True) as pipe:
            for key in keys:
                pipe.delete(key)
                pipe.incr(_generation_key(key))
                pipe.expire(_generation_key(key), GENERATION_TTL)
            pipe.execute()
    except RedisError:
        log.warning("could not forget cached account data %s", keys, exc_info=True)


def _forget_now_and_after_commit(keys: list[str]) -> None:
    # Now: this request (and a test inside one transaction) reads its own write. After commit:
    # a request that read the old rows while the transaction ran cannot keep them.
    _forget(keys)
    transaction.on_commit(lambda: _forget(keys), robust=True)


def forget_user(user_id: int) -> None:
    """Forget the copy of a user's row (profile edit, suspension, last seen, any ``save()``)."""
    _forget_now_and_after_commit([user_key(user_id)])


def forget_followees(user_id: int) -> None:
    """Forget whom a person follows (they followed or unfollowed someone)."""
    _forget_now_and_after_commit([followees_key(user_id)])


@receiver(post_save, sender=User, dispatch_uid="accounts.usercache.user_saved")
def _user_saved(sender, instance: User, created: bool, **kwargs) -> None:
    """A saved user (password change, log-in time, the admin) is read from PostgreSQL again."""
    if not created:
        forget_user(instance.pk)


@receiver(post_delete, sender=User, dispatch_uid="accounts.usercache.user_deleted")
def _user_deleted(sender, instance: User, **kwargs) -> None:
    """A deleted user's sessions find no copy, so Django signs them out."""
    forget_user(instance.pk)


# Stores a value unless the key was forgotten since the miss read its generation.
# KEYS: key, generation; ARGV: generation read, ttl, value.
_STORE = """
if (redis.call('get', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[3], 'EX', ARGV[2])
return 1
"""
# The same for a set, given in chunks (Lua's unpack has a limit). ARGV: generation, ttl, members...
_STORE_SET = """
if (redis.call('get', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('del', KEYS[1])
for i = 3, #ARGV, 1000 do
  redis.call('sadd', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('expire', KEYS[1], ARGV[2])
return 1
"""


# --------------------------------------------------------------------------- the user row


def _remember_user(user: User, generation: str) -> None:
    entry = {
        "fields": [getattr(user, name) for name in CACHED_FIELDS],
        "auth": user.get_session_auth_hash(),
    }
    key = user_key(user.pk)
    try:
        _redis().eval(_STORE, 2, key, _generation_key(key), generation, USER_TTL, orjson.dumps(entry))
    except RedisError:
        log.warning("could not remember user %s", user.pk, exc_info=True)


# Parsed copies by their bytes (the near cache hands out the same bytes until the copy changes):
# a signed-in request then builds its User without parsing JSON or dates.
_parsed: dict[bytes, tuple[list, str]] = {}
PARSED_MAX = 1024


def _copy_of(raw: bytes) -> tuple[User, str]:
    parsed = _parsed.get(raw)
    if parsed is None:
        entry = orjson.loads(raw)
        values = [
            datetime.fromisoformat(value) if name in _DATETIMES and value is not None else value
            for name, value in zip(CACHED_FIELDS, entry["fields"], strict=True)
        ]
        parsed = (values, entry["auth"])
        if len(_parsed) >= PARSED_MAX:
            _parsed.clear()
        _parsed[raw] = parsed
    values, auth = parsed
    return User.from_db("default", _CACHED_NAMES, values), auth  # from_db copies the values


def _recall_user(user_id: int) -> tuple[User, str] | None:
    try:
        raw = _redis().get(user_key(user_id))
    except RedisError:
        log.warning("could not read cached user %s", user_id, exc_info=True)
        return None
    return None if raw is None else _copy_of(raw)


# The session (a JSON cache entry, ``accounts.sessions``) and the copy of the person it names, in
# one round trip. KEYS: the session's cache key. ARGV: the copies' key prefix. Returns {session
# or false, copy or false}. The copy's key is not in KEYS (it depends on the session): one Redis.
_SESSION_AND_USER = """
local raw = redis.call('GET', KEYS[1])
if not raw then return {false, false} end
local ok, data = pcall(cjson.decode, raw)
if not ok or type(data) ~= 'table' then return {raw, false} end
local id = data['_auth_user_id']
if type(id) ~= 'string' or not string.match(id, '^%d+$') then return {raw, false} end
return {raw, redis.call('GET', ARGV[1] .. id)}
"""
NOT_READ = object()  # a session store's ``user_copy`` when the copy was not read with the session


def read_session(cache_key: str) -> tuple[bytes, bytes | None] | None:
    """Return (the cached session's bytes, the Redis copy of the person it names or None); None on a miss or an outage."""
    try:
        raw, copy = lua.script("session_and_user", _SESSION_AND_USER)(keys=[cache_key], args=[user_key("")])
    except RedisError:
        log.warning("could not read the cached session", exc_info=True)
        return None
    return None if raw is None else (raw, copy)


def install(request) -> None:
    """Put the signed-in user on ``request.user`` from Redis when the copy is valid for this session.

    Must run after Django's ``AuthenticationMiddleware`` and before anything reads ``request.user``.
    On a miss, Django's own lookup runs (one query) and its result is remembered. The copy comes
    with the session when the session engine read both (``accounts.sessions``), else one GET.
    """
    session = getattr(request, "session", None)
    if session is None:
        return
    user_id = session.get(SESSION_KEY)
    if user_id is None or session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return  # signed out (or a backend no longer configured: Django signs them out)
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return
    copy = getattr(session, "user_copy", NOT_READ)
    recalled = _recall_user(user_id) if copy is NOT_READ else _copy_of(copy) if copy is not None else None
    if recalled is not None and recalled[0].pk == user_id:
        user, auth_hash = recalled
        session_hash = session.get(HASH_SESSION_KEY)
        if user.is_active and session_hash and constant_time_compare(session_hash, auth_hash):
            request.user = user
            return
    generation = _generation(user_key(user_id)) if recalled is None else None
    user = request.user  # Django's lookup: verifies the session, flushes it when it is stale
    if generation is not None and user.is_authenticated and user.pk == user_id:
        _remember_user(user, generation)


# --------------------------------------------------------------------------- followees


def _followed_from_postgres(viewer_id: int, ids: list[int]) -> set[int]:
    return set(Follow.objects.filter(follower_id=viewer_id, followee_id__in=ids).values_list("followee_id", flat=True))


def _fill_followees(viewer_id: int) -> list[int] | None:
    """Store whom ``viewer_id`` follows (one query); return them, or None when they are too many to keep."""
    key = followees_key(viewer_id)
    generation = _generation(key)
    followees = list(
        Follow.objects.filter(follower_id=viewer_id).values_list("followee_id", flat=True)[: FOLLOWEES_MAX + 1]
    )
    members = followees if len(followees) <= FOLLOWEES_MAX else [TOO_MANY]
    try:
        if generation is not None:
            _redis().eval(_STORE_SET, 2, key, _generation_key(key), generation, FOLLOWEES_TTL, COMPLETE, *members)
    except RedisError:
        log.warning("could not remember followees of %s", viewer_id, exc_info=True)
    return followees if members is followees else None


def followees_question(viewer_id: int, user_ids: Sequence[int]) -> tuple[str, list[int]]:
    """Return the set and members whose SMISMEMBER answers ``followed_among`` (asked within another call)."""
    return followees_key(viewer_id), [COMPLETE, TOO_MANY, *user_ids]


def followed_from_answers(viewer_id: int, user_ids: Sequence[int], answers: Sequence[int] | None) -> set[int]:
    """Return which of ``user_ids`` the person follows from the answers to ``followees_question``.

    ``answers`` None (Redis failed) or an incomplete set: one query (and the set is filled).
    """
    ids = list(user_ids)
    if answers is not None:
        complete, too_many, *found = answers
        if complete and not too_many:
            return {i for i, yes in zip(ids, found, strict=True) if yes}
        followees = None if too_many else _fill_followees(viewer_id)
        if followees is not None:
            return set(followees) & set(ids)
    return _followed_from_postgres(viewer_id, ids)


def followed_among(viewer_id: int, user_ids: Iterable[int]) -> set[int]:
    """Return which of ``user_ids`` the person ``viewer_id`` follows: one Redis call, a query on a miss."""
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return set()
    key, members = followees_question(viewer_id, ids)
    try:
        answers = _redis().smismember(key, members)
    except RedisError:
        log.warning("could not read cached followees of %s", viewer_id, exc_info=True)
        answers = None
    return followed_from_answers(viewer_id, ids, answers)
