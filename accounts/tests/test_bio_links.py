"""Bios read like tweets: #hashtags, existing @mentions and URLs are links; everything else stays escaped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import follow

pytestmark = pytest.mark.django_db
BIO = "Hi #chirp @bob @nobody <b>x</b> https://example.com/about"


def _assert_linked(html: str) -> None:
    assert f'<a class="hashtag" href="{reverse("hashtag", args=["chirp"])}">#chirp</a>' in html
    assert f'<a class="mention" href="{reverse("profile", args=["bob"])}">@bob</a>' in html
    assert "@nobody" in html and 'href="/@nobody"' not in html  # no such account: plain text
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert '<a href="https://example.com/about" rel="nofollow noopener noreferrer ugc"' in html


def test_profile_bio_links_hashtags_mentions_and_urls(make_user, client):
    make_user("alice", bio=BIO)
    make_user("bob")
    response = client.get(reverse("profile", args=["alice"]))
    html = response.content.decode()
    bio = html[html.index('data-testid="profile-bio"') :]
    _assert_linked(bio[: bio.index("</p>")])


def test_person_rows_link_bios_too(make_user, client, django_capture_on_commit_callbacks):
    alice, bob = make_user("alice", bio=BIO), make_user("bob")
    with django_capture_on_commit_callbacks(execute=True):
        follow(follower=alice, followee=bob)
    html = client.get(reverse("followers", args=["bob"])).content.decode()
    row = html[html.index('class="person-bio"') :]
    _assert_linked(row[: row.index("</div>")])


def test_a_bio_without_mentions_costs_no_query(make_user, django_assert_num_queries):
    from tweets.templatetags.tweets_tags import bio_html

    with django_assert_num_queries(0):
        assert bio_html("Tea & #code") == 'Tea &amp; <a class="hashtag" href="/hashtag/code">#code</a>'
