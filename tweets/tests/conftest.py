"""Fixtures of the tweets tests: posting through the service, as every caller does."""

import pytest


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """Return post(author, text, **kw) -> Tweet, created through the service with hooks run."""
    from tweets.services import create_tweet

    def make(author, text="hello", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return create_tweet(author=author, text=text, **fields)

    return make
