"""Test fixtures shared by every app: real PostgreSQL and Redis, API clients, users."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("CHIRP_TESTING", "1")


@pytest.fixture(autouse=True)
def _clean_redis(settings):
    """Start every test with an empty Redis database (tests own database 15, never the dev data)."""
    from django_redis import get_redis_connection

    connection = get_redis_connection("default")
    assert connection.connection_pool.connection_kwargs.get("db") == int(os.environ.get("CHIRP_TEST_REDIS_DB", "15")), (
        "refusing to flush a Redis database that is not the tests' own"
    )
    connection.flushdb()
    yield


@pytest.fixture
def make_user(db):
    """Return a factory of users: make_user("alice") -> User with password 'pw-alice-123!'."""
    from accounts.models import User

    def make(username: str = "alice", **fields):
        fields.setdefault("display_name", username.title())
        user = User.objects.create_user(username=username, password=f"pw-{username}-123!", **fields)
        return user

    return make


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service with its after-commit hooks executed now: ``run(fn, **kwargs)`` -> its result."""

    def call(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return call


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def auth_client(make_user):
    """Return (client, user): an API client signed in as a fresh user through the session."""
    from rest_framework.test import APIClient

    def make(username: str = "alice", **fields):
        user = make_user(username, **fields)
        client = APIClient()
        client.force_authenticate(user=user)
        return client, user

    return make


# --------------------------------------------------------------------------- browser tests


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    """Return a headless Debian Chromium driven by Playwright (skipped loudly when there is none)."""
    executable = _chromium()
    if executable is None:
        if os.environ.get("CHIRP_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (CHIRP_REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("NO CHROMIUM: browser tests skipped (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """Return a fresh browser page (desktop size); ``page.base_url`` is the live server."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()
