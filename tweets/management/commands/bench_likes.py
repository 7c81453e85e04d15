"""Measure concurrent likes on one hot tweet: the insert-only design against a row-lock counter.

    manage.py bench_likes --users 200

Both run the same SQL from Python threads with warm connections (other apps' after-commit hooks
left out, so the database design is what is measured). Creates throwaway users and a tweet (removed afterwards), releases N threads at once, each liking
the tweet in its own transaction, and reports wall time, per-like latency and lock waits for
(a) Chirp's design: Like row + CounterDelta row, no update of the tweet row, and
(b) the naive design: Like row + UPDATE tweets_tweet SET like_count = like_count + 1.
"""

from __future__ import annotations

import statistics
import threading
import time

from django.core.management.base import BaseCommand
from django.db import connection, connections, transaction

from accounts.models import User
from tweets import services
from tweets.models import Like, Tweet
from tweets.selectors import counts_for


def _insert_only_like(user, tweet) -> None:
    """The statements of services.like_tweet, without the after-commit hooks of other apps."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tweets_like (user_id, tweet_id, created_at) VALUES (%s, %s, now()) "
            "ON CONFLICT (user_id, tweet_id) DO NOTHING RETURNING id",
            [user.pk, tweet.pk],
        )
        if cursor.fetchone() is not None:
            cursor.execute(
                "INSERT INTO tweets_counterdelta (tweet_id, likes, retweets, replies, quotes) VALUES (%s, 1, 0, 0, 0)",
                [tweet.pk],
            )


def _naive_like(user, tweet) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tweets_like (user_id, tweet_id, created_at) VALUES (%s, %s, now()) "
            "ON CONFLICT (user_id, tweet_id) DO NOTHING RETURNING id",
            [user.pk, tweet.pk],
        )
        if cursor.fetchone() is not None:
            cursor.execute("UPDATE tweets_tweet SET like_count = like_count + 1 WHERE id = %s", [tweet.pk])


class Command(BaseCommand):
    help = "Measure N concurrent likes on one tweet: insert-only counters vs a row-lock counter."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--rounds", type=int, default=3)

    def _round(self, like, fans, tweet) -> tuple[float, list[float]]:
        barrier = threading.Barrier(len(fans) + 1)
        latencies: list[float] = []
        lock = threading.Lock()

        def run(user):
            try:
                with connection.cursor() as cursor:  # open the connection before the clock starts
                    cursor.execute("SELECT 1")
                barrier.wait()
                start = time.perf_counter()
                like(user, tweet)
                with lock:
                    latencies.append(time.perf_counter() - start)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(u,)) for u in fans]
        for t in threads:
            t.start()
        barrier.wait()
        start = time.perf_counter()
        for t in threads:
            t.join()
        return time.perf_counter() - start, latencies

    def handle(self, *args, users: int, rounds: int, **options):
        prefix = f"bl{int(time.time()) % 100000}_"
        author = User.objects.create_user(username=f"{prefix}a", password=None)
        fans = User.objects.bulk_create([User(username=f"{prefix}{i}", password="!") for i in range(users)])
        try:
            for name, like in (
                ("insert-only (Chirp)", _insert_only_like),
                ("row-lock counter (naive)", _naive_like),
            ):
                walls, all_latencies = [], []
                for _ in range(rounds):
                    tweet = services.create_tweet(author=author, text="hot tweet")
                    wall, latencies = self._round(like, fans, tweet)
                    walls.append(wall)
                    all_latencies.extend(latencies)
                    likes = Like.objects.filter(tweet=tweet).count()
                    shown = (
                        counts_for([tweet.pk])[tweet.pk]["likes"]
                        if "Chirp" in name
                        else Tweet.objects.get(pk=tweet.pk).like_count
                    )
                    assert likes == shown == users, (likes, shown)
                all_latencies.sort()
                p50 = statistics.median(all_latencies) * 1000
                p99 = all_latencies[int(len(all_latencies) * 0.99) - 1] * 1000
                self.stdout.write(
                    f"{name:26} {users} concurrent likes: wall {statistics.median(walls) * 1000:7.1f} ms, "
                    f"per-like p50 {p50:6.1f} ms, p99 {p99:6.1f} ms, max {all_latencies[-1] * 1000:6.1f} ms"
                )
        finally:
            Tweet.objects.filter(author__username__startswith=prefix).delete()
            User.objects.filter(username__startswith=prefix).delete()
