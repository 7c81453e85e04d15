"""Explore pages from cached frames: paging, per-viewer parts that never leak, fresh content per ranking run."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from accounts.services import follow, suspend_user
from trending import counters
from tweets.services import create_tweet

pytestmark = pytest.mark.django_db


def _rank(tweets: list, *, likes: int = 5) -> None:
    """Store a Popular snapshot ranking ``tweets`` in order, as the job would (with its version stamp)."""
    entries = [
        {"id": t.pk, "score": 1000 - n, "like": likes + n, "retweet": 1, "reply": 0, "quote": 0}
        for n, t in enumerate(tweets)
    ]
    counters.store_snapshot(counters.popular_snapshot_key(), {"computed_at": time.time(), "entries": entries})


@pytest.fixture
def ranked(make_user, run):
    authors = [make_user(f"author{i}") for i in range(5)]
    tweets = [run(create_tweet, author=authors[n % 5], text=f"Popular number {n}") for n in range(25)]
    _rank(tweets)
    return authors, tweets


def _shown(html: str) -> list[str]:
    return re.findall(r"Popular number (\d+)<", html)


def _next_url(html: str) -> str | None:
    found = re.search(
        r'data-testid="load-more"><span class="spinner" aria-hidden="true"></span><a href="([^"]+)"', html
    )
    return found and found.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("signed_in", [False, True])
def test_popular_pages_ten_cards_and_loads_the_rest_on_scroll(ranked, client, make_user, signed_in):
    if signed_in:
        client.force_login(make_user("reader"))
    html = client.get(reverse("popular")).content.decode()
    assert _shown(html) == [str(n) for n in range(10)] and html.count('data-testid="tweet"') == 10
    assert "<!doctype html>" in html and "#1<" in html
    seen = _shown(html)
    url = _next_url(html)
    while url:
        part = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert "<!doctype html>" not in part  # only the entries and the next sentinel
        seen += _shown(part)
        url = _next_url(part)
    assert seen == [str(n) for n in range(25)]


def test_follow_buttons_are_each_viewers_own(ranked, client, make_user, run):
    authors, _ = ranked
    fan, stranger = make_user("fan"), make_user("stranger")
    run(follow, follower=fan, followee=authors[0])
    client.force_login(fan)
    mine = client.get(reverse("popular")).content.decode()
    client.force_login(stranger)
    theirs = client.get(reverse("popular")).content.decode()
    client.force_login(authors[0])
    own = client.get(reverse("popular")).content.decode()
    assert mine.count('aria-label="Unfollow @author0"') == 2  # two of author0's tweets on the first page
    assert 'aria-label="Unfollow @' not in theirs and theirs.count('aria-label="Follow @author0"') == 2
    assert "Follow @author0" not in own and own.count('aria-label="Follow @author1"') == 2  # no button for oneself
    assert own.count('data-testid="tweet-menu"') == 2  # the author's menu on their own cards, nobody else's
    assert 'data-testid="tweet-menu"' not in mine + theirs


def test_signed_in_layout_and_csrf_token_are_per_person_and_request(ranked, client, make_user):
    ann, ben = make_user("ann", display_name="Ann Example"), make_user("ben", display_name="Ben Example")
    for path in (reverse("popular"), reverse("trending")):
        client.force_login(ann)
        first, second = client.get(path).content.decode(), client.get(path).content.decode()
        client.force_login(ben)
        other = client.get(path).content.decode()
        assert "<strong>Ann Example</strong>" in first and "Ann Example" not in other
        assert "<strong>Ben Example</strong>" in other
        tokens = [re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1) for page in (first, second, other)]
        assert len(set(tokens)) == 3


def test_signed_out_pages_are_one_frame_per_run_with_a_token_per_request(ranked, client, run, make_user):
    _, tweets = ranked
    first, second = (client.get(reverse("popular")) for _ in range(2))
    html = first.content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    assert token != re.search(r'"X-CSRFToken": "([^"]+)"', second.content.decode()).group(1)
    assert re.sub(r'"X-CSRFToken": "[^"]+"', "", html) == re.sub(r'"X-CSRFToken": "[^"]+"', "", second.content.decode())
    assert "csrftoken" in first.cookies  # the token is a real one, set as Django does
    fresh = run(create_tweet, author=make_user("newcomer"), text="Popular number 99")
    _rank([fresh, *tweets])  # the next ranking run
    for path in (reverse("popular"), reverse("home")):
        assert _shown(client.get(path).content.decode())[0] == "99"


def test_a_suspended_authors_tweets_leave_popular_at_the_next_run(ranked, client, make_user):
    authors, tweets = ranked
    reader = make_user("reader")
    suspend_user(user=authors[0])
    _rank(tweets)
    for viewer in (None, reader):
        if viewer:
            client.force_login(viewer)
        html = client.get(reverse("popular")).content.decode()
        assert "Popular number 0<" not in html and "Popular number 5<" not in html and "Popular number 1<" in html
    body = client.get("/api/v1/explore/popular").json()
    assert all(r["tweet"]["author"]["username"] != "author0" for r in body["results"])


def test_signed_in_explore_pages_need_no_sql(ranked, client, make_user, django_assert_num_queries):
    client.force_login(make_user("reader"))
    client.get(reverse("popular"))  # fills the card cache and records last_seen_at (forgetting the user's copy)
    client.get(reverse("trending"))  # reads the user row into Redis (accounts.usercache)
    # the user and the followed authors come from Redis too: the snapshot, cards, counters and frames need no SQL
    with django_assert_num_queries(0):
        html = client.get(reverse("popular")).content.decode()
    assert html.count('data-testid="tweet"') == 10
    with django_assert_num_queries(0):
        assert client.get(reverse("trending")).status_code == 200


def test_popular_follow_buttons_flip_at_once_after_follow_and_unfollow(ranked, client, make_user):
    authors, _ = ranked
    client.force_login(make_user("fan"))
    assert client.get(reverse("popular")).content.decode().count('aria-label="Follow @author0"') == 2
    client.post(reverse("follow", args=["author0"]))
    html = client.get(reverse("popular")).content.decode()
    assert html.count('aria-label="Unfollow @author0"') == 2 and 'aria-label="Follow @author0"' not in html
    client.post(reverse("unfollow", args=["author0"]))
    html = client.get(reverse("popular")).content.decode()
    assert html.count('aria-label="Follow @author0"') == 2 and "Unfollow @author0" not in html


def test_one_csrf_token_per_signed_in_response(ranked, client, make_user):
    """Every form on the page (likes, retweets, follows) and the layout carry the same token, masked once."""
    client.force_login(make_user("reader"))
    html = client.get(reverse("popular")).content.decode()
    in_forms = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(in_forms) == 31  # ten cards with two forms, ten follow buttons, the layout's log-out form
    assert set(in_forms) == {re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)}


def test_flash_messages_and_a_new_name_show_on_a_framed_layout(ranked, client, make_user):
    client.force_login(make_user("ann", display_name="Ann"))
    assert "<strong>Ann</strong>" in client.get(reverse("popular")).content.decode()  # the layout's frame exists
    saved = client.post(reverse("edit_profile"), {"display_name": "Ann Renamed", "bio": ""})
    assert saved.status_code == 302
    html = client.get(reverse("popular")).content.decode()
    assert "Your profile is saved." in html and "<strong>Ann Renamed</strong>" in html
    again = client.get(reverse("popular")).content.decode()
    assert "Your profile is saved." not in again and "<strong>Ann Renamed</strong>" in again


def _body_request(user):
    from django.test import RequestFactory

    request = RequestFactory().get(reverse("popular"))
    request.user = user
    return request


def _same_token(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1X", html)


@pytest.mark.parametrize("viewer", ["author0", "fan", "liker", "stranger"])
def test_a_framed_signed_in_popular_page_is_the_template_rendered_plainly(ranked, make_user, run, viewer):
    """The author (no follow button, menus), a follower, a liker and retweeter (pressed buttons), a stranger."""
    from django.template.loader import render_to_string

    from trending import selectors, views
    from tweets.services import like_tweet, retweet

    authors, tweets = ranked
    people = {"author0": authors[0], "fan": make_user("fan"), "liker": make_user("liker"), "stranger": make_user("s")}
    run(follow, follower=people["fan"], followee=authors[0])
    run(like_tweet, user=people["liker"], tweet=tweets[1])
    run(retweet, user=people["liker"], tweet=tweets[2])
    user = people[viewer]
    shown = []
    for cursor in (None, selectors.encode_cursor(10)):
        page = selectors.list_popular(user, cursor=cursor, size=views.PAGE_SIZE)
        context = {"entries": page.entries, "next_url": "/explore/popular?cursor=x" if cursor is None else None}
        plain = render_to_string(views.ENTRIES_TEMPLATE, context, request=_body_request(user))
        rows = selectors.popular_rows(user, cursor=cursor, size=views.PAGE_SIZE).rows
        for _ in range(2):  # built, then served from the frame
            framed = views._framed_entries(_body_request(user), rows, context["next_url"])
            assert _same_token(framed) == _same_token(plain)
        shown.append(framed)
    # Each position shows: pressed like and retweet, following, own menus and no button for oneself.
    expected = {
        "liker": 'class="action like liked"',
        "fan": 'aria-label="Unfollow @author0"',
        "author0": 'data-testid="tweet-menu"',
        "stranger": 'aria-label="Follow @author0"',
    }
    assert expected[viewer] in shown[0]
    assert ('class="action retweet retweeted"' in shown[0]) == (viewer == "liker")


def test_a_framed_popular_page_fills_counters_times_and_token_per_request(ranked, make_user, run, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from trending import selectors, views
    from tweets.services import like_tweet

    _, tweets = ranked
    reader = make_user("reader")

    def body() -> str:
        rows = selectors.popular_rows(reader, size=views.PAGE_SIZE).rows
        return views._framed_entries(_body_request(reader), rows, None)

    first = body()
    frames_before = len(views.BODIES._frames)
    assert first.count('data-testid="like-count"></span>') == 10 and ">now</time>" in first
    run(like_tweet, user=make_user("someone"), tweet=tweets[0])  # another person's like: same frame, new count
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    second = body()
    assert len(views.BODIES._frames) == frames_before
    assert second.count('data-testid="like-count">1</span>') == 1 and ">2h</time>" in second
    assert ">now</time>" not in second
    tokens = set(re.findall(r'csrfmiddlewaretoken" value="([^"]+)', first + second))
    assert len(tokens) == 2  # one per request, shared by all the forms of a page


def _trends(*terms: str, people: int = 20) -> None:
    """Store a Trending snapshot with ``terms`` in order, as the job would."""
    trends = [
        {
            "term": t,
            "kind": "word",
            "people": people,
            "tweets": 30,
            "expected": 2.0,
            "score": 100.0 - n,
            "spark": [1, 5],
        }
        for n, t in enumerate(terms)
    ]
    counters.store_snapshot(counters.trend_snapshot_key(), {"computed_at": time.time(), "trends": trends})


def test_a_trend_list_frame_never_outlives_its_ranking_run(client, make_user):
    client.force_login(make_user("reader"))
    _trends("lighthouse", "marmalade")
    first = client.get(reverse("trending")).content.decode()
    assert first.index("lighthouse") < first.index("marmalade") and "20 people in the last hour" in first
    _trends("marmalade", "lighthouse", people=25)
    second = client.get(reverse("trending")).content.decode()
    assert second.index("marmalade") < second.index("lighthouse") and "25 people in the last hour" in second
    assert "20 people" not in second and second.count('data-testid="trend"') == 2


def test_deleted_tweets_are_replaced_by_the_next_entries_with_their_follow_states(make_user, run, client):
    """Tweets deleted since the ranking run leave no hole: the spares after the page stand in, buttons right."""
    from tweets.services import delete_tweet

    authors = [make_user(f"writer{i}") for i in range(12)]
    tweets = [run(create_tweet, author=authors[n], text=f"Popular number {n}") for n in range(12)]
    _rank(tweets)
    fan = make_user("fan")
    run(follow, follower=fan, followee=authors[10])  # the author of the first spare
    client.force_login(fan)
    assert _shown(client.get(reverse("popular")).content.decode()) == [str(n) for n in range(10)]

    run(delete_tweet, user=authors[3], tweet=tweets[3])
    html = client.get(reverse("popular")).content.decode()
    assert _shown(html) == [str(n) for n in (0, 1, 2, 4, 5, 6, 7, 8, 9, 10)]
    assert 'aria-label="Unfollow @writer10"' in html and 'aria-label="Follow @writer9"' in html
    api = client.get("/api/v1/explore/popular").json()["results"]
    assert [e["tweet"]["text"] for e in api][:4] == [
        "Popular number 0",
        "Popular number 1",
        "Popular number 2",
        "Popular number 4",
    ]
    assert [e["author_following"] for e in api if e["tweet"]["text"] == "Popular number 10"] == [True]
