"""The foundation issue's journey, end to end in Chromium, across accounts, tweets and timelines:
sign up, post a tweet with emoji and watch the counter, see it on the profile, follow another
person and see their tweets on the home page, log out. Also on a phone-sized window."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAMILY = "👨‍👩‍👧‍👦"  # one user-perceived character made of seven code points
FLAG = "🇺🇦"


def sign_up(page, username: str, name: str) -> None:
    page.goto("/signup")
    page.fill("#id_display_name", name)
    page.fill("#id_username", username)
    page.fill("#id_password", "correct-horse-42")
    page.fill("#id_password_confirm", "correct-horse-42")
    page.click("[data-testid=signup-form] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/$"))


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_the_first_ten_minutes_of_a_new_person(page, make_user, viewport):
    from tweets.services import create_tweet

    page.set_viewport_size(viewport)
    bob = make_user("bob", display_name="Bob Builder", bio="Can we fix it?")
    create_tweet(author=bob, text="Yes we can! 🛠️ #builders")

    sign_up(page, "robin", "Robin Hood")

    # Compose: the counter counts what a person sees (a ZWJ family and a flag are one each).
    text = page.locator("[data-testid=composer-text]")
    text.fill(f"Hello Chirp {FAMILY}{FLAG}")
    expect(page.locator("[data-testid=counter]")).to_have_text("14 / 240")
    text.fill("x" * 241)
    expect(page.locator("[data-testid=counter]")).to_have_class(re.compile("over"))
    expect(page.locator("[data-testid=composer-submit]")).to_be_disabled()
    text.fill(f"Hello Chirp {FAMILY}{FLAG}")
    page.click("[data-testid=composer-submit]")
    first = page.locator("[data-testid=tweet]").first
    expect(first.locator("[data-testid=tweet-text]")).to_have_text(f"Hello Chirp {FAMILY}{FLAG}")
    expect(text).to_have_value("")

    # The profile shows it.
    page.goto("/@robin")
    expect(page.locator("[data-testid=profile-name]")).to_have_text("Robin Hood")
    expect(page.locator("[data-testid=tweet-text]").first).to_have_text(f"Hello Chirp {FAMILY}{FLAG}")

    # Follow Bob from his profile; his tweet comes to the home page.
    page.goto("/@bob")
    page.locator(".profile-actions [data-testid=follow-button]").click()
    expect(page.locator(".profile-actions [data-testid=follow-button]")).to_contain_text("Following")
    page.goto("/")
    expect(page.locator("[data-testid=tweet-text]", has_text="Yes we can!")).to_be_visible()
    expect(page.locator("[data-testid=tweet-text]", has_text="Hello Chirp")).to_be_visible()

    # Log out: back to the login page, and home asks to log in again.
    page.click("[data-testid=logout]")
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto("/@robin")
    expect(page.locator("[data-testid=logout]")).to_have_count(0)
