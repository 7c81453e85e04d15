"""Tweet cards served from cached frames: the same HTML as the template, never a stale or foreign card."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.template.loader import get_template
from django.utils import timezone

from accounts.services import suspend_user, update_profile
from timelines import cache
from timelines.selectors import hydrate
from tweets import services
from tweets.templatetags import frames, tweets_tags
from tweets.tests.requests import request_as

pytestmark = pytest.mark.django_db


def _framed(card: dict, user) -> str:
    template = get_template("tweets/_tweet.html")
    return template.render({"t": card}, request_as(user))


def _plain(card: dict, user) -> str:
    """The card as Django renders tweets/_tweet_card.html with no frame at all."""
    return get_template("tweets/_tweet_card.html").render({"t": card}, request_as(user))


def _same_token(html: str) -> str:
    # Each render masks the CSRF secret anew: compare the markup, not the mask.
    return re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1X", html)


@pytest.fixture
def world(make_user, post, run):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    original = post(alice, "Hello #world @bob <b>bold</b> & https://example.com")
    quote = post(bob, "Look at this", quote_of=original)
    reply = post(carol, "A reply", reply_to=original)
    run(services.edit_tweet, user=alice, tweet=original, text="Hello again #world @bob")
    run(services.like_tweet, user=bob, tweet=original)
    run(services.retweet, user=bob, tweet=original)
    run(services.retweet, user=carol, tweet=quote)
    retweet = services.Tweet.objects.get(author=bob, retweet_of=original)
    return {"alice": alice, "bob": bob, "carol": carol, "ids": [retweet.pk, quote.pk, reply.pk, original.pk]}


@pytest.mark.parametrize("viewer", [None, "alice", "bob", "carol"])
def test_a_framed_card_is_the_template_rendered_plainly(world, viewer):
    """Signed out, author (menu), retweeter and liker ("You retweeted", pressed buttons), stranger."""
    user = world[viewer] if viewer else None
    cards = [card for tweet_id in world["ids"] for card in hydrate([tweet_id], user)]
    assert len(cards) == 4 and cards[0]["retweet"] and cards[1]["quote"] and cards[2]["reply_to"]
    for card in cards:
        expected = _same_token(_plain(card, user))
        assert _same_token(_framed(card, user)) == expected
        assert _same_token(_framed(card, user)) == expected  # served from the frame the first call built


def test_counters_csrf_token_and_relative_time_are_filled_perrequest_as(world, run, monkeypatch):
    alice, carol = world["alice"], world["carol"]
    original_id = world["ids"][-1]
    card = hydrate([original_id], carol)[0]
    first = _framed(card, carol)
    assert 'data-testid="like-count">1<' in first and "action like liked" not in first
    run(services.like_tweet, user=carol, tweet=services.Tweet.objects.get(pk=original_id))
    liked = hydrate([original_id], carol)[0]
    second = _framed(liked, carol)
    assert 'data-testid="like-count">2<' in second and "action like liked" in second
    tokens = set(re.findall(r'csrfmiddlewaretoken" value="([^"]+)"', first + second))
    assert len(tokens) == 2  # one per request, never the one the frame was built with
    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(tweets_tags.timezone, "now", lambda: later)
    assert '">3h</time>' in _framed(liked, carol) and '">now</time>' in first
    assert 'data-testid="tweet-menu"' in _framed(hydrate([original_id], alice)[0], alice)


def test_an_edit_shows_at_once(world, run, client):
    alice = world["alice"]
    original = services.Tweet.objects.get(pk=world["ids"][-1])
    client.force_login(world["carol"])
    assert "Hello again" in client.get("/@alice").content.decode()
    run(services.edit_tweet, user=alice, tweet=original, text="Third version")
    html = client.get("/@alice").content.decode()
    assert "Third version" in html and "Hello again" not in html


def test_a_deleted_tweet_leaves_every_list(world, run, client):
    original = services.Tweet.objects.get(pk=world["ids"][-1])
    assert "Hello again" in client.get("/@alice").content.decode()
    run(services.delete_tweet, user=world["alice"], tweet=original)
    assert "Hello again" not in client.get("/@alice").content.decode()
    assert "Hello again" not in client.get("/@bob").content.decode()  # bob's retweet of it


def test_a_rename_is_never_held_back_by_a_frame(world, client):
    """Frames are keyed by the whole payload: once the payload is rebuilt, the card shows the new name."""
    alice, original_id = world["alice"], world["ids"][-1]
    before = hydrate([original_id], None)[0]
    assert "Alice" in client.get("/@alice").content.decode()
    update_profile(user=alice, display_name="Alice Liddell", bio="")
    for tweet_id in world["ids"]:
        cache.invalidate_tweet(tweet_id)  # what the payload cache does when its entry expires
    html = client.get("/@alice").content.decode()
    assert '<a class="name" href="/@alice">Alice Liddell</a>' in html
    after = hydrate([original_id], None)[0]
    assert tweets_tags._card_key(after) != tweets_tags._card_key(before)  # a new frame, not the old one refilled


def test_a_suspended_authors_cards_go_once_their_payload_is_rebuilt(world, client):
    alice = world["alice"]
    assert "Hello again" in client.get("/@bob").content.decode()
    suspend_user(user=alice)
    for tweet_id in world["ids"]:
        cache.invalidate_tweet(tweet_id)
    assert "Hello again" not in client.get("/@bob").content.decode()


def test_holes_only_exist_while_a_frame_is_built():
    builder_free = frames.live(lambda value: f"<{value}>")
    assert builder_free("x") == "<x>"
    with pytest.raises(RuntimeError):
        frames.current_builder()
    frame = frames.build(lambda b: f"a{b.slot('n')}b{tweets_tags.nonzero(b.slot('n'))}c")
    assert frame.fill({"n": 0}) == "a0bc" and frame.fill({"n": "<3"}) == "a&lt;3b&lt;3c"


def test_a_fill_with_the_last_fills_key_recomputes_only_the_token():
    calls = []

    def render(builder):
        count = builder.slot("counts", 0, "likes")
        calls.append(0)
        return f"<p>{count}</p><i>{builder.slot('csrf')}</i><b>{builder.slot('csrf')}</b>"

    frame = frames.build(render)
    counted = []
    frame.computes[0] = (lambda compute: lambda values: counted.append(1) or compute(values))(frame.computes[0])

    first = frame.fill({"counts": [{"likes": 3}], "csrf": "tokenA"}, same=("3", 100))
    again = frame.fill({"counts": [{"likes": 3}], "csrf": "tokenB"}, same=("3", 100))
    assert first == "<p>3</p><i>tokenA</i><b>tokenA</b>" and again == "<p>3</p><i>tokenB</i><b>tokenB</b>"
    assert len(counted) == 1  # the counter's hole was taken from the previous fill
    later = frame.fill({"counts": [{"likes": 4}], "csrf": "tokenC"}, same=("4", 101))
    assert later == "<p>4</p><i>tokenC</i><b>tokenC</b>" and len(counted) == 2
    assert frame.fill({"counts": [{"likes": 5}], "csrf": "tokenD"}) == "<p>5</p><i>tokenD</i><b>tokenD</b>"
