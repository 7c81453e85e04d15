"""Near cache: this process's copy of hot Redis values, which Redis itself keeps honest.

A signed-in page used to make at least two Redis round trips before it could answer: the session
with the person's copy, then the cards with the viewer's flags. On these machines a round trip
costs 0.25-0.35 ms of CPU (the sleep and wake-up on both sides, far more than the bytes), more
than everything else a Popular page does. The values themselves rarely change between two reads.

Redis 6's client tracking in broadcast mode (``CLIENT TRACKING ON REDIRECT <id> BCAST PREFIX ...``)
sends the name of every key that changes under the tracked prefixes (a write, a Lua script's
write, an expiry, an eviction; ``None`` for a flush) to a connection of ours, and it writes that
message out before the writer's own reply (the broadcast is queued in the same event-loop
iteration, ahead of the replies; with Redis's I/O threads off, its default). So a process that
drains its connection before it reads (``sync``, a non-blocking ``recv``: ~2 µs) never serves a
value older than a write that some client has already seen acknowledged: read-your-writes holds
across processes (``test_a_change_by_another_client_takes_the_value_away_before_the_next_read``).

Storing a value read from Redis races with changes made meanwhile. ``watch`` notes how many
invalidations this copy has applied (each invalidated key is remembered with the message that
named it, the log trimmed when a new read starts); ``keep`` drains and does not store a key
invalidated since (nor anything after a flush), so a value read before a change can never be
stored after the change's message has been applied. A ``watch`` needs no ``keep`` (a read that
fails or finds nothing simply keeps nothing).
The copy is per thread (its connections and state are not shared), bounded (``MAX_ENTRIES``) and
each value is served for ``MAX_AGE`` seconds at most: a key that expired in Redis but that Redis
has not deleted yet (it deletes expired keys lazily) is not served for long after.

When the connection breaks (a Redis restart, a killed client) the copy empties and the callers
read Redis as before; set-up is retried at most once a second. ``CHIRP_NEAR_CACHE=0`` turns it
off. Who uses it: ``accounts.sessions`` (the session and the person's copy),
``timelines.cache.fetch`` (cards, counters, the viewer's flags, follow states) and
``trending.selectors`` (a viewer's affinity to the trends).
"""

from __future__ import annotations

import logging
import os
import ssl
import threading
import time
from collections.abc import Iterable, Mapping

import hiredis
from django.conf import settings
from redis.exceptions import ResponseError

log = logging.getLogger(__name__)

MAX_ENTRIES = 20_000  # cards are the largest values (~2 KB): ~40 MB a thread at most
MAX_AGE = 60.0
# Invalidated keys remembered for ``keep``: trimmed by the next ``watch`` past CHANGES_KNOWN (no
# read of this thread is in flight then, as a rule), and in any case past 10 times as many.
CHANGES_KNOWN = 10_000
RETRY_AFTER = 1.0
MISSING = object()  # what ``get`` returns for a key it does not hold

_prefixes: set[str] = set()
_declared = [0]  # bumped by each ``track``: a copy set up before a declaration starts again
_local = threading.local()
_NOTHING_YET = (BlockingIOError, InterruptedError, ssl.SSLWantReadError)


def track(*prefixes: str) -> None:
    """Declare key prefixes whose values may be kept (at import time, by the modules that keep them).

    Redis refuses overlapping prefixes for one client: ``a:`` and ``a:b:`` cannot both be tracked.
    """
    _prefixes.update(prefixes)
    _declared[0] += 1


class NearCache:
    """One thread's copy: ``sync`` before reading, ``get``; ``watch`` before a Redis read, ``keep`` after."""

    def __init__(self, prefixes: Iterable[str]):
        from django_redis import get_redis_connection

        self.prefixes = tuple(sorted(prefixes))
        self.declared = _declared[0]
        self.pid = os.getpid()
        self.values: dict[str, tuple[float, object]] = {}
        self.applied = 0  # invalidation messages applied so far (the ``watch`` token)
        self.changed: dict[str, int] = {}  # key -> the message that invalidated it last
        self.known_from = 0  # what changed before this message is no longer known key by key
        self.synced_at = time.monotonic()  # when ``sync`` last ran: ages are measured from it
        self.reader = hiredis.Reader()
        # Connections of its own, like the pool's (address, password, database, TLS) but outside
        # it: they are never handed to other code, and the pool's limit does not count them.
        pool = get_redis_connection("default").connection_pool
        self.listener = pool.connection_class(**pool.connection_kwargs)  # receives the invalidations
        self.tracker = pool.connection_class(**pool.connection_kwargs)  # holds the tracking on; idle
        try:
            self.listener.connect()
            self.listener.send_command("CLIENT", "ID")
            listener_id = self.listener.read_response()
            self.listener.send_command("SUBSCRIBE", "__redis__:invalidate")
            sock = self.listener._sock
            while self.reader.gets() is False:  # the subscription's confirmation
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("Redis closed the invalidation connection")
                self.reader.feed(chunk)
            self.tracker.connect()
            self.tracker.send_command("CLIENT", "ID")
            self.ids = {"listener": listener_id, "tracker": self.tracker.read_response()}
            args = ["CLIENT", "TRACKING", "ON", "REDIRECT", listener_id, "BCAST"]
            for prefix in self.prefixes:
                args += ["PREFIX", prefix]
            self.tracker.send_command(*args)
            self.tracker.read_response()
            sock.setblocking(False)
            self.tracker._sock.setblocking(False)
            self.socks = (sock, self.tracker._sock)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        self.values.clear()
        for connection in (self.listener, self.tracker):
            try:
                connection.disconnect()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass

    # ----------------------------------------------------------------- invalidations

    def sync(self) -> bool:
        """Apply every invalidation Redis has sent; return False when the copy is no longer usable."""
        listener, tracker = self.socks
        self.synced_at = time.monotonic()
        try:
            while True:
                chunk = listener.recv(65536)
                if not chunk:
                    raise ConnectionError("Redis closed the invalidation connection")
                self.reader.feed(chunk)
        except _NOTHING_YET:
            pass
        except (OSError, hiredis.ProtocolError) as exc:
            return self._broken(exc)
        try:
            # The tracking connection never receives anything: readable means closed or broken.
            tracker.recv(1)
            return self._broken(ConnectionError("the tracking connection closed"))
        except _NOTHING_YET:
            pass
        except OSError as exc:
            return self._broken(exc)
        try:
            while (message := self.reader.gets()) is not False:
                self._apply(message)
        except hiredis.ProtocolError as exc:
            return self._broken(exc)
        return True

    def _apply(self, message) -> None:
        # ``[b"invalidate", [keys]]`` (or as a pub/sub message: the channel before the keys); None keys: a flush.
        if not isinstance(message, list) or not message:
            return
        keys = message[-1]
        if message[0] in (b"subscribe", b"unsubscribe"):
            return
        self.applied += 1
        if keys is None or len(self.changed) > 10 * CHANGES_KNOWN:
            # A flush, or a long log of changes to forget: reads begun before cannot be kept.
            self.changed.clear()
            self.known_from = self.applied
            if keys is None:
                self.values.clear()
                return
        pop, changed, applied = self.values.pop, self.changed, self.applied
        for key in keys:
            name = key.decode()
            pop(name, None)
            changed[name] = applied

    def _broken(self, exc: BaseException) -> bool:
        log.warning("near cache off until it reconnects: %s", exc)
        self.close()
        _local.cache = None
        _local.retry_at = time.monotonic() + RETRY_AFTER
        return False

    # ----------------------------------------------------------------- values

    def get(self, key: str):
        """Return the kept value of ``key`` or MISSING (call ``sync`` first, once per batch of reads)."""
        found = self.values.get(key)
        if found is None:
            return MISSING
        if self.synced_at - found[0] > MAX_AGE:
            del self.values[key]
            return MISSING
        return found[1]

    def watch(self) -> int:
        """Return the token to give ``keep`` after reading Redis (take it before the read)."""
        self.sync()
        if len(self.changed) > CHANGES_KNOWN:
            self.changed.clear()
            self.known_from = self.applied  # a read begun before now can keep nothing
        return self.applied

    def keep(self, token: int, values: Mapping[str, object]) -> bool:
        """Store ``values`` read from Redis after ``watch`` returned ``token``, except those a change may have raced.

        A key invalidated after the token (or a flush after it) is not stored: its value may be
        older than the change. Returns whether every value was stored.
        """
        if not self.sync() or self.known_from > token:
            return False
        if len(self.values) + len(values) > MAX_ENTRIES:
            self.values.clear()  # simple and rare: the hot keys come back within a page or two
        stamp, changed, kept = time.monotonic(), self.changed, True
        for key, value in values.items():
            if not key.startswith(self.prefixes):
                raise ValueError(f"{key!r} is under no tracked prefix (nearcache.track)")
            if changed.get(key, -1) > token:
                kept = False
            else:
                self.values[key] = (stamp, value)
        return kept


def enabled() -> bool:
    return getattr(settings, "NEAR_CACHE", True)


def current() -> NearCache | None:
    """Return this thread's near cache, synced, or None (off, Redis unreachable, or a retry pending)."""
    cache = getattr(_local, "cache", None)
    if cache is not None and cache.pid == os.getpid() and cache.declared == _declared[0]:
        return cache if cache.sync() else None
    if not enabled() or not _prefixes:
        return None
    if cache is not None:  # a forked child, or prefixes declared since: start again
        if cache.pid == os.getpid():
            cache.close()
        _local.cache = None
    if time.monotonic() < getattr(_local, "retry_at", 0.0):
        return None
    try:
        cache = NearCache(_prefixes)
    except ResponseError as exc:  # a Redis that refuses tracking (before 6.0, or no CLIENT rights)
        log.warning("near cache off for this process: Redis refused client tracking: %s", exc)
        _local.retry_at = float("inf")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure only costs the speed-up
        log.warning("near cache unavailable: %s", exc)
        _local.retry_at = time.monotonic() + RETRY_AFTER
        return None
    _local.cache = cache
    return cache
