"""Benchmark of Popular and Trending: ingestion, scoring jobs and page throughput.

    run(report, quick=False)       # called by the benchmark command; adds report["ranking"]
    python manage.py bench_ranking [--quick] [--skip-pages] [--json]

1. Ingestion: one simulated hour of medium-tier traffic (seeds/001: 10 M tweets and 20 M likes a
   day, i.e. ~420,000 tweets and ~830,000 likes an hour; a tenth of the tweets are replies and
   2 % quotes, plus 0.15 retweets per original tweet) through the real counting code
   (trending.services.record_tweet / record_engagement with simulated time), in one process and
   in time order. The wall time of every simulated minute is recorded: it must stay below 60 s
   for the counters to keep up in real time. ``--quick`` feeds five minutes.
2. Scoring: the beat jobs run at their periods of simulated time, as the beat would start them,
   and are timed separately; then the Trending job once 24 hours of history exist.
3. Memory: the ranking keys' own Redis memory (``MEMORY USAGE`` per key, by key family).
4. Pages: /explore/popular, /explore/trending and their API under granian (WSGI) with wrk.

Every run writes under its own Redis key prefix (``bench:<pid>:``, so two runs on one Redis never
meet) and removes its keys afterwards; ``BENCH_KEEP_KEYS=1`` keeps them (the run prints its prefix
and simulated end, so the Trending job can be timed again on the same data; delete them with
``redis-cli --scan --pattern 'bench:<pid>:*' | xargs redis-cli unlink`` or ``_clear``).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.test import override_settings

from bench.load import Server, free_port
from twitter_site.launcher import web_threads, web_workers

BASE_DIR = Path(__file__).resolve().parent.parent
TWEETS_PER_HOUR = 420_000
LIKES_PER_HOUR = 830_000
REPLY_SHARE = 0.10  # of tweets: replies (count as a tweet and as a reply to their parent)
QUOTE_SHARE = 0.02  # of tweets: quotes
RETWEETS_PER_ORIGINAL = 0.15  # the t100k tier's retweet share (seeds/001 gives tweets and likes only)
BURST = "total solar eclipse over lisbon"
BURST_PEOPLE = 400
TWEET, LIKE, RETWEET = 0, 1, 2
BASE_ID = 10**17


def _say(message: str) -> None:
    print(message, flush=True)


def _run_prefix() -> str:
    """Return this run's key prefix: one per process, so concurrent runs cannot clear each other's keys."""
    return f"bench:{os.getpid()}:"


def _vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ra",
        "te",
        "sun",
        "po",
        "li",
        "va",
        "ne",
        "do",
        "ri",
        "gu",
        "fa",
        "zo",
        "bel",
        "tor",
        "ran",
        "win",
        "sta",
        "mor",
        "ex",
        "pli",
        "cor",
    ]
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables, int(rng.integers(2, 5)))))
    return sorted(words)


def _texts(rng: np.random.Generator, count: int) -> list[str]:
    """Return tweet texts: an opener, a phrase, Zipf-distributed words, sometimes emoji and hashtags."""
    from bench.datagen import CLOSERS, EMOJI, OPENERS, PHRASES, TAGS

    vocab = _vocabulary(rng, 20_000)
    ranks = np.minimum(rng.zipf(1.15, size=count * 4), len(vocab)) - 1
    texts = []
    for i in range(count):
        words = " ".join(vocab[r] for r in ranks[i * 4 : i * 4 + int(rng.integers(2, 5))])
        text = f"{OPENERS[i % len(OPENERS)]} {PHRASES[int(rng.integers(len(PHRASES)))]} {words}"
        if rng.random() < 0.6:
            text += " " + EMOJI[int(rng.integers(len(EMOJI)))]
        if rng.random() < 0.4:
            text += " #" + TAGS[int(rng.integers(len(TAGS)))]
        texts.append(text + CLOSERS[int(rng.integers(len(CLOSERS)))])
    return texts


def _clear(r, prefix: str) -> int:
    """Delete every key under ``prefix``; return how many."""
    cursor, removed = 0, 0
    while True:
        cursor, keys = r.scan(cursor, match=f"{prefix}*", count=5000)
        if keys:
            removed += r.unlink(*keys)
        if cursor == 0:
            return removed


def _distribution(values: list[float]) -> dict:
    """Return p50 / p99 / max (seconds, rounded to the millisecond) and the count."""
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_s": round(statistics.median(ordered), 3),
        "p99_s": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 3),
        "max_s": round(ordered[-1], 3),
    }


# --------------------------------------------------------------------------- the simulated hour


@dataclass
class Traffic:
    """One simulated span of medium-tier traffic; every event points into the per-kind lists."""

    start: int
    end: int
    texts: list[str]
    authors: list[int]  # per tweet
    parents: list[int]  # per tweet: the tweet it replies to or quotes (-1: an original)
    parent_kinds: list[str]  # per tweet: "reply", "quote" or ""
    likers: list[int]
    like_targets: list[int]
    retweeters: list[int]
    retweet_targets: list[int]
    times: np.ndarray  # every event's time, sorted
    kinds: list[int]  # TWEET, LIKE or RETWEET, in time order
    index: list[int]  # the event's position in its kind's lists

    @property
    def actions(self) -> int:
        return len(self.kinds)


def _recent_targets(counts: np.ndarray, popularity: np.ndarray) -> np.ndarray:
    """Pick, for an event that sees ``counts`` earlier tweets, one of them skewed towards the newest."""
    seen = np.maximum(counts, 1)
    return counts - 1 - np.minimum(popularity % seen * 7 % seen, counts - 1)


def _traffic(rng: np.random.Generator, *, duration: int) -> Traffic:
    """Generate ``duration`` seconds of traffic ending at half past the next hour."""
    n_tweets = TWEETS_PER_HOUR * duration // 3600
    n_likes = LIKES_PER_HOUR * duration // 3600
    # Half past the next hour: the span covers two clock hours, and neither becomes "closed" (two
    # hours old, counters._note_write) however long the run takes.
    end = (int(time.time()) // 3600) * 3600 + 3600 + 1800
    start = end - duration
    texts = _texts(rng, n_tweets)
    tweet_at = np.sort(rng.uniform(start, end, n_tweets))
    authors = rng.zipf(1.3, n_tweets) % 200_000 + 1
    # The story: BURST_PEOPLE different people post the same phrase in the last sixth of the span.
    burst = np.arange(n_tweets - n_tweets // 6, n_tweets, 3)[:BURST_PEOPLE]
    for i in burst.tolist():
        texts[i] = f"Wow: {BURST.title()} right now ☀️"
    authors[burst] = 900_000 + burst
    draw = rng.random(n_tweets)
    parents = np.where(
        draw < REPLY_SHARE + QUOTE_SHARE, _recent_targets(np.arange(n_tweets), rng.zipf(1.2, n_tweets)), -1
    )
    parents[burst] = -1
    parents[0] = -1
    parent_kinds = np.where(parents < 0, "", np.where(draw < REPLY_SHARE, "reply", "quote"))

    like_at = np.sort(rng.uniform(start, end, n_likes))
    like_seen = np.searchsorted(tweet_at, like_at)  # tweets posted before each like
    like_at, like_seen = like_at[like_seen > 0], like_seen[like_seen > 0]
    like_targets = _recent_targets(like_seen, rng.zipf(1.2, like_at.size))
    n_retweets = int(RETWEETS_PER_ORIGINAL * int((parents < 0).sum()))
    rt_at = np.sort(rng.uniform(start, end, n_retweets))
    rt_seen = np.searchsorted(tweet_at, rt_at)
    rt_at, rt_seen = rt_at[rt_seen > 0], rt_seen[rt_seen > 0]
    rt_targets = _recent_targets(rt_seen, rng.zipf(1.2, rt_at.size))

    times = np.concatenate([tweet_at, like_at, rt_at])
    kinds = np.concatenate([np.full(n_tweets, TWEET), np.full(like_at.size, LIKE), np.full(rt_at.size, RETWEET)])
    index = np.concatenate([np.arange(n_tweets), np.arange(like_at.size), np.arange(rt_at.size)])
    order = np.argsort(times, kind="stable")
    return Traffic(
        start=start,
        end=end,
        texts=texts,
        authors=authors.tolist(),
        parents=parents.tolist(),
        parent_kinds=parent_kinds.tolist(),
        likers=rng.integers(1, 1_000_000, like_at.size).tolist(),
        like_targets=like_targets.tolist(),
        retweeters=rng.integers(1, 1_000_000, rt_at.size).tolist(),
        retweet_targets=rt_targets.tolist(),
        times=times[order],
        kinds=kinds[order].tolist(),
        index=index[order].tolist(),
    )


def _feed(traffic: Traffic, lo: int, hi: int) -> int:
    """Send events ``lo:hi`` through the real counting hooks, as tweets.services would; return the calls."""
    from trending.services import record_engagement, record_tweet

    authors, calls = traffic.authors, 0
    for kind, i, at in zip(traffic.kinds[lo:hi], traffic.index[lo:hi], traffic.times[lo:hi].tolist(), strict=True):
        if kind == TWEET:
            record_tweet(
                tweet_id=BASE_ID + i, author_id=authors[i], text=traffic.texts[i], created_at_ms=int(at * 1000), now=at
            )
            calls += 1
            parent = traffic.parents[i]
            if parent < 0:
                continue
            kind_name, user, target = traffic.parent_kinds[i], authors[i], parent
        elif kind == LIKE:
            kind_name, user, target = "like", traffic.likers[i], traffic.like_targets[i]
        else:
            kind_name, user, target = "retweet", traffic.retweeters[i], traffic.retweet_targets[i]
        record_engagement(
            kind=kind_name, user_id=user, tweet_id=BASE_ID + target, author_id=authors[target], delta=1, now=at
        )
        calls += 1
    return calls


class _Beat:
    """Run the scoring jobs at their beat periods of simulated time and keep their durations."""

    def __init__(self, start: int):
        from trending import scoring
        from trending.tasks import POPULAR_EVERY_SECONDS, TRENDING_EVERY_SECONDS

        self.jobs = {
            "popular": (POPULAR_EVERY_SECONDS, scoring.compute_popular),
            "trending": (TRENDING_EVERY_SECONDS, scoring.compute_trending),
        }
        self.due = {name: start + every for name, (every, _) in self.jobs.items()}
        self.durations: dict[str, list[float]] = {name: [] for name in self.jobs}
        self.slowest: dict[str, tuple[float, float]] = {}  # name -> (seconds, simulated time)
        self.last: dict[str, dict] = {}

    def run_due(self, now: float) -> float:
        """Run every job due by ``now`` (at its own due time); return the seconds spent."""
        spent = 0.0
        for name, (every, job) in self.jobs.items():
            while self.due[name] <= now:
                began = time.perf_counter()
                self.last[name] = job(now=self.due[name])
                took = time.perf_counter() - began
                self.durations[name].append(took)
                if took > self.slowest.get(name, (-1.0, 0))[0]:
                    self.slowest[name] = (took, self.due[name])
                spent += took
                self.due[name] += every
        return spent


def _replay(traffic: Traffic, beat: _Beat) -> dict:
    """Feed the span minute by minute, running the jobs between minutes; return the timings."""
    minutes = (traffic.end - traffic.start) // 60
    edges = np.searchsorted(traffic.times, traffic.start + 60 * np.arange(minutes + 1), side="left").tolist()
    edges[-1] = traffic.actions
    per_minute, with_jobs, ahead, load, calls = [], [], [], [], 0
    wall = 0.0
    for m in range(minutes):
        began = time.perf_counter()
        calls += _feed(traffic, edges[m], edges[m + 1])
        feeding = time.perf_counter() - began
        jobs = beat.run_due(traffic.start + 60 * (m + 1))
        per_minute.append(feeding)
        with_jobs.append(feeding + jobs)
        wall += feeding + jobs
        ahead.append(60.0 * (m + 1) - wall)  # simulated time minus wall time at the end of minute m
        load.append(os.getloadavg()[0])  # the machine is shared: read slow minutes next to this
        if (m + 1) % 10 == 0 or m + 1 == minutes:
            _say(
                f"    minute {m + 1:>3}/{minutes}: {feeding:5.2f} s to ingest, {jobs:5.2f} s of jobs, "
                f"ahead {ahead[-1]:7.1f} s, load {load[-1]:.1f}"
            )
    return {"per_minute": per_minute, "with_jobs": with_jobs, "ahead": ahead, "load": load, "calls": calls}


def _realtime_lag(per_minute: list[float]) -> float:
    """Return the largest delay behind real time if each minute's events were ingested as they arrived.

    A minute's events arrive during it; a minute that takes longer than 60 s to ingest pushes the
    next ones back. Zero when every minute is ingested within its own 60 s.
    """
    finished, worst = 0.0, 0.0
    for m, seconds in enumerate(per_minute):
        finished = max(finished, 60.0 * m) + seconds
        worst = max(worst, finished - 60.0 * (m + 1))
    return max(0.0, worst)


def _ranking_memory(r, prefix: str) -> dict:
    """Return the Redis memory of the keys under ``prefix`` (MEMORY USAGE, exact) by key family."""
    families: dict[str, list[int]] = {}
    cursor = 0
    while True:
        cursor, keys = r.scan(cursor, match=f"{prefix}*", count=5000)
        if keys:
            with r.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.memory_usage(key, samples=0)
                sizes = pipe.execute()
            for key, size in zip(keys, sizes, strict=True):
                family = ":".join(key.decode()[len(prefix) :].split(":")[:2])
                counts = families.setdefault(family, [0, 0])
                counts[0] += 1
                counts[1] += size or 0
        if cursor == 0:
            break
    return {
        "total_mb": round(sum(size for _, size in families.values()) / 2**20, 1),
        "by_family": {
            family: {"keys": keys, "mb": round(size / 2**20, 1)}
            for family, (keys, size) in sorted(families.items(), key=lambda item: -item[1][1])
        },
    }


def _unbounded_redis():
    """Return a client without the app's socket timeout (copying big sorted sets may take longer)."""
    import redis as redis_py
    from django.conf import settings

    return redis_py.Redis.from_url(settings.REDIS_URL, socket_timeout=None)


def _history(slow, *, now: float) -> dict:
    """Give Trending 24 ordinary closed hours behind ``now``; return the terms and memory of each.

    Each is this hour's and the previous one's people per term (the larger), without the burst
    phrase, compacted as ``counters.compact_hours`` leaves a closed hour (single-person terms
    dropped), so the history looks and weighs like the real thing.
    """
    from trending import counters
    from trending.terms import extract_terms

    current = counters.hour_of(now)
    template = counters.trend_hour_key(current) + ":history"
    slow.zunionstore(
        template, [counters.trend_hour_key(current), counters.trend_hour_key(current - 1)], aggregate="MAX"
    )
    slow.zrem(template, *extract_terms(f"Wow: {BURST.title()} right now ☀️"))
    slow.zremrangebyscore(template, "-inf", 1)
    for hour in range(current - 25, current - 1):
        slow.copy(template, counters.trend_hour_key(hour), replace=True)
    counters.forget_history()  # written into closed hours
    hour = {"terms": slow.zcard(template), "mb": round(slow.memory_usage(template, samples=0) / 2**20, 1)}
    slow.delete(template)
    return hour


def _ingest(*, quick: bool, prefix: str, seed: int = 42) -> dict:
    """Feed the simulated span through the real services, run the jobs at their beat periods; report."""
    from trending import counters, scoring

    minutes = max(1, round(float(os.environ.get("BENCH_MINUTES", 5 if quick else 60))))
    _say(f"  generating {minutes} simulated minutes of medium-tier traffic…")
    traffic = _traffic(np.random.default_rng(seed), duration=minutes * 60)
    counts = {
        "tweets": len(traffic.texts),
        "replies": traffic.parent_kinds.count("reply"),
        "quotes": traffic.parent_kinds.count("quote"),
        "likes": len(traffic.likers),
        "retweets": len(traffic.retweeters),
    }
    _say(f"  ingesting {traffic.actions:,} actions: {counts}")
    r = counters.redis()
    before = r.info("memory")["used_memory"]
    beat = _Beat(traffic.start)
    timings = _replay(traffic, beat)
    ingest_seconds = sum(timings["per_minute"])
    needed = traffic.actions / (traffic.end - traffic.start)
    achieved = traffic.actions / ingest_seconds
    result = {
        "simulated_minutes": minutes,
        "simulated_end": traffic.end,
        **counts,
        "actions": traffic.actions,
        "counter_calls": timings["calls"],
        "ingest_seconds": round(ingest_seconds, 1),
        "actions_per_s": round(achieved),
        "needed_actions_per_s": round(needed),
        "headroom": round(achieved / needed, 1),
        "minute_wall": _distribution(timings["per_minute"]),
        "minute_wall_with_jobs": _distribution(timings["with_jobs"]),
        "min_ahead_of_real_time_s": round(min(timings["ahead"]), 1),
        "realtime_lag_s": round(_realtime_lag(timings["per_minute"]), 1),
        "keeps_up": max(timings["per_minute"]) < 60,
        "load_average": {
            name: round(value(timings["load"]), 1)
            for name, value in (("min", min), ("median", statistics.median), ("max", max))
        },
        "used_memory_growth_mb": round((r.info("memory")["used_memory"] - before) / 2**20, 1),
    }
    _say(
        f"  ingestion: {traffic.actions:,} actions in {ingest_seconds:.1f} s = {achieved:,.0f}/s "
        f"(needed {needed:,.0f}/s, x{achieved / needed:.1f}); per simulated minute {result['minute_wall']}"
    )
    slow = _unbounded_redis()
    result["redis_memory"] = _ranking_memory(slow, prefix)
    result["terms_this_hour"] = r.zcard(counters.trend_hour_key(counters.hour_of(traffic.end)))
    _say(f"  Redis memory of the ranking keys: {result['redis_memory']}")

    result["history_hour"] = _history(slow, now=traffic.end)
    slow.close()
    # Writing the history into closed hours is what a replay does; like a replay (and a worker
    # start), prepare the job's history cache afterwards, timed on its own. Then: the first run,
    # one a beat period later, the first run of the next clock hour (which compacts the hour that
    # closed and shifts the cache by one hour), and, for comparison, a run that finds no cache
    # at all (as if Redis had evicted it) and reads every term's history from the hour sets.
    began = time.perf_counter()
    prepared_terms = scoring.prepare_history(now=traffic.end)
    prepare_seconds = time.perf_counter() - began
    with_history, snapshots = [], []
    for now in (traffic.end, traffic.end + beat.jobs["trending"][0], traffic.end + 1800 + 60):
        began = time.perf_counter()
        snapshots.append(scoring.compute_trending(now=now))
        with_history.append(time.perf_counter() - began)
    counters.forget_history()
    began = time.perf_counter()
    uncached = scoring.compute_trending(now=traffic.end)
    uncached_seconds = time.perf_counter() - began
    trending = snapshots[0]
    result["jobs"] = {
        name: {**_distribution(values), "slowest_at_minute": round((beat.slowest[name][1] - traffic.start) / 60)}
        for name, values in beat.durations.items()
        if values
    }
    result["jobs"]["trending_with_24h_history"] = {
        "history_prepared_s": round(prepare_seconds, 3),
        "history_prepared_terms": prepared_terms,
        "first_run_s": round(with_history[0], 3),
        "next_run_s": round(with_history[1], 3),
        "next_hour_first_run_s": round(with_history[2], 3),
        "run_without_any_cache_s": round(uncached_seconds, 3),
        "same_snapshot_without_cache": uncached["trends"] == trending["trends"],
    }
    terms = [t["term"] for t in trending["trends"]]
    result["popular_entries"] = len(beat.last.get("popular", {}).get("entries", []))
    result["trends"] = len(terms)
    result["burst_rank"] = next((i + 1 for i, term in enumerate(terms) if "eclipse" in term), None)
    result["top_trends"] = terms[:8]
    _say(f"  jobs: {result['jobs']}; burst phrase rank {result['burst_rank']}; top {terms[:5]}")
    return result


# --------------------------------------------------------------------------- pages


def _wrk(url: str, *, seconds: int, connections: int, cookie: str | None) -> dict:
    wrk = shutil.which("wrk")
    if not wrk:
        return {"error": "wrk is not installed"}
    args = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 30).stdout

    def ms(label: str) -> float | None:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "req_per_s": round(float(rps.group(1))) if rps else 0,
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "errors": int(bad.group(1)) if bad else 0,
    }


def _page_data() -> tuple[list[int], str]:
    """Make the benchmark's Popular list point at 100 real tweets, and a signed-in session."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    from accounts.models import User
    from trending import counters
    from tweets.models import Tweet

    ids = list(
        Tweet.objects.filter(deleted_at__isnull=True, retweet_of__isnull=True)
        .order_by("-id")
        .values_list("id", flat=True)[:120]
    )
    created: list[int] = []
    if len(ids) < 100:
        # An empty database: add a hundred tweets by twenty benchmark accounts (removed afterwards).
        users = [User.objects.create_user(username=f"rkbench{i}", password=None) for i in range(20)]
        tweets = [Tweet(author=users[i % 20], text=f"Benchmark tweet {i} #bench ☕") for i in range(120)]
        Tweet.objects.bulk_create(tweets)
        ids = [t.pk for t in tweets]
        created = [u.pk for u in users]
    entries = [
        {"id": tid, "score": 500 - n, "like": 300 - n, "retweet": 50, "reply": 20, "quote": 5}
        for n, tid in enumerate(ids)
    ]
    # With its version stamp, as the job writes it: the pages cache what they derive from it per version.
    counters.store_snapshot(counters.popular_snapshot_key(), {"computed_at": time.time(), "entries": entries})
    viewer = User.objects.filter(is_active=True).exclude(pk__in=created).first() or User.objects.get(pk=created[0])
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(viewer.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = viewer.get_session_auth_hash()
    session.create()
    # As a browser has them once signed in: the session and the CSRF cookie the sign-in form set.
    csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    return created, f"sessionid={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"


def _pages(*, quick: bool, prefix: str) -> dict:
    from accounts.models import User

    created, cookie = _page_data()
    workers = int(os.environ.get("BENCH_WORKERS", "0")) or web_workers()  # by default as ./chirp run
    seconds = 5 if quick else 15
    port = free_port()
    server = f"granian wsgi, {workers} workers x {web_threads()} threads"
    result: dict = {"server": server, "tool": "wrk -t1 -c16", "seconds": seconds}
    try:
        with Server(port, workers, env={"CHIRP_TRENDING_PREFIX": prefix}, drop=("CHIRP_TESTING",)):
            base = f"http://127.0.0.1:{port}"
            paths = {
                "popular page, signed out": ("/explore/popular", None),
                "trending page, signed out": ("/explore/trending", None),
                "popular API, signed out": ("/api/v1/explore/popular", None),
                "trending API, signed out": ("/api/v1/explore/trending", None),
                "popular page, signed in": ("/explore/popular", cookie),
                "trending page, signed in": ("/explore/trending", cookie),
            }
            for label, (path, jar) in paths.items():
                _wrk(base + path, seconds=1, connections=16, cookie=jar)  # warm-up
                result[label] = _wrk(base + path, seconds=seconds, connections=16, cookie=jar)
                _say(f"  {label:<28} {result[label]}")
    finally:
        if created:
            User.objects.filter(pk__in=created).delete()
    return result


def run(report: dict, *, quick: bool, skip_pages: bool = False) -> None:
    """Measure ingestion, the scoring jobs and (unless ``skip_pages``) both pages; add report["ranking"]."""
    _say("Ranking (Popular and Trending)")
    section: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "load_average_at_start": os.getloadavg()}
    prefix = _run_prefix()
    skip_pages = skip_pages or os.environ.get("BENCH_SKIP_PAGES") == "1"
    with override_settings(TRENDING_KEY_PREFIX=prefix):
        r = _unbounded_redis()  # scanning a busy Redis may outlast the app's socket timeout
        _clear(r, prefix)
        try:
            section["ingestion"] = _ingest(quick=quick, prefix=prefix)
            if not skip_pages:
                section["pages"] = _pages(quick=quick, prefix=prefix)
        finally:
            if os.environ.get("BENCH_KEEP_KEYS") == "1":
                end = section.get("ingestion", {}).get("simulated_end")
                _say(f"  kept the keys under {prefix!r} (BENCH_KEEP_KEYS=1); simulated end {end}")
            else:
                _clear(r, prefix)
            r.close()
    report["ranking"] = section
