"""Sessions: Django's cached_db engine, whose cache read also brings the signed-in person's Redis copy.

A signed-in request used to start with two Redis round trips before its view ran: the session
from the cache, then the person's row copy (``accounts.usercache``), whose key needs the user id
the session holds. The session cache (``SESSION_CACHE_ALIAS``) stores sessions as JSON, so one
Lua call (``usercache.read_session``) reads the session, finds the user id in it and returns the
copy with it. What happens with the copy (checked against the session's hash, else Django's own
lookup) is unchanged: ``usercache.install``.

Sessions stay in PostgreSQL too (a cache miss or a Redis outage reads them there), as with
``cached_db``.

Both are kept in the process's near cache (``twitter_site.nearcache``) once read: a signed-in
request whose session and person have not changed since this process last saw them makes no
Redis round trip for them at all.
"""

from __future__ import annotations

import logging

import orjson
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db

from accounts import usercache
from twitter_site import nearcache

log = logging.getLogger(__name__)

nearcache.track(f"{settings.CACHES[settings.SESSION_CACHE_ALIAS]['KEY_PREFIX']}:")


class SessionStore(cached_db.SessionStore):
    # The person's copy read with the session: bytes, None when there is none, NOT_READ when not
    # asked (a cache miss, Redis down): then ``usercache.install`` reads it itself.
    user_copy: bytes | None | object = usercache.NOT_READ

    def load(self) -> dict:
        # Session keys are letters and digits (Django makes them): no key validation needed.
        cache_key = self._cache.make_key(self.cache_key)
        near = nearcache.current()
        found = _from_near_cache(near, cache_key) if near is not None else None
        token = None
        if found is None:
            token = near.watch() if near is not None else None
            found = usercache.read_session(cache_key)
        if found is not None:
            raw, self.user_copy = found
            try:
                data = orjson.loads(raw)  # the alias's JSON serializer wrote it (no compression)
            except orjson.JSONDecodeError:
                data = None
            if isinstance(data, dict):
                if token is not None:  # read from Redis just now: keep it for the next request
                    _keep(near, token, cache_key, raw, data, self.user_copy)
                return data
            log.warning("unreadable cached session; reading it from PostgreSQL")
        self.user_copy = usercache.NOT_READ
        session = self._get_session_from_db()
        if session is None:
            return {}
        data = self.decode(session.session_data)
        self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=session.expire_date))
        return data


def _from_near_cache(near: nearcache.NearCache, cache_key: str) -> tuple[bytes, bytes | None] | None:
    """Return (the session's bytes, the person's copy) as ``usercache.read_session`` would, or None."""
    held = near.get(cache_key)  # (the session's bytes, the user id in it or None)
    if held is nearcache.MISSING:
        return None
    raw, user_id = held
    copy = near.get(usercache.user_key(user_id)) if user_id else None
    return None if copy is nearcache.MISSING else (raw, copy)


def _keep(near: nearcache.NearCache, token: int, cache_key: str, raw: bytes, data: dict, copy: bytes | None) -> None:
    user_id = data.get(SESSION_KEY)
    if not (isinstance(user_id, str) and user_id.isdigit()):  # as the Lua call reads it
        user_id = None
    values = {cache_key: (raw, user_id)}
    if user_id:
        values[usercache.user_key(user_id)] = copy
    near.keep(token, values)
