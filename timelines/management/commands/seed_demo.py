"""Load demo data (seeds/000's small tier by default) with bulk COPY; see bench/datagen.py."""

from django.core.management.base import BaseCommand

from accounts.models import User
from bench.datagen import ADMIN_PASSWORD, ADMIN_USERNAME, DEMO_PASSWORD, DEMO_USERNAME, TIERS, generate


class Command(BaseCommand):
    help = "Load deterministic demo data: users, follows, tweets with emoji, likes, retweets, replies."

    def add_arguments(self, parser):
        parser.add_argument("--tier", choices=sorted(TIERS), default="small")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when there are users already")
        parser.add_argument("--reset", action="store_true", help="empty the tables (and the Redis db) first")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, tier, seed, if_empty, reset, no_progress, **options):
        if if_empty and User.objects.exists():
            self.stdout.write("Demo data already loaded.")
            return
        if reset:
            from django_redis import get_redis_connection

            get_redis_connection("default").flushdb()
        self.stdout.write(f"Loading the {tier} tier (seed {seed})…")
        summary = generate(tier=tier, seed=seed, reset=reset, progress=None if not no_progress else False)
        self.stdout.write(
            self.style.SUCCESS(
                ", ".join(f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in summary.items())
            )
        )
        if tier == "small":  # bigger tiers are for the benchmark, which measures ranking itself
            self._rank_recent_activity()
        self.stdout.write(
            f"Log in as {DEMO_USERNAME} / {DEMO_PASSWORD} (moderator: {ADMIN_USERNAME} / {ADMIN_PASSWORD})."
        )

    def _rank_recent_activity(self):
        """Give Popular and Trending the loaded activity (bulk loads bypass the live counters)."""
        from datetime import timedelta

        from django.utils import timezone

        from trending.scoring import compute_popular, compute_trending
        from trending.services import replay_activity

        now = timezone.now()
        since = now - timedelta(hours=6)  # one window for all kinds, so the baseline compares like with like
        replayed = replay_activity(tweets_since=since, engagement_since=since)
        compute_popular()
        trending = compute_trending()
        self.stdout.write(
            "Ranked the last 6 hours: "
            + ", ".join(f"{k}: {v:,}" for k, v in replayed.items())
            + f"; {len(trending['trends'])} trends."
        )
