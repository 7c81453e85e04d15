"""End to end in Chromium: discover someone on Popular and follow them; open a trend's tweets."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from accounts.services import follow
from trending.tasks import score_popular, score_trending
from tweets.services import create_tweet, like_tweet, retweet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("CHIRP_SHOTS", "/tmp/shots/d")


def _shoot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    for label, size in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
        page.set_viewport_size(size)
        page.screenshot(path=f"{SHOTS}/{name}-{label}.png")
    page.set_viewport_size({"width": 1280, "height": 900})


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}-123!")
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_popular_page_follow_an_author(page, make_user):
    alice, bob, carol = make_user("alice", display_name="Alice Liddell"), make_user("bob"), make_user("carol")
    hot = create_tweet(author=alice, text="Down the rabbit hole again 🐇 #wonderland")
    other = create_tweet(author=bob, text="Building a shed this weekend")
    like_tweet(user=bob, tweet=hot)
    retweet(user=bob, tweet=hot)
    like_tweet(user=alice, tweet=other)
    score_popular.apply()

    _log_in(page, "carol")
    page.goto("/explore/popular")
    entries = page.locator("[data-testid=popular-entry]")
    expect(entries).to_have_count(2)
    first = entries.first
    expect(first.locator("[data-testid=tweet-text]")).to_contain_text("Down the rabbit hole")
    expect(first.locator("[data-testid=engagement]")).to_contain_text("1 like")
    expect(first.locator("[data-testid=engagement]")).to_contain_text("1 retweet")
    _shoot(page, "popular")
    button = first.locator("[data-testid=follow-button]")
    expect(button).to_have_text("Follow")
    button.click()
    expect(first.locator("[data-testid=follow-button]")).to_contain_text("Following")
    assert carol.following_set.filter(followee=alice).exists()


def test_trending_page_explains_and_opens_the_tweets(page, make_user):
    people = [make_user(f"astro{i}") for i in range(14)]
    for user in people:
        create_tweet(author=user, text="Meteor shower peaking tonight ☄️ #perseids")
    for i in range(12):
        create_tweet(author=make_user(f"tea{i}"), text="Matcha latte season 🍵")
    me = make_user("me")
    for user in people[:3]:
        follow(follower=me, followee=user)
    score_trending.apply()

    _log_in(page, "me")
    page.goto("/explore/trending")
    trends = page.locator("[data-testid=trend]")
    expect(trends.first.locator("[data-testid=trend-why]")).to_have_text(
        re.compile("3 people you follow are tweeting about this")
    )
    expect(page.locator("[data-testid=trend][data-term='matcha latte season']")).to_be_visible()
    expect(trends.first.locator("svg.spark polyline")).to_have_count(1)
    _shoot(page, "trending")
    trends.first.click()
    expect(page.locator("[data-testid=term-title]")).to_have_text("meteor shower peaking")
    expect(page.locator("[data-testid=tweet]")).to_have_count(12)
    _shoot(page, "term")
