"""What signed-out viewers get from Explore: the same bytes for everyone until the next ranking run.

Two levels: this process's memory (checked against the snapshot's version at most once a
second, so a busy worker makes no Redis call at all for most requests) and the shared Django
cache (so every worker renders a snapshot once). Both are keyed by the snapshot's version, so a
new run of the ranking job is visible within a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from trending import counters

VERSION_CHECK_SECONDS = 1.0
_lock = threading.Lock()
_versions: dict[str, tuple[float, str]] = {}
_bodies: dict[tuple, object] = {}


def version_of(snapshot_key: str) -> str:
    """Return the snapshot's version, asking Redis at most once a second per process."""
    now = time.monotonic()
    checked = _versions.get(snapshot_key)
    # Tests rank and read within the same second: they always ask Redis.
    if checked and now - checked[0] < VERSION_CHECK_SECONDS and not settings.TESTING:
        return checked[1]
    version = counters.snapshot_version(snapshot_key)
    _versions[snapshot_key] = (now, version)
    return version


def cached(name: str, snapshot_key: str, variant: str, build: Callable[[], object]) -> object:
    """Return ``build()`` for this snapshot version and variant (a cursor), building it once."""
    version = version_of(snapshot_key)
    key = (name, snapshot_key, version, variant)
    body = _bodies.get(key)
    if body is not None:
        return body
    shared_key = f"explore:{name}:{snapshot_key}:{version}:{variant}"
    body = cache.get(shared_key)
    if body is None:
        body = build()
        cache.set(shared_key, body, 300)
    with _lock:
        if len(_bodies) > 64:  # old versions: drop them all, the current ones refill at once
            _bodies.clear()
        _bodies[key] = body
    return body
