"""The ranking jobs: turn the live counters into the precomputed Popular and Trending lists.

Formulas and their reasoning are in docs/ranking.md. ``trend_score`` is pure; the two
``compute_*`` functions read the counters, write one JSON snapshot each and return it.
"""

from __future__ import annotations

import math
import time

from django.conf import settings

from trending import counters
from trending.terms import term_kind

POPULAR_SIZE = 100
TRENDING_SIZE = 100
EXPECTED_FLOOR = 2.0  # people per hour a term is assumed to have when it has no history
BURST_Z = 3.0  # how many Poisson standard deviations above the expected rate a trend must be
SUBSUME_SHARE = 0.7  # a term is hidden behind a better-ranked phrase sharing a word and this share of its people
# Used only while there is no hourly history at all (the first hour after a fresh start): then
# the baseline cannot tell ever-common words yet. Afterwards the statistics do it alone.
COLD_START_STOP_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "is",
        "are",
        "was",
        "be",
        "it",
        "this",
        "that",
        "with",
        "at",
        "by",
        "from",
        "as",
        "i",
        "you",
        "we",
        "he",
        "she",
        "they",
        "my",
        "your",
        "our",
        "me",
        "so",
        "just",
        "not",
        "no",
        "but",
        "if",
        "do",
        "have",
        "has",
        "had",
        "what",
        "when",
        "how",
        "all",
        "can",
        "will",
        "about",
        "up",
        "out",
        "get",
        "de",
        "la",
        "el",
        "en",
        "y",
        "que",
        "los",
        "las",
        "un",
        "una",
        "por",
        "con",
        "para",
        "es",
        "le",
        "les",
        "des",
        "du",
        "et",
        "est",
        "il",
        "je",
        "pas",
        "und",
        "der",
        "die",
        "das",
        "ist",
        "nicht",
        "ich",
        "zu",
        "mit",
        "den",
        "im",
        "è",
        "di",
        "che",
        "il",
        "per",
        "non",
        "и",
        "в",
        "не",
        "на",
        "что",
        "я",
        "с",
    ]
)


def min_people() -> int:
    return int(getattr(settings, "TRENDING_MIN_PEOPLE", 12))


def trend_score(observed: float, expected: float, *, minimum: int | None = None) -> float | None:
    """Return the trend score of ``observed`` people this hour against ``expected``, or None.

    None when fewer than the minimum people used the term, or when the count sits inside the
    Poisson interval of the expected count (mean + BURST_Z * sqrt(mean)). Otherwise Mastodon's
    chi-square-like (observed - expected)^2 / expected.
    """
    minimum = min_people() if minimum is None else minimum
    expected = max(expected, EXPECTED_FLOOR)
    if observed < minimum or observed <= expected + BURST_Z * math.sqrt(expected):
        return None
    return (observed - expected) ** 2 / expected


def _story_words(term: str) -> set[str]:
    """Return the words a term shares stories by (hashtags and emoji stand alone: no words)."""
    return set() if term_kind(term) in ("hashtag", "emoji") else set(term.split(" "))


def _edge_words(term: str) -> tuple[str, ...]:
    words = term.split(" ")
    return (words[0], words[-1]) if len(words) > 1 else ()


def compute_popular(*, now: float | None = None) -> dict:
    """Expire old minutes, rank the rolling hour and store the snapshot; return it."""
    now = time.time() if now is None else now
    counters.expire_popular(now=now)
    entries = [
        {"id": tweet_id, "score": score, **{k: counts[k] for k in counters.KINDS}}
        for tweet_id, score, counts in counters.top_popular(POPULAR_SIZE + 50)
    ]
    snapshot = {"computed_at": now, "entries": entries}
    counters.store_snapshot(counters.popular_snapshot_key(), snapshot)
    return snapshot


def compute_trending(*, now: float | None = None) -> dict:
    """Score every recent term against its own baseline and store the snapshot; return it."""
    now = time.time() if now is None else now
    counters.compact_hours(now=now)
    # Candidates: terms with at least half the minimum people in this clock hour or the last.
    terms = counters.candidate_terms(max(1, min_people() // 2), now=now)
    current = counters.hour_of(now)
    hours = list(range(current - 25, current + 1))
    values, present = counters.hourly_people(terms, hours)
    # People per hour, estimated the same way now and in history: the people of this clock hour
    # plus the share of the previous hour still inside the rolling hour. Comparing like with like
    # cancels the bias of people who post the same word in both hours (docs/ranking.md).
    share = 1.0 - (now % 3600) / 3600

    def estimate(i: int, j: int) -> float:
        return values[i][j] + share * values[i - 1][j]

    now_row = len(hours) - 1
    baseline_rows = [i for i in range(1, now_row - 1) if present[i] and present[i - 1]]
    cold = not baseline_rows
    live: dict[str, float] = {}
    usual: dict[str, float] = {}
    for j, term in enumerate(terms):
        live[term] = estimate(now_row, j)
        usual[term] = sum(estimate(i, j) for i in baseline_rows) / len(baseline_rows) if baseline_rows else 0.0
    scored = []
    for j, term in enumerate(terms):
        if cold and term in COLD_START_STOP_WORDS:
            continue
        edges = _edge_words(term)
        if edges and (
            max(usual.get(w, 0.0) for w in edges) >= live[term] or (cold and COLD_START_STOP_WORDS & set(edges))
        ):
            # A phrase that starts or ends with a word more common than the phrase itself ("the
            # solar eclipse", "is unreal"): the same news is carried by a tighter phrase.
            continue
        score = trend_score(live[term], usual[term])
        if score is not None:
            commonness = sum(usual.get(w, 0.0) for w in edges)
            scored.append((score, term.count(" "), term, usual[term], j, commonness))
    scored.sort(key=lambda row: (-row[0], -row[1], row[5], row[2]))
    kept: list[tuple] = []
    stories: list[set[str]] = []  # the words of each kept term, grown by the terms hidden behind it
    for row in scored:
        term = row[2]
        # Words more common than the term itself ("the", "of") never tie two stories together.
        words = {
            w
            for w in _story_words(term)
            if usual.get(w, 0.0) < live[term] and not (cold and w in COLD_START_STOP_WORDS)
        }
        story = next(
            (n for n, other in enumerate(kept) if words & stories[n] and live[other[2]] >= SUBSUME_SHARE * live[term]),
            None,
        )
        if story is not None:
            stories[story] |= words  # "shower peaking tonight" carries "tonight" into the story
            continue
        kept.append(row)
        stories.append(words)
        if len(kept) >= TRENDING_SIZE:
            break
    tweets = counters.tweets_in_window([row[2] for row in kept], now=now)
    trends = [
        {
            "term": term,
            "kind": term_kind(term),
            "people": round(live[term]),
            "tweets": tweets[n],
            "expected": round(expected, 2),
            "score": round(score, 3),
            "spark": [values[i][j] for i in range(len(hours) - 24, len(hours))],
        }
        for n, (score, _, term, expected, j, _) in enumerate(kept)
    ]
    snapshot = {"computed_at": now, "cold_start": cold, "trends": trends}
    counters.store_snapshot(counters.trend_snapshot_key(), snapshot)
    return snapshot
