"""The signed-out front page: a hero with Sign up / Log in, then what is Popular now."""

from __future__ import annotations

import pytest
from django.urls import reverse

from trending.tasks import score_popular
from tweets.services import like_tweet

pytestmark = pytest.mark.django_db


@pytest.fixture
def like(django_capture_on_commit_callbacks):
    def call(user, tweet):
        with django_capture_on_commit_callbacks(execute=True):
            like_tweet(user=user, tweet=tweet)

    return call


@pytest.fixture
def popular_tweet(person, act, like):
    alice, bob = person("alice", display_name="Alice Liddell"), person("bob")
    tweet = act.tweet(alice, "Landing pages <b>matter</b> #chirp")
    like(bob, tweet)
    score_popular.apply()
    return tweet


def test_signed_out_home_is_a_landing_page_with_popular(popular_tweet, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Happening now" in html and "Join Chirp today." in html
    assert f'href="{reverse("signup")}" data-testid="landing-signup"' in html
    assert f'href="{reverse("login")}" data-testid="landing-login"' in html
    assert html.count('data-testid="popular-entry"') == 1
    assert "Landing pages &lt;b&gt;matter&lt;/b&gt;" in html and "<b>matter</b>" not in html
    assert 'data-testid="composer"' not in html and "data-home-timeline" not in html


def test_landing_is_cached_until_the_next_ranking_run(
    popular_tweet, person, act, like, client, django_assert_num_queries
):
    client.get(reverse("home"))
    with django_assert_num_queries(0):
        assert client.get(reverse("home")).status_code == 200
    fresh = act.tweet(person("carol"), "A brand new favourite")
    like(popular_tweet.author, fresh)
    score_popular.apply()
    assert "A brand new favourite" in client.get(reverse("home")).content.decode()


def test_empty_landing_still_invites_to_join(db, client):
    html = client.get(reverse("home")).content.decode()
    assert "Happening now" in html and 'data-testid="popular-empty"' in html


def test_signed_in_home_is_unchanged(popular_tweet, client):
    client.force_login(popular_tweet.author)
    response = client.get(reverse("home"))
    assert response.templates[0].name == "timelines/home.html"
    assert 'data-testid="landing-hero"' not in response.content.decode()
