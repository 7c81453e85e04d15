"""Celery jobs of the ranking queue (routed by task_routes): score Popular every minute, Trending every two
(beat), and prepare Trending's history cache when a worker starts."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_init
from redis.exceptions import RedisError

from trending import counters, scoring

log = logging.getLogger(__name__)
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


def _consumes_ranking(worker) -> bool:
    consumed = worker.app.amqp.queues.consume_from
    return not consumed or "ranking" in consumed  # no -Q given: every queue


@worker_init.connect(dispatch_uid="trending.prepare_history_on_start")
def _prepare_history_on_start(sender=None, **kwargs) -> None:
    """Fill this hour's history cache before a ranking worker takes its first task.

    A deployment or a restart may find no cache (or one a replay emptied): done here, before the
    worker consumes, the first scoring run (which beat may have queued already) finds it ready.
    A few seconds at the medium tier; a worker that does not serve the ranking queue skips it.
    """
    if sender is not None and not _consumes_ranking(sender):
        return
    try:
        terms = prepare_history()
    except RedisError:
        log.warning("could not prepare the Trending history cache", exc_info=True)
        return
    log.info("prepared the Trending history of %s terms", terms)
