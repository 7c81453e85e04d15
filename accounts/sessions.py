"""Sessions: Django's cached_db engine, whose cache read also brings the signed-in person's Redis copy.

A signed-in request used to start with two Redis round trips before its view ran: the session
from the cache, then the person's row copy (``accounts.usercache``), whose key needs the user id
the session holds. The session cache (``SESSION_CACHE_ALIAS``) stores sessions as JSON, so one
Lua call (``usercache.read_session``) reads the session, finds the user id in it and returns the
copy with it. What happens with the copy (checked against the session's hash, else Django's own
lookup) is unchanged: ``usercache.install``.

Sessions stay in PostgreSQL too (a cache miss or a Redis outage reads them there), as with
``cached_db``.
"""

from __future__ import annotations

import logging

import orjson
from django.contrib.sessions.backends import cached_db

from accounts import usercache

log = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    # The person's copy read with the session: bytes, None when there is none, NOT_READ when not
    # asked (a cache miss, Redis down): then ``usercache.install`` reads it itself.
    user_copy: bytes | None | object = usercache.NOT_READ

    def load(self) -> dict:
        # Session keys are letters and digits (Django makes them): no key validation needed.
        found = usercache.read_session(self._cache.make_key(self.cache_key))
        if found is not None:
            raw, self.user_copy = found
            try:
                data = orjson.loads(raw)  # the alias's JSON serializer wrote it (no compression)
            except orjson.JSONDecodeError:
                data = None
            if isinstance(data, dict):
                return data
            log.warning("unreadable cached session; reading it from PostgreSQL")
        self.user_copy = usercache.NOT_READ
        session = self._get_session_from_db()
        if session is None:
            return {}
        data = self.decode(session.session_data)
        self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=session.expire_date))
        return data
