"""End to end in Chromium: A's open home page gets a live banner when B tweets; a click shows it.

The page is served by pytest-django's live server (WSGI); the WebSocket by a real daphne process
on another port, on the same test database and Redis (as ``./chirp run`` serves WebSockets on the
HTTP port + 1).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("CHIRP_SCREENSHOTS")  # a folder: also save screenshots there


@pytest.fixture
def daphne(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    database = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    env = {**os.environ, "DATABASE_URL": urlunsplit(database), "REDIS_URL": settings.REDIS_URL}
    binary = str(Path(sys.executable).parent / "daphne")
    process = subprocess.Popen(
        [binary, "-b", "127.0.0.1", "-p", str(port), "twitter_site.asgi:application"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    settings.WEBSOCKET_ORIGIN = f"ws://localhost:{port}"
    yield port
    process.terminate()
    process.wait(10)


def _in_thread(work):
    """Run a write off the main thread: Playwright's sync API keeps an event loop running there,
    and the fanout's Channels send (async_to_sync) refuses to run inside one (as in a Celery worker,
    fanout normally runs in a plain thread)."""
    result = []
    thread = threading.Thread(target=lambda: (result.append(work()), connection.close()))
    thread.start()
    thread.join(20)
    return result[0]


def _sign_in(page, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": page.base_url}])


@pytest.mark.django_db(transaction=True)
def test_new_tweet_banner_then_click_shows_it(page, daphne, person, act):
    reader, writer = person("reader", display_name="Reader"), person("writer", display_name="Wendy Writer")
    act.follow(reader, writer)
    for i in range(3):
        act.tweet(writer, f"Earlier thought number {i} #chirp")
    _sign_in(page, reader)

    page.goto("/")
    page.wait_for_selector("[data-home-timeline][data-live='1']")
    assert page.locator("[data-testid=tweet]").count() == 3
    banner = page.get_by_test_id("new-tweets-banner")
    assert not banner.is_visible()

    fresh = _in_thread(lambda: act.tweet(writer, "Breaking: live timelines work"))
    banner.wait_for(state="visible")
    assert " ".join(banner.inner_text().split()) == "↑ 1 new tweet"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/home-banner-1280.png")

    banner.click()
    page.locator(f"#entry-{fresh.pk}").wait_for()
    assert page.locator("[data-testid=tweet-text]").first.inner_text() == "Breaking: live timelines work"
    assert page.locator("[data-testid=tweet]").count() == 4
    assert not banner.is_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/home-after-click-1280.png")
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=f"{SHOTS}/home-390.png")
