"""Celery jobs of the ranking queue (routed by task_routes): score Popular every minute, Trending every two
(beat), and prepare Trending's history cache when a worker starts."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from trending import counters, scoring

POPULAR_EVERY_SECONDS = 60
TRENDING_EVERY_SECONDS = 120


def _locked(name: str, seconds: int):
    """Return a Redis lock so two workers never score at once (the later run is skipped)."""
    return counters.redis().lock(f"{counters._prefix()}lock:{name}", timeout=seconds, blocking=False)


@shared_task(name="trending.score_popular", ignore_result=True)
def score_popular() -> int:
    """Rank the tweets of the rolling hour; return how many are listed."""
    lock = _locked("popular", POPULAR_EVERY_SECONDS)
    if not lock.acquire():
        return -1
    try:
        return len(scoring.compute_popular()["entries"])
    finally:
        lock.release()


@shared_task(name="trending.score_trending", ignore_result=True)
def score_trending() -> int:
    """Score every live term against its baseline; return how many trend."""
    lock = _locked("trending", TRENDING_EVERY_SECONDS)
    if not lock.acquire():
        return -1
    try:
        return len(scoring.compute_trending()["trends"])
    finally:
        lock.release()


@shared_task(name="trending.prepare_history", ignore_result=True)
def prepare_history() -> int:
    """Fill the Trending job's history cache for this hour (after a restart); return how many terms."""
    lock = _locked("trending", TRENDING_EVERY_SECONDS)  # the job's lock: never both at once
    if not lock.acquire():
        return -1
    try:
        return scoring.prepare_history()
    finally:
        lock.release()


@worker_ready.connect(dispatch_uid="trending.prepare_history_on_start")
def _prepare_history_on_start(sender=None, **kwargs) -> None:
    # A new deployment or a restart may find no cache for this hour: fill it before the first
    # scoring run needs it (that run is skipped while this holds the lock, and runs 2 min later).
    prepare_history.delay()  # routed to the ranking queue (task_routes)
