"""The Celery app: named queues and the beat schedule."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitter_site.settings")

app = Celery("chirp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue("default"), Queue("fanout"), Queue("ranking"), Queue("media")]
# Apps register their periodic jobs here, each naming its queue.
app.conf.beat_schedule = {}
app.autodiscover_tasks()
