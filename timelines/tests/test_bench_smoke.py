"""The benchmark's CI smoke test: the small tier, short runs, every measurement present and sane.

Slow (about two minutes on a quiet 2-core machine, the first run also builds the tier):
run it with ``pytest -m slow timelines/tests/test_bench_smoke.py`` or as ``manage.py bench --tier
small --quick`` directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def test_bench_small_quick(tmp_path):
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "PYTEST_CURRENT_TEST")}
    env["CHIRP_TESTING"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "bench", "--tier", "small", "--quick", "--json", str(out)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["data"]["users"] >= 999
    variants = {(row["variant"], row["page"]) for row in report["reads"]}
    assert variants == {(v, p) for v in ("ours", "api", "b0", "b1") for p in ("first", "deep")}
    for row in report["reads"]:
        assert row["closed"]["req_per_s"] > 0 and row["closed"]["errors"] == 0
        for run in row["open"]:
            assert run["completed"] == run["sent"] and run["errors"] == 0
    assert [row["author"] for row in report["lag"]] == ["median", "1k", "largest"]
    assert all(row["never_seen"] == 0 for row in report["lag"])
    assert 0 < report["redis_memory"]["feed_bytes_mean"] < 40_000
    assert "Home timeline benchmark" in result.stdout
