"""What signed-out viewers get from Explore: the same bytes for everyone until the next ranking run.

Two levels: this process's memory (checked against the snapshot's version at most once a
second, so a busy worker makes no Redis call at all for most requests) and the shared Django
cache (so every worker renders a snapshot once). Both are keyed by the snapshot's version, so a
new run of the ranking job is visible within a second.

Whole signed-out pages (``page``) are frames (``tweets.templatetags.frames``): ``base.html``
and the cached body rendered once per version, the CSRF token filled in per request. The parsed
snapshots themselves (``snapshot``) are kept per version too, for signed-in viewers' lists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import orjson
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from trending import counters
from tweets.templatetags import frames

VERSION_CHECK_SECONDS = 1.0
_lock = threading.Lock()
_versions: dict[str, tuple[float, str]] = {}
_bodies: dict[tuple, object] = {}
_snapshots: dict[str, tuple[str, dict | None]] = {}
PAGE_FRAMES = frames.FrameCache(64)


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


def snapshot(snapshot_key: str, prepare: Callable[[dict], dict] | None = None) -> dict | None:
    """Return the parsed snapshot (shared: do not modify it), read and prepared once per version.

    ``prepare`` (one per snapshot key) turns it into what readers need, e.g. without hidden
    entries. Without a version stamp (a snapshot written by hand) it is read every time.
    """
    version = version_of(snapshot_key)
    held = _snapshots.get(snapshot_key)
    if held is not None and held[0] == version and version != "none":
        return held[1]
    raw = counters.redis().get(snapshot_key)
    data = orjson.loads(raw) if raw else None
    if data is not None and prepare is not None:
        data = prepare(data)
    _snapshots[snapshot_key] = (version, data)
    return data


def page(request, template_name: str, context: dict, *, name: str, snapshot_key: str, variant: str) -> HttpResponse:
    """Render a signed-out page (layout included) once per snapshot version; fill in this request's CSRF token.

    ``context`` must hold only what is the same for every signed-out visitor of this variant.
    """
    if request.user.is_authenticated:
        raise ValueError("pagecache.page serves signed-out visitors only.")
    key = (name, snapshot_key, version_of(snapshot_key), variant)
    return frames.render_page(PAGE_FRAMES, request, template_name, key, context)
