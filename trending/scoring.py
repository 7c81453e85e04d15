"""The ranking jobs: turn the live counters into the precomputed Popular and Trending lists.

Formulas and their reasoning are in docs/ranking.md. ``trend_score`` is pure; the two
``compute_*`` functions read the counters, write one JSON snapshot each and return it.
"""

from __future__ import annotations

import math
import time

import numpy as np
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


def _estimate(values: np.ndarray, row: int, share: float) -> np.ndarray:
    """Return people per hour of every term for the rolling hour ending in hour ``row``."""
    return values[row] + share * values[row - 1]


def _mean_estimate(values: np.ndarray, rows: list[int], share: float) -> np.ndarray:
    """Return the mean of ``_estimate`` over ``rows`` (zeros without rows): the terms' baselines.

    Summed row after row, in order: the same float operations as summing term by term in Python,
    so the scores do not depend on the vectorisation.
    """
    total = np.zeros(values.shape[1])
    for row in rows:
        total = total + _estimate(values, row, share)
    return total / len(rows) if rows else total


def _people_per_hour(
    hours: list[int], share: float, *, minimum: int, now: float
) -> tuple[list[str], np.ndarray, list[bool]]:
    """Return the terms worth scoring, their people per hour (``hours`` x terms) and which hours have data.

    Candidates are the terms with at least half the minimum people in this clock hour or the
    last. Only those with the minimum people in the rolling hour can trend, so the 24 hours of
    history are read for them and for the words they are made of (the phrase checks compare a
    phrase with its words), not for every candidate.
    """
    candidates = counters.candidate_terms(max(1, minimum // 2), now=now)
    recent, recent_present = counters.hourly_people(candidates, hours[-2:])
    index = {term: j for j, term in enumerate(candidates)}
    able = [candidates[j] for j in np.flatnonzero(_estimate(recent, 1, share) >= minimum).tolist()]
    wanted = dict.fromkeys(able)
    for term in able:
        for word in _story_words(term):
            if word in index:
                wanted[word] = None
    terms = list(wanted)
    present = counters.existing_hours(hours[:-2])
    if any(present):
        history = counters.closed_hours_people(terms, hours[:-2])
    else:  # a cold start: nothing to read or cache
        history = np.zeros((len(present), len(terms)), dtype=np.int64)
    values = np.vstack([history, recent[:, [index[term] for term in terms]]])
    return terms, values, [*present, *recent_present]


def _one_per_story(scored: list[tuple], live: dict, usual: dict, *, cold: bool) -> list[tuple]:
    """Return the best-ranked term of each story from ``scored`` (best first), at most TRENDING_SIZE.

    A term is hidden behind the best-ranked kept term that shares a word with its story and has
    at least SUBSUME_SHARE of its people; the hidden term's words join that story. Stories are
    found through an index word -> stories rather than by testing every kept term, because in
    a cold start tens of thousands of terms pass the gates and most of them are hidden.
    """
    kept: list[tuple] = []
    stories: dict[str, set[int]] = {}  # word -> the kept terms whose story holds it
    for row in scored:
        term = row[2]
        # Words more common than the term itself ("the", "of") never tie two stories together.
        words = {
            w
            for w in _story_words(term)
            if usual.get(w, 0.0) < live[term] and not (cold and w in COLD_START_STOP_WORDS)
        }
        sharing = sorted({n for w in words for n in stories.get(w, ())})
        story = next((n for n in sharing if live[kept[n][2]] >= SUBSUME_SHARE * live[term]), None)
        if story is None:
            story = len(kept)
            kept.append(row)
        for w in words:  # "shower peaking tonight" carries "tonight" into the story
            stories.setdefault(w, set()).add(story)
        if len(kept) >= TRENDING_SIZE:
            break
    return kept


def _window(now: float) -> tuple[list[int], float]:
    """Return the clock hours a run at ``now`` reads (25 behind the current one, oldest first) and
    the share of the previous hour still inside the rolling hour."""
    current = counters.hour_of(now)
    # People per hour, estimated the same way now and in history: the people of this clock hour
    # plus the share of the previous hour still inside the rolling hour. Comparing like with like
    # cancels the bias of people who post the same word in both hours (docs/ranking.md).
    return list(range(current - 25, current + 1)), 1.0 - (now % 3600) / 3600


def prepare_history(*, now: float | None = None) -> int:
    """Read the 24-hour history of the terms a Trending run at ``now`` would score into the hour's cache.

    Return how many terms. The job reads history through that cache, which is kept per clock
    hour, shifted at the turn of the hour and extended by the few terms new to each run; what
    empties it prepares it again: a replay of past activity (``services.replay_activity``, whose
    writes into closed hours start a new cache) and a worker start (``tasks.prepare_history``). A
    run that still finds no cache (say Redis evicted it) reads the history itself, as here.
    """
    now = time.time() if now is None else now
    counters.compact_hours(now=now)  # as the job does first: the cache holds compacted hours
    hours, share = _window(now)
    terms, _, _ = _people_per_hour(hours, share, minimum=min_people(), now=now)
    return len(terms)


def compute_trending(*, now: float | None = None) -> dict:
    """Score every recent term against its own baseline and store the snapshot; return it."""
    now = time.time() if now is None else now
    counters.compact_hours(now=now)
    hours, share = _window(now)
    minimum = min_people()
    terms, values, present = _people_per_hour(hours, share, minimum=minimum, now=now)
    now_row = len(hours) - 1
    baseline_rows = [i for i in range(1, now_row - 1) if present[i] and present[i - 1]]
    cold = not baseline_rows
    live = dict(zip(terms, _estimate(values, now_row, share).tolist(), strict=True))
    usual = dict(zip(terms, _mean_estimate(values, baseline_rows, share).tolist(), strict=True))
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
        score = trend_score(live[term], usual[term], minimum=minimum)
        if score is not None:
            commonness = sum(usual.get(w, 0.0) for w in edges)
            scored.append((score, term.count(" "), term, usual[term], j, commonness))
    scored.sort(key=lambda row: (-row[0], -row[1], row[5], row[2]))
    kept = _one_per_story(scored, live, usual, cold=cold)
    tweets = counters.tweets_in_window([row[2] for row in kept], now=now)
    trends = [
        {
            "term": term,
            "kind": term_kind(term),
            "people": round(live[term]),
            "tweets": tweets[n],
            "expected": round(expected, 2),
            "score": round(score, 3),
            "spark": values[len(hours) - 24 :, j].tolist(),
        }
        for n, (score, _, term, expected, j, _) in enumerate(kept)
    ]
    snapshot = {"computed_at": now, "cold_start": cold, "trends": trends}
    counters.store_snapshot(counters.trend_snapshot_key(), snapshot)
    return snapshot
