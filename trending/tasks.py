"""Celery beat jobs of the ranking queue (routed by task_routes): score Popular every minute, Trending every two."""

from __future__ import annotations

from celery import shared_task

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
