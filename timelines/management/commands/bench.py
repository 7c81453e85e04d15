"""manage.py bench: build a data tier and measure the home timeline against two baselines.

    manage.py bench --tier small --quick      # CI smoke test, under two minutes
    manage.py bench --tier t100k              # the full run recorded in docs/benchmarks.md

Unless --use-current-db is given, the tier lives in its own database (chirp_bench_<tier>) on the
same PostgreSQL server and in Redis database 24, so the development data is never touched.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

BENCH_REDIS_DB = 24  # not 11-15: parallel test runs flush those


class Command(BaseCommand):
    help = "Build a data tier (bench/datagen.py) and benchmark the home timeline: ours vs B0 and B1."

    def add_arguments(self, parser):
        parser.add_argument("--tier", choices=["small", "t10k", "t100k"], default="small")
        parser.add_argument("--quick", action="store_true", help="Short runs (CI smoke test).")
        parser.add_argument("--use-current-db", action="store_true", help="Use the configured database as is.")
        parser.add_argument("--reset", action="store_true", help="Rebuild the tier even if data is there.")
        parser.add_argument("--duration", type=float, help="Seconds per load run (default 15, quick 2).")
        parser.add_argument("--rate", type=float, help="Open-loop rate for ours (default 1000, quick 50).")
        parser.add_argument("--base-rate", type=float, help="Open-loop rate for every variant (default 200, quick 50).")
        parser.add_argument("--connections", type=int, help="Closed-loop connections (default 16).")
        parser.add_argument("--users", type=int, help="Readers to spread requests over (default 200).")
        parser.add_argument("--trials", type=int, help="Posts per author for the lag (default 20, quick 3).")
        parser.add_argument(
            "--workers", type=int, default=None, help="granian processes (default: as ./chirp run, one per core)."
        )
        parser.add_argument("--skip-reads", action="store_true")
        parser.add_argument("--skip-lag", action="store_true")
        parser.add_argument("--json", help="Where to write the JSON (default bench/results/<tier>-<time>.json).")

    def handle(self, *args, **options):
        tier = options["tier"]
        if not options["use_current_db"] and os.environ.get("CHIRP_BENCH_DB") != tier:
            self._reexec_in_bench_database(tier)
        call_command("migrate", "--no-input", verbosity=0)
        self._ensure_data(tier, reset=options["reset"])
        with connection.cursor() as cursor:  # index-only scans need the visibility map (fast when done)
            for table in ("accounts_user", "accounts_follow", "tweets_tweet"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        self._clear_redis(dedicated=not options["use_current_db"])
        from bench.timeline import Options, run

        quick = options["quick"]
        run(
            Options(
                tier=tier,
                quick=quick,
                duration=options["duration"] or (2.0 if quick else 15.0),
                rate=options["rate"] or (50.0 if quick else 1000.0),
                base_rate=options["base_rate"] or (50.0 if quick else 200.0),
                connections=options["connections"] or (8 if quick else 16),
                open_connections=16 if quick else 64,
                users=options["users"] or (50 if quick else 200),
                lag_trials=options["trials"] or (3 if quick else 20),
                workers=options["workers"],
                skip_reads=options["skip_reads"],
                skip_lag=options["skip_lag"],
                out=options["json"],
                say=lambda text: self.stdout.write(text),
            )
        )

    def _reexec_in_bench_database(self, tier: str) -> None:
        name = f"chirp_bench_{tier}"
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        database_url = urlunsplit(
            urlsplit(os.environ.get("DATABASE_URL") or settings.DATABASE_URL)._replace(path=f"/{name}")
        )
        redis_url = urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{BENCH_REDIS_DB}"))
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "CHIRP_BENCH_DB": tier}
        for name_ in ("PYTEST_VERSION", "CHIRP_TESTING", "PYTEST_CURRENT_TEST"):
            env.pop(name_, None)
        env["CHIRP_TESTING"] = "0"
        sys.stdout.flush()
        manage = os.path.join(settings.BASE_DIR, "manage.py")
        os.execve(sys.executable, [sys.executable, manage, "bench", *sys.argv[2:]], env)

    def _ensure_data(self, tier: str, *, reset: bool) -> None:
        from accounts.models import User
        from bench.datagen import TIERS, generate

        users = User.objects.count()
        if users and not reset:
            if abs(users - TIERS[tier].users) > TIERS[tier].users // 100 + 5:
                raise CommandError(
                    f"The database holds {users:,} users, not the {TIERS[tier].users:,} of tier {tier}: "
                    "pass --reset to rebuild it (destroys its data) or point at another database."
                )
            return
        self.stdout.write(f"Building tier {tier} (bench/datagen.py)…")
        summary = generate(tier=tier, seed=42, progress=True, reset=bool(users))
        self.stdout.write(f"  {summary}")

    def _clear_redis(self, *, dedicated: bool) -> None:
        from timelines.feeds import redis

        connection_ = redis()
        if dedicated:
            connection_.flushdb()
            return
        for pattern in ("feed:*", "tweet:card:*", "tweet:counts:*", "viewer:flags:*", "timeline:*"):
            keys = list(connection_.scan_iter(match=pattern, count=5000))
            for start in range(0, len(keys), 1000):
                connection_.delete(*keys[start : start + 1000])
