"""The Trending job's reading and grouping: hours read in chunks, history only where it can matter, one entry per story."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from trending import counters, scoring

HOUR = 3600
NOW = 1_790_000_000 - 1_790_000_000 % HOUR + HOUR // 2
CURRENT = NOW // HOUR


def people(hour: int, **counts: int) -> None:
    """Set people per term in a clock hour (underscores in names stand for spaces)."""
    counters.redis().zadd(counters.trend_hour_key(hour), {t.replace("_", " "): n for t, n in counts.items()})


def test_hourly_people_reads_every_hour_and_chunk(db, monkeypatch):
    monkeypatch.setattr(counters, "HOURLY_CHUNK", 2)  # five terms: three chunks
    people(CURRENT - 2, solar=3, eclipse=1)
    people(CURRENT, solar=7, tonight=2, lisbon=40)
    terms = ["solar", "eclipse", "tonight", "nowhere", "lisbon"]
    values, present = counters.hourly_people(terms, [CURRENT - 2, CURRENT - 1, CURRENT])
    assert present == [True, False, True]
    assert values.tolist() == [[3, 1, 0, 0, 0], [0, 0, 0, 0, 0], [7, 0, 2, 0, 40]]
    empty, present = counters.hourly_people([], [CURRENT])
    assert empty.shape == (1, 0) and present == [True]


def test_closed_hours_are_read_once_then_cached_until_written(db, monkeypatch):
    from trending.services import record_tweet

    monkeypatch.setattr(counters, "HOURLY_CHUNK", 2)
    hours = list(range(CURRENT - 25, CURRENT - 1))
    people(CURRENT - 25, solar=3)
    people(CURRENT - 2, solar=4, eclipse=9)
    terms = ["solar", "eclipse", "nowhere"]
    expected = counters.hourly_people(terms, hours)[0]
    assert counters.closed_hours_people(terms, hours).tolist() == expected.tolist()
    # A later run reads the cache: a change of the hour sets alone is not seen...
    people(CURRENT - 2, solar=40)
    assert counters.closed_hours_people(terms, hours)[-1].tolist() == [4, 9, 0]
    # ...but counting into a closed hour (a replay) starts a new cache, read from the hours again.
    record_tweet(tweet_id=1, author_id=7, text="eclipse", created_at_ms=0, now=(CURRENT - 2) * HOUR + 10)
    assert counters.closed_hours_people(terms, hours)[-1].tolist() == [40, 10, 0]
    assert counters.closed_hours_people([], hours).shape == (24, 0)


def test_next_hour_shifts_last_hours_cache_and_reads_only_the_newest_hour(db, monkeypatch):
    monkeypatch.setattr(counters, "HOURLY_CHUNK", 2)
    last_hours = list(range(CURRENT - 26, CURRENT - 2))
    hours = [hour + 1 for hour in last_hours]
    for hour in range(CURRENT - 26, CURRENT - 1):
        people(hour, solar=hour - CURRENT + 30, eclipse=1)
    terms = ["solar", "eclipse", "lisbon"]
    counters.closed_hours_people(terms[:2], last_hours)  # last hour's run knew solar and eclipse
    expected = counters.hourly_people(terms, hours)[0].tolist()
    # The hours the two caches share are not read again (a change there is not seen; real ones
    # come with a new generation), the newest hour is; "lisbon" is read in full.
    people(CURRENT - 10, solar=99)
    people(CURRENT - 2, solar=50, lisbon=3)
    expected[-1] = [50, 1, 3]
    assert counters.closed_hours_people(terms, hours).tolist() == expected
    assert counters.closed_hours_people(terms, hours).tolist() == expected  # now from this hour's cache


def test_history_is_read_for_terms_that_can_trend_and_their_words(db, monkeypatch):
    # "solar eclipse" can trend (12+ people in the rolling hour); "solar" and "eclipse" are its
    # words; "lisbon" (8 people) is a candidate that cannot reach 12; "harbour" is no candidate.
    people(CURRENT, solar_eclipse=14, solar=20, eclipse=8, lisbon=8, harbour=2)
    for hour in range(CURRENT - 25, CURRENT - 1):
        people(hour, solar=5, lisbon=30, harbour=50)
    reads: list[list[str]] = []
    real = counters.hourly_people
    monkeypatch.setattr(counters, "hourly_people", lambda terms, hours: reads.append(terms) or real(terms, hours))
    share = 1.0 - (NOW % HOUR) / HOUR
    terms, values, present = scoring._people_per_hour(
        list(range(CURRENT - 25, CURRENT + 1)), share, minimum=12, now=NOW
    )
    assert sorted(reads[0]) == ["eclipse", "lisbon", "solar", "solar eclipse"]  # candidates: this hour
    assert sorted(terms) == ["eclipse", "solar", "solar eclipse"]  # history only for these
    assert values.shape == (26, 3) and present == [True] * 24 + [False, True]
    assert values[:, terms.index("solar")].tolist() == [5] * 24 + [0, 20]
    snapshot = scoring.compute_trending(now=NOW)
    assert [t["term"] for t in snapshot["trends"]] == ["solar eclipse"]
    assert snapshot["trends"][0]["expected"] == 0.0 and not snapshot["cold_start"]


def row(term: str, score: float) -> tuple:
    return (score, term.count(" "), term, 0.0, 0, 0.0)


@pytest.mark.parametrize("cold", [False, True])
def test_one_entry_per_story(cold):
    live = {
        "solar eclipse tonight": 100,
        "eclipse": 120,
        "tonight": 90,
        "meteor shower tonight": 80,
        "meteor shower": 85,
        "lisbon": 30,
        "eclipse glasses": 50,
        "the": 500,
    }
    usual = {"the": 600.0}
    scored = [
        row("solar eclipse tonight", 90),
        row("eclipse", 80),  # shares "eclipse", has >= 70 % of its people: hidden
        row("meteor shower tonight", 70),  # shares "tonight"; the story's 100 people >= 0.7 * 80: hidden
        row("meteor shower", 60),  # "meteor" joined the first story through the hidden phrase: hidden
        row("lisbon", 50),  # a story of its own
        row("eclipse glasses", 40),  # shares "eclipse", but the story (100) is over 70 % of 50: hidden
    ]
    kept = scoring._one_per_story(scored, live, usual, cold=cold)
    assert [r[2] for r in kept] == ["solar eclipse tonight", "lisbon"]
    # A story whose people are under 70 % of the newcomer's does not hide it.
    live["lisbon floods"] = 200
    kept = scoring._one_per_story([row("lisbon", 50), row("lisbon floods", 40)], live, usual, cold=cold)
    assert [r[2] for r in kept] == ["lisbon", "lisbon floods"]
    # Words more common than the term itself never tie two stories together.
    live.update({"the storm": 40, "the match": 40})
    kept = scoring._one_per_story([row("the storm", 9), row("the match", 8)], live, usual, cold=cold)
    assert [r[2] for r in kept] == ["the storm", "the match"]


def test_one_entry_per_story_stops_at_the_list_size():
    terms = [f"word{i}" for i in range(scoring.TRENDING_SIZE + 20)]
    live = dict.fromkeys(terms, 50)
    kept = scoring._one_per_story([row(t, 1000 - i) for i, t in enumerate(terms)], live, {}, cold=False)
    assert [r[2] for r in kept] == terms[: scoring.TRENDING_SIZE]
    assert np.all(np.diff([r[0] for r in kept]) < 0)


def _history_entries(now: float | None = None) -> int:
    """Return how many terms the history cache of the run at ``now`` holds (None: of any run, this generation)."""
    r = counters.redis()
    generation = int(r.get(counters.history_generation_key()) or 0)
    if now is None:  # the run's clock is the wall clock: whichever hour it was in
        pattern = counters._history_cache_key(0, 0, generation).replace(":0:0:", ":*:*:")
        return sum(r.hlen(key) for key in r.scan_iter(match=pattern))
    hours, _ = scoring._window(now)
    return r.hlen(counters._history_cache_key(hours[0], hours[-3], generation))


def test_a_prepared_history_is_what_the_job_reads(db):
    """What empties the cache (a replay writing into closed hours) prepares it again; the job then reads it."""
    people(CURRENT, solar_eclipse=14, solar=20, eclipse=8)
    for hour in range(CURRENT - 25, CURRENT - 1):
        people(hour, solar=5)
    counters.forget_history()  # as a write into a closed hour does
    assert _history_entries(NOW) == 0
    assert scoring.prepare_history(now=NOW) == 3  # "solar eclipse" can trend; its words are read too
    assert _history_entries(NOW) == 3
    # The job's baseline now comes from the prepared cache: a change of the hour sets alone is not
    # seen (real writes into closed hours start a new cache), so the phrase still trends...
    for hour in range(CURRENT - 25, CURRENT - 1):
        people(hour, solar_eclipse=14)
    assert [t["term"] for t in scoring.compute_trending(now=NOW)["trends"]] == ["solar eclipse"]
    assert _history_entries(NOW) == 3
    # ...and with a new cache the job reads the hours: 14 people every hour is no burst.
    counters.forget_history()
    assert "solar eclipse" not in [t["term"] for t in scoring.compute_trending(now=NOW)["trends"]]


def test_a_replay_and_a_worker_start_prepare_the_history(make_user):
    from datetime import timedelta

    from django.utils import timezone

    from trending import tasks
    from trending.services import replay_activity
    from tweets.models import Tweet

    writers = [make_user(f"w{i}") for i in range(14)]
    now = timezone.now()
    for n, writer in enumerate(writers):
        Tweet.objects.create(author=writer, text="the harbour lights tonight", created_at=now - timedelta(minutes=n))
        Tweet.objects.create(author=writer, text="harbour", created_at=now - timedelta(hours=5, minutes=n))
    replayed = replay_activity(tweets_since=now - timedelta(hours=6), engagement_since=now - timedelta(hours=1))
    assert replayed["tweets"] == 28 and replayed["history_terms"] > 0
    assert _history_entries() == replayed["history_terms"]

    counters.forget_history()  # say the cache was lost: a worker start fills it again, before it consumes
    fanout_only = SimpleNamespace(
        app=SimpleNamespace(amqp=SimpleNamespace(queues=SimpleNamespace(consume_from={"fanout": 1})))
    )
    tasks._prepare_history_on_start(sender=fanout_only)  # a worker not serving the ranking queue leaves it
    assert _history_entries() == 0
    tasks._prepare_history_on_start(sender=None)
    assert _history_entries() == replayed["history_terms"]
