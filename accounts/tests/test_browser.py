"""End to end in Chromium: sign up, edit the profile, follow someone, log out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_edit_profile_follow_and_log_out(page, make_user):
    bob = make_user("bob", display_name="Bob Builder", bio="Can we fix it?")

    page.goto("/signup")
    page.fill("#id_display_name", "Robin Hood")
    page.fill("#id_username", "robin")
    page.fill("#id_password", "correct-horse-42")
    page.fill("#id_password_confirm", "wrong-horse-42")
    page.click("button[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("The two passwords don't match.")
    page.fill("#id_password", "correct-horse-42")
    page.fill("#id_password_confirm", "correct-horse-42")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/settings/profile")
    counter = page.locator('[data-counter-for="id_bio"]')
    page.fill("#id_bio", "Robbing the rich")
    expect(counter).to_have_text("16 / 160")
    page.fill("#id_bio", "x" * 161)
    expect(counter).to_have_class(re.compile("over"))
    page.fill("#id_bio", "Giving to the poor")
    page.click("[data-testid=save-profile]")
    expect(page).to_have_url(re.compile(r"/@robin$"))
    expect(page.locator("[data-testid=profile-bio]")).to_have_text("Giving to the poor")

    # Follow Bob from his profile header (on his followers page); the count changes without a reload.
    page.goto("/@bob/followers")
    button = page.locator(".profile-actions [data-testid=follow-button]")
    expect(button).to_have_text("Follow")
    page.evaluate("window.__sameDocument = true")
    button.click()
    expect(button).to_contain_text("Following")
    expect(page.locator("[data-testid=followers-count]")).to_have_text("1")
    button.hover()
    expect(button.locator(".follow-hover")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # no page reload happened
    bob.refresh_from_db()
    assert bob.followers_count == 1
    page.reload()
    expect(page.locator("[data-testid=person]")).to_contain_text("@robin")

    button.click()  # unfollow
    expect(button).to_have_text("Follow")
    expect(page.locator("[data-testid=followers-count]")).to_have_text("0")

    page.click("[data-testid=logout]")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("a.btn", has_text="Sign up")).to_be_visible()
