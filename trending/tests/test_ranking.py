"""Deterministic synthetic streams through the real counters and scoring jobs (time passed in)."""

from __future__ import annotations

import random

import pytest

from trending import counters, scoring
from trending.services import record_engagement, record_tweet
from trending.terms import extract_terms

HOUR = 3600
# Half past an hour, far from any boundary; the counters never read the clock themselves.
NOW = 1_790_000_000 - 1_790_000_000 % HOUR + HOUR // 2


def trend_terms(snapshot: dict) -> list[str]:
    return [t["term"] for t in snapshot["trends"]]


def tweet(tid: int, author: int, text: str, at: float) -> None:
    record_tweet(tweet_id=tid, author_id=author, text=text, created_at_ms=int(at * 1000), now=at)


def background(rng: random.Random, *, hours: int = 25, people: int = 60) -> int:
    """Feed `hours` of ordinary chatter: every hour 60 people tweet; 40 of them say "coffee"."""
    words = [
        "morning",
        "lunch",
        "train",
        "rain",
        "music",
        "books",
        "garden",
        "python",
        "deploy",
        "weekend",
        "movie",
        "soup",
    ]
    tid = 1
    for h in range(hours, -1, -1):
        start = NOW - h * HOUR
        end = NOW if h == 0 else start + HOUR
        for person in range(people):
            at = rng.uniform(start - HOUR // 2 if h else start - HOUR // 2, end - HOUR // 2)
            text = " ".join(rng.sample(words, 3))
            if person < 40:
                text = f"the coffee is {text}"
            tweet(tid, 1000 + person, text, at)
            tid += 1
    return tid


@pytest.fixture
def history(db):
    return background(random.Random(7))


def test_burst_phrase_reaches_top_ten_in_one_run(history):
    tid = history
    for person in range(25):
        tweet(tid + person, 5000 + person, "Wow, the solar eclipse tonight is unreal", NOW - 600 + person * 20)
    snapshot = scoring.compute_trending(now=NOW)
    top = trend_terms(snapshot)[:10]
    assert "solar eclipse tonight" in top
    # Its words are folded into the phrase rather than listed three more times.
    assert "solar" not in top and "solar eclipse" not in top
    entry = snapshot["trends"][top.index("solar eclipse tonight")]
    assert entry["people"] == 25 and entry["tweets"] == 25 and len(entry["spark"]) == 24


def test_constant_high_frequency_word_does_not_trend(history):
    snapshot = scoring.compute_trending(now=NOW)
    terms = trend_terms(snapshot)
    assert "coffee" not in terms and "the" not in terms and "the coffee" not in terms
    assert not snapshot["cold_start"]


@pytest.mark.parametrize("spammers", [1, 5])
def test_a_few_spamming_accounts_cannot_make_a_term_trend(history, spammers):
    tid = history
    for i in range(400):  # every few seconds for the whole hour, across the hour boundary
        tweet(tid + i, 7000 + i % spammers, "buy cheapcoins now #cheapcoins", NOW - HOUR + i * 9)
        # ...and like each other's tweets
        record_engagement(
            kind="like",
            user_id=7000 + (i + 1) % spammers,
            tweet_id=tid + i,
            author_id=7000 + i % spammers,
            delta=1,
            now=NOW - HOUR + i * 9,
        )
    terms = trend_terms(scoring.compute_trending(now=NOW))
    assert not any("cheapcoins" in term for term in terms)


def test_likes_spread_a_term_through_unique_people(history):
    tid = history
    tweet(tid, 9000, "The harbour lights festival opens", NOW - 900)
    for person in range(20):
        record_engagement(
            kind="like", user_id=9100 + person, tweet_id=tid, author_id=9000, delta=1, now=NOW - 800 + person
        )
        record_engagement(
            kind="like", user_id=9100 + person, tweet_id=tid, author_id=9000, delta=1, now=NOW - 700 + person
        )
    snapshot = scoring.compute_trending(now=NOW)
    entry = next(
        t for t in snapshot["trends"] if t["term"] == "harbour lights festival opens"[:0] + "harbour lights festival"
    )
    assert entry["people"] == 21 and entry["tweets"] == 1


def test_trend_score_formula():
    assert scoring.trend_score(11, 0, minimum=12) is None  # too few people
    assert scoring.trend_score(40, 30, minimum=12) is None  # inside the Poisson interval (30 + 3*sqrt(30))
    assert scoring.trend_score(50, 30, minimum=12) == pytest.approx((50 - 30) ** 2 / 30)
    assert scoring.trend_score(20, 0, minimum=12) == pytest.approx((20 - 2) ** 2 / 2)  # floor of 2


def test_terms_any_language():
    assert extract_terms("Solar ECLIPSE tonight! #Astro 🌘") == [
        "solar",
        "eclipse",
        "tonight",
        "solar eclipse",
        "eclipse tonight",
        "solar eclipse tonight",
        "#astro",
        "🌘",
    ]
    assert "東京" in extract_terms("今日は東京で")
    assert "привет мир" in extract_terms("Привет, мир! Привет мир")
    assert extract_terms("@bob https://example.com 2026") == []


def test_popular_counts_once_per_person_per_kind_without_self_engagement(db):
    def like(user, delta=1, kind="like", at=NOW):
        record_engagement(kind=kind, user_id=user, tweet_id=42, author_id=1, delta=delta, now=at)

    like(1)  # the author: ignored
    like(2)
    like(2)  # again: still one person
    like(3)
    like(3, kind="reply")
    like(3, kind="reply")  # a second reply by the same person
    like(4, kind="retweet")
    record_engagement(kind="like", user_id=5, tweet_id=43, author_id=1, delta=1, now=NOW)
    entries = {e["id"]: e for e in scoring.compute_popular(now=NOW + 30)["entries"]}
    assert entries[42]["like"] == 2 and entries[42]["reply"] == 1 and entries[42]["retweet"] == 1
    assert entries[42]["score"] == 2 * 1 + 2 + 2
    assert list(entries)[0] == 42

    like(3, delta=-1)  # undo a like
    like(3, delta=-1, kind="reply")  # one of two replies deleted: still counted
    assert {e["id"]: e for e in scoring.compute_popular(now=NOW + 40)["entries"]}[42]["like"] == 1
    assert {e["id"]: e for e in scoring.compute_popular(now=NOW + 40)["entries"]}[42]["reply"] == 1


def test_popular_is_a_rolling_hour(db):
    record_engagement(kind="like", user_id=2, tweet_id=42, author_id=1, delta=1, now=NOW)
    record_engagement(kind="like", user_id=3, tweet_id=42, author_id=1, delta=1, now=NOW + 1800)
    assert scoring.compute_popular(now=NOW + 1860)["entries"][0]["like"] == 2
    assert scoring.compute_popular(now=NOW + 3700)["entries"][0]["like"] == 1
    # Undoing a like that already left the hour changes nothing.
    record_engagement(kind="like", user_id=2, tweet_id=42, author_id=1, delta=-1, now=NOW + 3710)
    assert scoring.compute_popular(now=NOW + 3720)["entries"][0]["like"] == 1
    assert scoring.compute_popular(now=NOW + 5500)["entries"] == []
    assert counters.redis().zcard(counters.popular_live_key()) == 0


def test_popular_rebuilt_from_buckets_equals_the_live_counts(db):
    # Mixed kinds over the hour, as counted live...
    rng = random.Random(3)
    for n in range(300):
        kind = rng.choice(["like", "like", "retweet", "reply", "quote"])
        record_engagement(
            kind=kind, user_id=100 + n, tweet_id=rng.randint(1, 20), author_id=1, delta=1, now=NOW - 3500 + n * 10
        )
    r = counters.redis()
    r.set(counters.popular_expired_key(), counters.minute_of(NOW) - counters.POPULAR_WINDOW_MINUTES)
    live = scoring.compute_popular(now=NOW)["entries"]
    # ...and after the job was off longer than the buckets live: rebuilt from the minute buckets.
    r.delete(
        counters.popular_expired_key(), counters.popular_live_key(), *map(counters.popular_live_key, counters.KINDS)
    )
    assert scoring.compute_popular(now=NOW)["entries"] == live
    assert len(live) == 20 and live[0]["score"] == max(e["score"] for e in live)
