"""End-to-end flows in Chromium: post with emoji and a live counter, like, retweet, reply, edit, delete."""

import os
import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tweets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("CHIRP_SHOTS_DIR")  # set it to save screenshots of each step
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def sign_in(page, user):
    """Give the browser a session of ``user`` (logging in through the form is the accounts tests' job)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": page.base_url,
            }
        ]
    )


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=False)


def test_post_with_emoji_counter_then_like_retweet_without_reload(page, make_user):
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob", display_name="Bob Builder")
    services.create_tweet(author=bob, text="Hello from Bob 👋 #chirp with @alice https://example.com")
    sign_in(page, alice)
    page.goto("/")  # the home page's composer (timelines) is this app's partial
    composer = page.get_by_test_id("composer-text")
    composer.fill(f"Family time {FAMILY} 🇯🇵")
    expect(page.get_by_test_id("counter")).to_have_text("15 / 240")  # the family and the flag count one each
    composer.fill("x" * 241)
    expect(page.get_by_test_id("counter")).to_have_text("241 / 240")
    expect(page.get_by_test_id("composer-submit")).to_be_disabled()
    composer.fill(f"Family time {FAMILY} 🇯🇵")
    shot(page, "compose")
    page.evaluate("window.notReloaded = true")
    page.get_by_test_id("composer-submit").click()
    card = page.get_by_test_id("tweet").first
    expect(card.get_by_test_id("tweet-text")).to_have_text(f"Family time {FAMILY} 🇯🇵")
    expect(composer).to_have_value("")
    assert page.evaluate("window.notReloaded") is True

    page.goto("/@bob")
    page.evaluate("window.notReloaded = true")
    card = page.get_by_test_id("tweet").first
    card.get_by_test_id("like").click()
    expect(card.get_by_test_id("like-count")).to_have_text("1")
    expect(card.get_by_test_id("like")).to_have_class(re.compile("liked"))
    card.get_by_test_id("retweet").click()
    expect(card.get_by_test_id("retweet-count")).to_have_text("1")
    expect(card.get_by_test_id("retweet")).to_have_class(re.compile("retweeted"))
    shot(page, "profile-bob-desktop")
    card.get_by_test_id("like").click()
    expect(card.get_by_test_id("like-count")).to_have_text("")
    assert page.evaluate("window.notReloaded") is True
    page.goto("/@alice")
    expect(page.get_by_test_id("retweet-context").first).to_contain_text("You retweeted")
    shot(page, "profile-alice-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "profile-alice-phone")


def test_reply_edit_with_history_and_delete(page, make_user):
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob", display_name="Bob Builder")
    root = services.create_tweet(author=bob, text="What should I build next? 🏗️")
    sign_in(page, alice)
    page.goto(f"/@bob/status/{root.pk}")
    page.get_by_test_id("composer-text").fill("A treehouse 🌳")
    page.get_by_test_id("composer-submit").click()
    reply = page.get_by_test_id("replies").get_by_test_id("tweet").first
    expect(reply.get_by_test_id("tweet-text")).to_have_text("A treehouse 🌳")
    page.get_by_test_id("composer-text").fill("y" * 241)
    page.get_by_test_id("composer-text").press("End")
    page.get_by_test_id("composer-text").evaluate("el => el.form.querySelector('[type=submit]').disabled = false")
    page.get_by_test_id("composer-submit").click()
    expect(page.get_by_test_id("composer-error")).to_have_text(
        "Tweets can be at most 240 characters; this one has 241."
    )
    page.reload()
    expect(page.get_by_test_id("stat-replies")).to_have_text("1")

    # edit the reply and see the history
    reply = page.get_by_test_id("replies").get_by_test_id("tweet").first
    reply.get_by_test_id("tweet-menu").click()
    reply.get_by_test_id("edit-link").click()
    page.get_by_test_id("edit-text").fill("A treehouse with a slide 🌳🛝")
    page.get_by_test_id("edit-submit").click()
    expect(page.get_by_test_id("tweet-focus").get_by_test_id("tweet-text")).to_have_text(
        "A treehouse with a slide 🌳🛝"
    )
    expect(page.get_by_test_id("tweet-focus").get_by_test_id("edited")).to_be_visible()
    page.get_by_test_id("history").locator("summary").click()
    expect(page.get_by_test_id("version")).to_have_count(2)
    expect(page.get_by_test_id("version").last).to_contain_text("A treehouse 🌳")
    shot(page, "tweet-page-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "tweet-page-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # delete it: back to the profile, gone; bob's tweet counts no reply
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("tweet-focus").get_by_test_id("tweet-menu").click()
    page.get_by_test_id("tweet-focus").get_by_test_id("delete").click()
    expect(page).to_have_url(re.compile(r"/@alice$"))
    expect(page.get_by_test_id("empty")).to_be_visible()
    page.goto(f"/@bob/status/{root.pk}")
    expect(page.get_by_test_id("stat-replies")).to_have_text("0")
    expect(page.get_by_test_id("replies").get_by_test_id("tweet")).to_have_count(0)
