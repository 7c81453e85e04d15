"""The ground floor: settings parsing, ids, Celery routing over the real Redis broker, API errors."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from twitter_site import snowflake
from twitter_site.env import env_bool, env_int, env_list, env_url


class TestEnvironment:
    def test_booleans_accept_clear_words_only(self, monkeypatch):
        monkeypatch.setenv("X_FLAG", "yes")
        assert env_bool("X_FLAG", False) is True
        monkeypatch.setenv("X_FLAG", "off")
        assert env_bool("X_FLAG", True) is False
        monkeypatch.setenv("X_FLAG", "maybe")
        with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
            env_bool("X_FLAG", False)

    def test_integers_and_minimums(self, monkeypatch):
        monkeypatch.setenv("X_NUM", "12")
        assert env_int("X_NUM", 1) == 12
        monkeypatch.setenv("X_NUM", "twelve")
        with pytest.raises(ImproperlyConfigured, match="not an integer"):
            env_int("X_NUM", 1)
        monkeypatch.setenv("X_NUM", "0")
        with pytest.raises(ImproperlyConfigured, match="at least 1"):
            env_int("X_NUM", 5, minimum=1)

    def test_lists_and_urls(self, monkeypatch):
        monkeypatch.setenv("X_HOSTS", "a.example, b.example,,")
        assert env_list("X_HOSTS", []) == ["a.example", "b.example"]
        monkeypatch.setenv("X_DB", "mysql://db/x")
        with pytest.raises(ImproperlyConfigured, match="must start with one of postgres://"):
            env_url("X_DB", ("postgres", "postgresql"))

    def test_settings_fail_fast_on_a_bad_value(self):
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            env={"DJANGO_SETTINGS_MODULE": "twitter_site.settings", "DEBUG": "perhaps", "PATH": "/usr/bin"},
            capture_output=True,
            text=True,
        )
        assert result.returncode != 0
        assert "DEBUG='perhaps' is not a boolean" in result.stderr

    def test_production_requires_a_secret_key(self):
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            env={
                "DJANGO_SETTINGS_MODULE": "twitter_site.settings",
                "CHIRP_PROFILE": "production",
                "ALLOWED_HOSTS": "x.example",
                "PATH": "/usr/bin",
            },
            capture_output=True,
            text=True,
        )
        assert result.returncode != 0
        assert "SECRET_KEY is required" in result.stderr


class TestSnowflake:
    def test_ids_increase_and_are_unique_across_threads(self):
        seen: list[int] = []
        lock = threading.Lock()

        def make():
            local = [snowflake.next_id() for _ in range(2000)]
            assert local == sorted(local)
            with lock:
                seen.extend(local)

        threads = [threading.Thread(target=make) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(seen)) == 8000
        assert all(0 < i < 2**63 for i in seen)

    def test_time_round_trip_and_id_at(self):
        before = datetime.now(UTC) - timedelta(milliseconds=2)
        made = snowflake.next_id()
        assert abs((snowflake.time_of(made) - before).total_seconds()) < 5
        assert snowflake.id_at(before) <= made < snowflake.id_at(datetime.now(UTC) + timedelta(seconds=1))

    def test_make_id_places_tweets_in_the_past(self):
        moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        made = snowflake.make_id(int(moment.timestamp() * 1000), 1023, 7)
        assert snowflake.time_of(made) == moment


def test_a_task_lands_in_exactly_its_own_queue(settings):
    """With the real Redis broker (not eager), a task sent to `fanout` is queued once, in `fanout`."""
    from django_redis import get_redis_connection

    from twitter_site.celery import QUEUES, app

    redis = get_redis_connection("default")
    with app.connection_for_write(settings.REDIS_URL) as connection:
        app.send_task("chirp.noop", queue="fanout", connection=connection)
    lengths = {name: redis.llen(name) for name in QUEUES}
    assert lengths == {"default": 0, "fanout": 1, "ranking": 0, "media": 0}


PROJECT_TASK_QUEUES = {
    "trending.score_popular": "ranking",
    "trending.score_trending": "ranking",
    "trending.prepare_history": "ranking",
    "tweets.flush_counter_deltas": "default",
    "timelines.tasks.fanout_tweet": "fanout",
    "timelines.tasks.remove_tweet": "fanout",
    "timelines.tasks.backfill_followee": "fanout",
    "timelines.tasks.purge_followee": "fanout",
    "timelines.tasks.rebuild_feed": "fanout",
    "timelines.tasks.forget_author_cards": "fanout",
}


def test_task_routes_send_every_project_task_to_its_queue():
    """Queues come from task_routes (no queue= on the decorators): every project task has its intended one."""
    from twitter_site.celery import app

    app.loader.import_default_modules()  # autodiscovery is lazy: register every app's tasks now
    project = {name for name in app.tasks if name.split(".")[0] in {"accounts", "tweets", "timelines", "trending"}}
    assert project == set(PROJECT_TASK_QUEUES)
    routed = {name: app.amqp.router.route({}, name)["queue"].name for name in project}
    assert routed == PROJECT_TASK_QUEUES
    assert not [name for name in project if getattr(app.tasks[name], "queue", None)]  # no decorator overrides a route
    assert app.amqp.router.route({}, "accounts.some_future_task")["queue"].name == "default"
    beat = {entry["task"]: entry["options"]["queue"] for entry in app.conf.beat_schedule.values()}
    assert beat == {name: PROJECT_TASK_QUEUES[name] for name in beat}  # beat entries keep their queue option
    assert set(beat) >= {"trending.score_popular", "trending.score_trending", "tweets.flush_counter_deltas"}


@pytest.mark.django_db
def test_the_openapi_schema_and_docs_are_served(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert api_client.get("/api/docs/").status_code == 200
