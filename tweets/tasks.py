"""Celery tasks of the tweets app: ids in, idempotent, named queues."""

from celery import shared_task

from tweets import services


@shared_task(name="tweets.flush_counter_deltas", ignore_result=True)
def flush_counter_deltas() -> int:
    """Fold pending counter deltas into the tweets' counter columns (safe to run any time)."""
    return services.flush_counter_deltas()
