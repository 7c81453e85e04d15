"""The ranking benchmark's own arithmetic and traffic, and a one-minute run through the real counters."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bench import ranking


def test_realtime_lag_is_zero_while_every_minute_fits_in_its_minute():
    assert ranking._realtime_lag([10.0, 59.0, 30.0]) == 0.0
    # A 90 s minute ends 30 s late; the next (10 s) starts late and ends 40 - 60 + ... = 0 s late.
    assert ranking._realtime_lag([10.0, 90.0, 10.0]) == pytest.approx(30.0)
    # Two slow minutes in a row: the backlog adds up.
    assert ranking._realtime_lag([70.0, 70.0]) == pytest.approx(20.0)


def test_distribution_reports_median_p99_and_max():
    values = [float(v) for v in range(1, 201)]
    assert ranking._distribution(values) == {"n": 200, "p50_s": 100.5, "p99_s": 199.0, "max_s": 200.0}


def test_recent_targets_point_at_earlier_tweets_mostly_recent_ones():
    counts = np.array([1, 2, 10, 1000, 1000])
    popularity = np.array([1, 5, 3, 1, 10**18])  # a huge Zipf draw must not overflow
    targets = ranking._recent_targets(counts, popularity)
    assert (targets >= 0).all() and (targets < counts).all()
    assert targets[3] == 1000 - 1 - 7  # the commonest draw: a tweet just before


def test_one_minute_of_traffic_has_the_medium_tier_shape():
    traffic = ranking._traffic(np.random.default_rng(1), duration=60)
    assert traffic.end % 3600 == 1800 and traffic.end - traffic.start == 60
    assert traffic.start > time.time(), "the simulated hours never become closed hours during a run"
    assert len(traffic.texts) == 7_000 and 13_000 < len(traffic.likers) <= 13_833
    assert 0.08 < traffic.parent_kinds.count("reply") / 7_000 < 0.12
    assert np.all(np.diff(traffic.times) >= 0) and traffic.actions == len(traffic.times)
    # Every engagement points at a tweet posted before it.
    tweet_at = {}
    for kind, i, at in zip(traffic.kinds, traffic.index, traffic.times.tolist(), strict=True):
        if kind == ranking.TWEET:
            tweet_at[i] = at
            parent = traffic.parents[i]
            assert parent < 0 or parent in tweet_at
        else:
            target = (traffic.like_targets if kind == ranking.LIKE else traffic.retweet_targets)[i]
            assert target in tweet_at
    burst = [i for i, text in enumerate(traffic.texts) if text.startswith("Wow:")]
    assert len({traffic.authors[i] for i in burst}) == len(burst) > 300


@pytest.mark.slow
def test_one_simulated_minute_end_to_end(db, monkeypatch):
    from trending import counters

    monkeypatch.setenv("BENCH_MINUTES", "1")
    report: dict = {}
    ranking.run(report, quick=True, skip_pages=True)
    result = report["ranking"]["ingestion"]
    assert result["simulated_minutes"] == 1 and result["actions"] > 20_000
    assert result["counter_calls"] == result["actions"] + result["replies"] + result["quotes"]
    assert result["minute_wall"]["n"] == 1 and result["actions_per_s"] > 0
    assert result["jobs"]["popular"]["n"] == 1 and result["jobs"]["trending_with_24h_history"]["next_run_s"] > 0
    history = result["jobs"]["trending_with_24h_history"]
    assert history["history_prepared_terms"] > 0 and history["same_snapshot_without_cache"]
    memory = result["redis_memory"]
    assert {"tr:h", "tr:seen", "tr:terms", "pop:e", "pop:live"} <= set(memory["by_family"])
    assert memory["by_family"]["tr:terms"]["keys"] == result["tweets"]
    assert result["popular_entries"] > 0 and result["burst_rank"] == 1
    assert "pages" not in report["ranking"]
    assert not list(counters.redis().scan_iter(match="bench:*")), "the run removes its keys"
