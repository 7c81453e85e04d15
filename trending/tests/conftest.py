"""Fixtures of the trending tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service and its after-commit hooks (the trending counters) now: ``run(fn, **kwargs)``."""

    def call(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return call
