"""Benchmark of Popular and Trending: ingestion, scoring jobs and page throughput.

    run(report, quick=False)       # called by the benchmark command; adds report["ranking"]
    python manage.py bench_ranking [--quick] [--json]

1. Ingestion: one hour of medium-tier traffic (seeds/001: 10 M tweets and 20 M likes a day, i.e.
   ~420,000 tweets and ~830,000 likes an hour) through the real counting code
   (trending.services.record_tweet / record_engagement with simulated time), in one process,
   compared with the rate needed to keep up. The scoring jobs run at their beat period of
   simulated time, as the beat would start them, and are timed separately.
2. Scoring: the duration of each job, and of the Trending job once 24 hours of history exist.
3. Pages: /explore/popular, /explore/trending and their API under granian (WSGI) with wrk.

Everything is written under its own Redis key prefix (``bench:``) and removed afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import orjson
from django.test import override_settings

from bench.load import Server, free_port

BASE_DIR = Path(__file__).resolve().parent.parent
PREFIX = "bench:"
TWEETS_PER_HOUR = 420_000
LIKES_PER_HOUR = 830_000
BURST = "total solar eclipse over lisbon"


def _say(message: str) -> None:
    print(message, flush=True)


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


def _clear(r) -> None:
    cursor = 0
    while True:
        cursor, keys = r.scan(cursor, match=f"{PREFIX}*", count=5000)
        if keys:
            r.unlink(*keys)
        if cursor == 0:
            break


def _ingest(*, quick: bool, seed: int = 42) -> dict:
    """Feed the simulated hour through the real services; run the jobs at their beat periods."""
    from trending import counters, scoring
    from trending.services import record_engagement, record_tweet
    from trending.tasks import POPULAR_EVERY_SECONDS, TRENDING_EVERY_SECONDS

    rng = np.random.default_rng(seed)
    duration = int(float(os.environ.get("BENCH_MINUTES", 5 if quick else 60)) * 60)
    n_tweets = TWEETS_PER_HOUR * duration // 3600
    n_likes = LIKES_PER_HOUR * duration // 3600
    hour = 3600
    end = (int(time.time()) // hour) * hour + hour // 2  # half past: the hour spans two clock hours
    start = end - duration
    _say(f"  generating {n_tweets:,} tweets and {n_likes:,} likes over {duration // 60} simulated minutes…")
    texts = _texts(rng, n_tweets)
    burst_from = n_tweets - n_tweets // 6  # the last 10 minutes (or 50 s in quick mode)
    for k, i in enumerate(range(burst_from, n_tweets, 3)):
        if k >= 400:
            break
        texts[i] = f"Wow: {BURST.title()} right now ☀️"
    tweet_at = np.sort(rng.uniform(start, end, n_tweets))
    like_at = np.sort(rng.uniform(start, end, n_likes))
    authors = rng.zipf(1.3, n_tweets) % 200_000 + 1
    authors[burst_from:] = np.where(
        np.char.startswith(np.array(texts[burst_from:], dtype=object).astype(str), "Wow:"),
        900_000 + np.arange(n_tweets - burst_from),
        authors[burst_from:],
    )
    likers = rng.integers(1, 1_000_000, n_likes)
    popularity = rng.zipf(1.2, n_likes)  # 1 = the newest popular tweet
    r = counters.redis()
    before_memory = r.info("memory")["used_memory"]
    ingest_seconds = 0.0
    jobs: dict[str, list[float]] = {"popular": [], "trending": []}
    next_popular, next_trending = start + POPULAR_EVERY_SECONDS, start + TRENDING_EVERY_SECONDS
    t = li = 0
    events = 0
    base_id = 10**17
    while t < n_tweets or li < n_likes:
        chunk_end = min(next_popular, next_trending)
        began = time.perf_counter()
        while t < n_tweets and tweet_at[t] < chunk_end:
            record_tweet(
                tweet_id=base_id + t,
                author_id=int(authors[t]),
                text=texts[t],
                created_at_ms=int(tweet_at[t] * 1000),
                now=float(tweet_at[t]),
            )
            t += 1
            events += 1
        while li < n_likes and like_at[li] < chunk_end and t > 0:
            target = t - 1 - min(int(popularity[li]) * 7 % max(t, 1), t - 1)
            record_engagement(
                kind="like",
                user_id=int(likers[li]),
                tweet_id=base_id + target,
                author_id=int(authors[target]),
                delta=1,
                now=float(like_at[li]),
            )
            li += 1
            events += 1
        ingest_seconds += time.perf_counter() - began
        if chunk_end >= end:
            break
        if chunk_end == next_popular:
            began = time.perf_counter()
            scoring.compute_popular(now=chunk_end)
            jobs["popular"].append(time.perf_counter() - began)
            next_popular += POPULAR_EVERY_SECONDS
        if chunk_end == next_trending:
            began = time.perf_counter()
            scoring.compute_trending(now=chunk_end)
            jobs["trending"].append(time.perf_counter() - began)
            next_trending += TRENDING_EVERY_SECONDS
    memory = r.info("memory")["used_memory"] - before_memory
    rate_needed = (TWEETS_PER_HOUR + LIKES_PER_HOUR) / 3600
    achieved = events / ingest_seconds if ingest_seconds else 0.0
    result = {
        "simulated_minutes": duration // 60,
        "tweets": n_tweets,
        "likes": n_likes,
        "events": events,
        "ingest_seconds": round(ingest_seconds, 2),
        "events_per_s": round(achieved),
        "needed_events_per_s": round(rate_needed),
        "headroom": round(achieved / rate_needed, 1),
        "keeps_up": achieved >= rate_needed,
        "redis_memory_mb": round(memory / 2**20, 1),
    }
    _say(
        f"  ingestion: {events:,} events in {ingest_seconds:.1f} s = {achieved:,.0f} events/s "
        f"(needed {rate_needed:,.0f}/s, x{achieved / rate_needed:.1f}); Redis +{memory / 2**20:,.0f} MB"
    )
    # The final runs at the end of the hour, then Trending again with 24 h of history behind it.
    began = time.perf_counter()
    popular = scoring.compute_popular(now=end)
    jobs["popular"].append(time.perf_counter() - began)
    began = time.perf_counter()
    trending = scoring.compute_trending(now=end)
    jobs["trending"].append(time.perf_counter() - began)
    current = counters.hour_of(end)
    sources = [counters.trend_hour_key(current), counters.trend_hour_key(current - 1)]
    from trending.terms import extract_terms

    burst_terms = extract_terms(f"Wow: {BURST.title()} right now ☀️")
    # Copying big sorted sets outlasts the app's 1 s socket timeout: a client without one.
    import redis as redis_py
    from django.conf import settings

    slow = redis_py.Redis.from_url(settings.REDIS_URL, socket_timeout=None)
    for h in range(current - 25, current - 1):
        slow.zunionstore(counters.trend_hour_key(h), sources, aggregate="MAX")
        slow.zrem(counters.trend_hour_key(h), *burst_terms)  # an ordinary hour: no eclipse in it
    slow.close()
    counters.compact_hours(now=end)
    began = time.perf_counter()
    trending = scoring.compute_trending(now=end)
    with_history = time.perf_counter() - began
    terms = [t["term"] for t in trending["trends"]]
    result["jobs"] = {
        name: {
            "runs": len(values),
            "p50_s": round(statistics.median(values), 3),
            "max_s": round(max(values), 3),
            "last_s": round(values[-1], 3),
        }
        for name, values in jobs.items()
        if values
    }
    result["jobs"]["trending_with_24h_history_s"] = round(with_history, 3)
    result["popular_entries"] = len(popular["entries"])
    result["trends"] = len(terms)
    result["burst_rank"] = next((i + 1 for i, term in enumerate(terms) if "eclipse" in term), None)
    result["top_trends"] = terms[:8]
    result["terms_this_hour"] = r.zcard(counters.trend_hour_key(current))
    _say(
        f"  jobs: popular last {result['jobs']['popular']['last_s'] * 1000:.0f} ms (max "
        f"{result['jobs']['popular']['max_s'] * 1000:.0f} ms), trending last "
        f"{result['jobs']['trending']['last_s'] * 1000:.0f} ms, with 24 h history {with_history * 1000:.0f} ms; "
        f"burst phrase rank {result['burst_rank']}; top {terms[:5]}"
    )
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
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

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
    counters.redis().set(
        counters.popular_snapshot_key(), orjson.dumps({"computed_at": time.time(), "entries": entries})
    )
    viewer = User.objects.filter(is_active=True).exclude(pk__in=created).first() or User.objects.get(pk=created[0])
    session = SessionStore()
    session[SESSION_KEY] = str(viewer.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = viewer.get_session_auth_hash()
    session.create()
    return created, f"sessionid={session.session_key}"


def _pages(*, quick: bool) -> dict:
    from accounts.models import User

    created, cookie = _page_data()
    workers = int(os.environ.get("BENCH_WORKERS", "4"))
    seconds = 5 if quick else 15
    port = free_port()
    result: dict = {"server": f"granian wsgi, {workers} workers", "tool": "wrk -t1 -c16", "seconds": seconds}
    try:
        with Server(port, workers, env={"CHIRP_TRENDING_PREFIX": PREFIX}, drop=("CHIRP_TESTING",)):
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


def run(report: dict, *, quick: bool) -> None:
    """Measure ingestion, the scoring jobs and both pages; add report["ranking"]."""
    from trending import counters

    _say("Ranking (Popular and Trending)")
    section: dict = {}
    with override_settings(TRENDING_KEY_PREFIX=PREFIX):
        r = counters.redis()
        _clear(r)
        try:
            section["ingestion"] = _ingest(quick=quick)
            if os.environ.get("BENCH_SKIP_PAGES") != "1":
                section["pages"] = _pages(quick=quick)
        finally:
            _clear(r)
    report["ranking"] = section
