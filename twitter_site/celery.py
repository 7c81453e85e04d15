"""The Celery app: named queues and the beat schedule."""

import os

from celery import Celery
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitter_site.settings")

app = Celery("chirp")
app.config_from_object("django.conf:settings", namespace="CELERY")
QUEUES = ("default", "fanout", "ranking", "media")
# One direct exchange per queue, bound by the queue's own name, so a task lands in exactly one queue.
app.conf.task_queues = [Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES]
app.conf.task_default_exchange = "default"
app.conf.task_default_routing_key = "default"
# Which queue each app's tasks run on (tasks are named "<app>.<...>").
app.conf.task_routes = {
    "timelines.*": {"queue": "fanout"},
    "trending.*": {"queue": "ranking"},
    "tweets.*": {"queue": "default"},
    "accounts.*": {"queue": "default"},
}
# Periodic jobs; the trending app adds its scoring jobs in TrendingConfig.ready().
app.conf.beat_schedule = {
    # Safety net: every like already schedules a flush after commit; this keeps pending counter
    # deltas from piling up if one is lost (counts are exact with or without it).
    "tweets-flush-counters": {
        "task": "tweets.flush_counter_deltas",
        "schedule": 10.0,
        "options": {"queue": "default", "expires": 10},
    },
}
app.autodiscover_tasks()
