"""The home timeline benchmark: read throughput and latency, post-to-visible lag, Redis memory.

Run through ``manage.py bench`` (see docs/benchmarks.md). Everything is measured in one run, on
the same data, against the same server processes, so the ratios between the variants hold even
on a noisy shared machine.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from bench import load
from bench.load import Server, free_port
from twitter_site.launcher import web_threads, web_workers

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BASE_DIR = Path(settings.BASE_DIR)


@dataclass
class Options:
    tier: str
    quick: bool = False
    port: int = 0
    workers: int | None = None  # granian processes; None: the default of ./chirp run
    connections: int = 16
    open_connections: int = 64
    rate: float = 1000.0  # open-loop rate for ours
    base_rate: float = 200.0  # open-loop rate every variant runs at (baselines saturate far below 1,000/s)
    duration: float = 15.0
    users: int = 200
    lag_trials: int = 20
    skip_reads: bool = False
    skip_lag: bool = False
    out: str | None = None
    say: object = print
    report: dict = field(default_factory=dict)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


# --------------------------------------------------------------------------- data


def _sample_readers(count: int, seed: int = 7) -> list[int]:
    """Return active users who follow people, deterministic for a seed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM accounts_user WHERE is_active AND following_count > 0 AND last_seen_at >= %s ORDER BY id",
            [datetime.now(UTC) - timedelta(days=settings.TIMELINE_ACTIVE_DAYS)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    random.Random(seed).shuffle(ids)
    return ids[:count]


def _build_feeds(user_ids: list[int]) -> list[float]:
    from timelines import services

    timings = []
    for uid in user_ids:
        started = time.perf_counter()
        services.rebuild_feed(user_id=uid)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _memory(user_ids: list[int]) -> dict:
    from timelines import feeds

    redis = feeds.redis()
    sizes, entries, totals = [], [], []
    for uid in user_ids:
        feed_bytes = int(redis.memory_usage(feeds.home_feed_key(uid)) or 0)
        extra = sum(
            int(redis.memory_usage(key) or 0) for key in (feeds.home_reblogs_key(uid), feeds.home_celebs_key(uid))
        )
        sizes.append(feed_bytes)
        totals.append(feed_bytes + extra)
        entries.append(redis.zcard(feeds.home_feed_key(uid)) - 1)
    full = [s for s, n in zip(sizes, entries) if n >= settings.TIMELINE_MAX_ENTRIES]
    return {
        "feeds": len(sizes),
        "entries_mean": round(statistics.mean(entries), 1) if entries else 0,
        "feed_bytes_mean": round(statistics.mean(sizes)) if sizes else 0,
        "feed_bytes_max": max(sizes) if sizes else 0,
        "full_feeds": len(full),
        "full_feed_bytes_mean": round(statistics.mean(full)) if full else None,
        "with_side_keys_bytes_mean": round(statistics.mean(totals)) if totals else 0,
        "encoding": (redis.object("encoding", feeds.home_feed_key(user_ids[0])) or b"").decode() if user_ids else "",
    }


def _deep_cursors(user_ids: list[int], depth: int) -> dict[int, int]:
    """Return, per user, the id at ``depth`` in their timeline (the cursor of a deep page)."""
    from timelines import pull

    cursors = {}
    for uid in user_ids:
        entries = pull.pull_entries(user_id=uid, limit=depth)
        if len(entries) >= depth // 2:
            cursors[uid] = entries[-1][0]
    return cursors


# --------------------------------------------------------------------------- server


class Worker:
    """A real Celery worker on the fanout queue, the way ``./chirp run`` starts one."""

    def __init__(self, concurrency: int = 2):
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        binary = str(Path(sys.executable).parent / "celery")
        args = [binary, "-A", "twitter_site", "worker", "-Q", "fanout,default", "--concurrency", str(self.concurrency)]
        args += ["--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"]
        env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
        self.process = subprocess.Popen(args, cwd=BASE_DIR, env=env, start_new_session=True)
        time.sleep(4)  # let it connect to the broker
        return self

    def __exit__(self, *exc):
        load.stop_group(self.process, 15)


def _warm(port: int, paths: list[str]) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for line in paths:
        path, headers = load.split_line(line)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"warm-up {path} answered {response.status}")
    conn.close()


# --------------------------------------------------------------------------- measurements


def _access_tokens(readers: list[int]) -> dict[int, str]:
    """Issue an access token per reader, as an app would have after logging in."""
    from accounts.models import User
    from accounts.services import issue_tokens

    return {user.pk: issue_tokens(user=user).access for user in User.objects.filter(pk__in=readers)}


def _request_lines(variant: str, queries: list[str], tokens: dict[int, str]) -> list[str]:
    """Return the request lines of a variant (bench/load.py format: path, or path TAB token).

    ``api`` is the product's real endpoint, authenticated with each reader's Bearer token; the
    others are the bench endpoints that name the reader with ``?user=``.
    """
    if variant != "api":
        return [f"/api/v1/bench/home/{variant}{q}" for q in queries]
    lines = []
    for query in queries:
        params = dict(part.split("=", 1) for part in query.lstrip("?").split("&"))
        cursor = f"?cursor={params['cursor']}" if "cursor" in params else ""
        lines.append(f"/api/v1/timelines/home{cursor}\t{tokens[int(params['user'])]}")
    return lines


def measure_reads(options: Options, readers: list[int], deep: dict[int, int]) -> list[dict]:
    from twitter_site.pagination import encode_cursor

    port = options.port or free_port()
    rows = []
    pages = {
        "first": [f"?user={uid}" for uid in readers],
        "deep": [f"?user={uid}&cursor={encode_cursor(deep[uid])}" for uid in readers if uid in deep],
    }
    tokens = _access_tokens(readers)
    with Server(port, options.workers, env={"CHIRP_BENCH_ENDPOINTS": "1"}):
        for variant in ("ours", "api", "b1", "b0"):
            for page, queries in pages.items():
                if not queries:
                    continue
                paths = _request_lines(variant, queries, tokens)
                _warm(port, paths)
                closed = load.run_closed("127.0.0.1", port, paths, options.duration, options.connections)
                rates = [options.base_rate]
                if variant in ("ours", "api") and options.rate != options.base_rate:
                    rates.append(options.rate)
                opens = {}
                for rate in rates:
                    measured = load.run_open("127.0.0.1", port, paths, rate, options.duration, options.open_connections)
                    opens[rate] = measured.result | {"generator_cpu_share": round(measured.cpu_share, 3)}
                row = {
                    "variant": variant,
                    "page": page,
                    "closed": closed.result | {"generator_cpu_share": round(closed.cpu_share, 3)},
                    "open": [opens[rate] for rate in rates],
                }
                summary = "; ".join(
                    f"open @{o['rate']:.0f}/s p50 {o['p50_ms']:.1f} p99 {o['p99_ms']:.1f} ms err {o['errors']}"
                    for o in row["open"]
                )
                options.say(
                    f"  {variant:4} {page:5}  closed {row['closed']['req_per_s']:8.0f} req/s "
                    f"(p99 {row['closed']['p99_ms']:.1f} ms)   {summary}"
                )
                rows.append(row)
    return rows


def _pick_authors() -> list[tuple[str, int, int]]:
    """Return (label, author id, followers) for a median author, a ~1,000 and the biggest account."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY followers_count) FROM accounts_user "
            "WHERE is_active AND followers_count > 0"
        )
        median = cursor.fetchone()[0] or 1
        picks = []
        for label, target in (("median", median), ("1k", 1000)):
            cursor.execute(
                "SELECT id, followers_count FROM accounts_user WHERE is_active AND followers_count > 0 "
                "ORDER BY abs(followers_count - %s), id LIMIT 1",
                [target],
            )
            row = cursor.fetchone()
            picks.append((label, row[0], row[1]))
        cursor.execute(
            "SELECT id, followers_count FROM accounts_user WHERE is_active ORDER BY followers_count DESC, id LIMIT 1"
        )
        row = cursor.fetchone()
        picks.append(("largest", row[0], row[1]))
    return picks


def _active_followers(author_id: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.follower_id FROM accounts_follow f JOIN accounts_user u ON u.id = f.follower_id "
            "WHERE f.followee_id = %s AND u.is_active AND u.last_seen_at >= %s",
            [author_id, datetime.now(UTC) - timedelta(days=settings.TIMELINE_ACTIVE_DAYS)],
        )
        return [row[0] for row in cursor.fetchall()]


def measure_lag(options: Options) -> list[dict]:
    """Post as three authors through the real service and a real worker; time until followers see it.

    Fanout writes 1,000 feeds per atomic Lua call, in follower-id order (``pull.fanout_targets``),
    so every follower in a chunk sees the tweet at the same moment: polling one follower per chunk
    gives every follower's lag without the poller itself loading the machine.
    """
    from accounts.models import User
    from timelines import feeds, selectors
    from tweets.services import create_tweet

    rows = []
    authors = _pick_authors()
    merged = {a for _, a, n in authors if n > settings.TIMELINE_FANOUT_FOLLOWER_LIMIT}
    probes: dict[int, list[tuple[int, int]]] = {}  # author -> [(follower polled, followers it stands for)]
    for label, author_id, _followers in authors:
        active = sorted(_active_followers(author_id))
        if author_id in merged:
            readers = active[:20]  # read-time merge: a few readers through the real read path
            _build_feeds([u for u in readers if not feeds.exists(user_id=u)])
            for uid in readers:
                selectors.home_ids(user_id=uid)  # warm the author's recent list
            probes[author_id] = [(uid, 1) for uid in readers]
            continue
        if options.quick:
            active = active[:100]
        started = time.perf_counter()
        _build_feeds([u for u in active if not feeds.exists(user_id=u)])
        options.say(
            f"  built {len(active)} feeds of the {label} author's active followers in {time.perf_counter() - started:.1f}s"
        )
        chunks = [active[i : i + feeds.CHUNK] for i in range(0, len(active), feeds.CHUNK)]
        probes[author_id] = [(chunk[-1], len(chunk)) for chunk in chunks]
    redis = feeds.redis()

    def post(author, text) -> tuple[int, float]:
        committed: list[float] = []
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(time.perf_counter()))
            tweet = create_tweet(author=author, text=text)
        return tweet.pk, committed[0]

    with Worker():
        for label, author_id, followers in authors:
            author = User.objects.get(pk=author_id)
            post(author, f"bench warm-up {label} {time.time_ns()}")  # first task of a cold worker: not timed
            time.sleep(0.5)
            lags: list[float] = []
            lasts: list[float] = []
            unseen = 0
            for trial in range(options.lag_trials):
                tweet_id, t0 = post(author, f"bench lag {label} {trial} {time.time_ns()}")
                pending = dict(probes[author_id])
                seen: dict[int, float] = {}
                while pending and time.perf_counter() < t0 + 15:
                    order = list(pending)
                    if author_id in merged:
                        found = [tweet_id in selectors.home_ids(user_id=uid, limit=5).ids for uid in order]
                    else:
                        pipe = redis.pipeline(transaction=False)
                        for uid in order:
                            pipe.zscore(feeds.home_feed_key(uid), str(tweet_id))
                        found = [score is not None for score in pipe.execute()]
                    now = time.perf_counter()
                    for uid, hit in zip(order, found):
                        if hit:
                            seen[uid] = now
                            pending.pop(uid)
                    if pending:
                        time.sleep(0.001)
                weights = dict(probes[author_id])
                trial_lags = [(t - t0) * 1000 for uid, t in seen.items() for _ in range(weights[uid])]
                unseen += sum(pending.values())
                lags += trial_lags
                if trial_lags:
                    lasts.append(max(trial_lags))
                time.sleep(0.05)
            row = {
                "author": label,
                "followers": followers,
                "followers_measured": sum(n for _, n in probes[author_id]),
                "path": "read-time merge" if author_id in merged else "fanout",
                "trials": options.lag_trials,
                "p50_ms": round(_pct(lags, 50), 1),
                "p99_ms": round(_pct(lags, 99), 1),
                "max_ms": round(max(lags), 1) if lags else None,
                "last_follower_p50_ms": round(_pct(lasts, 50), 1),
                "never_seen": unseen,
            }
            rows.append(row)
            options.say(
                f"  {label:7} ({followers:>6} followers, {row['path']}): p50 {row['p50_ms']} p99 {row['p99_ms']} "
                f"max {row['max_ms']} ms; last follower p50 {row['last_follower_p50_ms']} ms"
            )
    return rows


def measure_forced_fanout(count: int) -> dict:
    """Time the server-side Lua push of one tweet to ``count`` existing (small) feeds."""
    from timelines import feeds

    redis = feeds.redis()
    base = 10**12  # ids no real user has
    users = list(range(base, base + count))
    pipe = redis.pipeline(transaction=False)
    for uid in users:
        pipe.zadd(feeds.home_feed_key(uid), {feeds.SENTINEL: feeds.SENTINEL_SCORE})
    pipe.execute()
    from twitter_site.snowflake import next_id

    started = time.perf_counter()
    changed, _ = feeds.push(tweet_id=next_id(), follower_ids=users)
    seconds = time.perf_counter() - started
    for start in range(0, count, 1000):
        redis.delete(*[feeds.home_feed_key(uid) for uid in users[start : start + 1000]])
    return {"feeds": count, "changed": changed, "ms": round(seconds * 1000, 1)}


# --------------------------------------------------------------------------- run


def run(options: Options) -> dict:
    say = options.say
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_user")
        users = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM accounts_follow")
        follows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM tweets_tweet")
        tweets = cursor.fetchone()[0]
    report: dict = {
        "tier": options.tier,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "loadavg_start": os.getloadavg()},
        "data": {"users": users, "follows": follows, "tweets": tweets},
        "settings": {
            "TIMELINE_MAX_ENTRIES": settings.TIMELINE_MAX_ENTRIES,
            "TIMELINE_FANOUT_FOLLOWER_LIMIT": settings.TIMELINE_FANOUT_FOLLOWER_LIMIT,
            "TIMELINE_ACTIVE_DAYS": settings.TIMELINE_ACTIVE_DAYS,
            "server": f"granian wsgi, {options.workers or web_workers()} workers x {web_threads()} threads",
            "closed_connections": options.connections,
            "open_rate_ours": options.rate,
            "open_rate_all": options.base_rate,
            "duration_s": options.duration,
        },
    }
    say(f"Data: {users:,} users, {follows:,} follows, {tweets:,} tweets")
    readers = _sample_readers(options.users)
    say(f"Building {len(readers)} readers' feeds from PostgreSQL (LATERAL pull)…")
    rebuild_ms = _build_feeds(readers)
    report["rebuild_ms"] = {"p50": round(_pct(rebuild_ms, 50), 2), "p99": round(_pct(rebuild_ms, 99), 2)}
    report["redis_memory"] = _memory(readers)
    say(f"  rebuild p50 {report['rebuild_ms']['p50']} ms; Redis per feed {report['redis_memory']}")
    if not options.skip_reads:
        deep = _deep_cursors(readers, 400)
        say(
            f"Reads: {options.duration:.0f}s per run, closed loop {options.connections} connections, "
            f"open loop at {options.base_rate:.0f}/s (all) and {options.rate:.0f}/s (ours, api)"
        )
        report["reads"] = measure_reads(options, readers, deep)
        _ratios(report)
    report["forced_fanout_lua"] = measure_forced_fanout(5_000 if options.quick else 50_000)
    say(
        f"Server-side Lua push to {report['forced_fanout_lua']['feeds']:,} feeds: {report['forced_fanout_lua']['ms']} ms"
    )
    if not options.skip_lag:
        say(f"Post-to-visible lag ({options.lag_trials} posts per author, real Celery worker)…")
        report["lag"] = measure_lag(options)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["machine"]["loadavg_end"] = os.getloadavg()
    _write(report, options)
    say(table(report))
    return report


def _ratios(report: dict) -> None:
    by = {(r["variant"], r["page"]): r for r in report["reads"]}
    ratios = {}
    for mine, label in (("ours", ""), ("api", "api_")):
        for page in ("first", "deep"):
            ours = by.get((mine, page))
            for base in ("b0", "b1"):
                other = by.get((base, page))
                if ours and other and other["closed"]["req_per_s"]:
                    ratio = ours["closed"]["req_per_s"] / other["closed"]["req_per_s"]
                    ratios[f"{label}{page}_vs_{base}"] = round(ratio, 2)
    report["throughput_ratios"] = ratios


def _write(report: dict, options: Options) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = (
        Path(options.out)
        if options.out
        else RESULTS_DIR / f"{options.tier}{'-quick' if options.quick else ''}-{stamp}.json"
    )
    path.write_text(json.dumps(report, indent=2))
    report["written_to"] = str(path)


def table(report: dict) -> str:
    lines = [
        f"\nHome timeline benchmark, tier {report['tier']} ({report['data']['users']:,} users, "
        f"{report['data']['tweets']:,} tweets); load average {report['machine']['loadavg_start'][0]:.1f} at start, "
        f"{report['machine'].get('loadavg_end', [0.0])[0]:.1f} at end, {report['machine']['cpus']} CPUs"
    ]
    if report.get("reads"):
        lines.append(
            f"{'variant':8} {'page':6} {'closed req/s':>13} {'closed p99':>11} {'open rate':>10} {'open p50':>9} "
            f"{'open p99':>9} {'open err':>8} {'gen CPU':>8}"
        )
        for row in report["reads"]:
            c = row["closed"]
            for k, o in enumerate(row["open"]):
                head = " " * 41
                if k == 0:
                    head = f"{row['variant']:8} {row['page']:6} {c['req_per_s']:13.0f} {c['p99_ms']:9.1f}ms"
                cpu = max(c["generator_cpu_share"], o["generator_cpu_share"])
                lines.append(
                    f"{head} {o['rate']:8.0f}/s {o['p50_ms']:7.1f}ms {o['p99_ms']:7.1f}ms {o['errors']:8} {cpu:7.0%}"
                )
        lines.append(f"ratios (closed loop, ours / baseline): {report.get('throughput_ratios')}")
    memory = report["redis_memory"]
    lines.append(
        f"Redis per timeline: {memory['feed_bytes_mean']:,} B mean ({memory['entries_mean']} entries, "
        f"{memory['encoding']}); full {report['settings']['TIMELINE_MAX_ENTRIES']}-entry feeds: "
        f"{memory['full_feed_bytes_mean']} B; with side keys {memory['with_side_keys_bytes_mean']:,} B"
    )
    lines.append(f"Rebuild from PostgreSQL: p50 {report['rebuild_ms']['p50']} ms, p99 {report['rebuild_ms']['p99']} ms")
    forced = report["forced_fanout_lua"]
    lines.append(f"Lua fanout to {forced['feeds']:,} feeds: {forced['ms']} ms")
    for row in report.get("lag", []):
        lines.append(
            f"lag {row['author']:7} {row['followers']:>6} followers ({row['path']}): p50 {row['p50_ms']} ms, "
            f"p99 {row['p99_ms']} ms, max {row['max_ms']} ms, never seen {row['never_seen']}"
        )
    if report.get("written_to"):
        lines.append(f"JSON: {report['written_to']}")
    return "\n".join(lines)
