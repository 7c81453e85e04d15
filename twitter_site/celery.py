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
# Apps register their periodic jobs here, each naming its queue.
app.conf.beat_schedule = {}
app.autodiscover_tasks()
