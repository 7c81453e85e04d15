"""Explore pages: Popular (top 100 of the hour) and Trending (personalised, explained)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from trending import counters, pagecache, selectors
from trending.templatetags.trending_tags import trend_key
from trending.terms import normalize
from tweets.selectors import ZERO_COUNTS
from tweets.templatetags import frames
from twitter_site import csrf

# Layouts of signed-in Explore pages, one per person and page: the most recent visitors'.
SHELLS = frames.FrameCache(1024)

# Signed-in pages of Popular, one per page and viewer position (follow states, own cards, likes):
# most viewers share a few positions; a miss renders the template as before (~0.5 ms).
BODIES = frames.FrameCache(512)
ENTRIES_TEMPLATE = "trending/_popular_entries.html"

# Ten cards a page: the card template dominates the page's cost; the next ten load on scroll.
PAGE_SIZE = 10


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _popular_body(request, cursor: str | None) -> str:
    page = selectors.popular_rows(request.user, cursor=cursor, size=PAGE_SIZE)
    next_url = f"{request.path}?{urlencode({'cursor': page.next_cursor})}" if page.next_cursor else None
    if request.user.is_authenticated:
        return _framed_entries(request, page.rows, next_url)
    context = {"entries": [selectors.popular_entry(row) for row in page.rows], "next_url": next_url}
    return render_to_string(ENTRIES_TEMPLATE, context, request=request)  # cached whole (pagecache)


def _row_key(row: selectors.PopularRow, user) -> tuple:
    """Return everything a Popular entry's bar and card show for this viewer, except the holes.

    The card's cached bytes stand for the card (an edit, a rename or a new quote embed changes
    them), the snapshot's entry for the bar; then the viewer's flags and position: author or not,
    following or not, and the retweeter's name when the card is a retweet (it would say "You").
    """
    card, ranked = row.card, row.ranked
    return (
        row.rank,
        ranked["score"],
        ranked["like"],
        ranked["retweet"],
        ranked["reply"],
        ranked["quote"],
        ranked["author_id"] == user.pk,
        row.following,
        card.blob,
        card.liked,
        card.retweeted,
        user.username if card.shown != card.id else None,
    )


def _framed_entries(request, rows: list[selectors.PopularRow], next_url: str | None) -> str:
    """Render a signed-in page of Popular through one frame holding its cards and bars.

    Keyed by the page's URL and each row's ``_row_key``, computed from the cached card bytes
    without parsing them: a hit parses nothing and renders nothing. The counters, relative times
    and the CSRF token are its holes.
    """
    user = request.user
    key = (request.get_full_path(), next_url, tuple(_row_key(row, user) for row in rows))
    counts = [dict(zip(ZERO_COUNTS, row.card.counts, strict=True)) for row in rows]

    def body_context(builder) -> dict:
        entries = [selectors.popular_entry(row) for row in rows]
        holed = [
            {**e, "tweet": {**e["tweet"], "counts": {name: builder.slot("counts", i, name) for name in counts[i]}}}
            for i, e in enumerate(entries)
        ]
        return {
            "entries": holed,
            "next_url": next_url,
            "user": user,
            "request": request,
            "csrf_token": builder.slot("csrf"),
        }

    values = {"counts": counts, "csrf": csrf.token(request)}
    # The counters and the second stand for every hole but the token (relative times change by the minute).
    same = (tuple(row.card.counts for row in rows), int(timezone.now().timestamp()))
    return frames.render(BODIES, ENTRIES_TEMPLATE, key, body_context, values, same)


def _explore_page(request, template: str, body: Callable[[], str], *, name: str, key: str, variant: str = ""):
    """Render an Explore page around ``body()``.

    Signed in, the layout is a frame per person (their name is in it) and the body is rendered for
    this request; signed out, the whole page is cached per ranking run.
    """
    user = request.user
    if user.is_authenticated:
        # Our own rendering (user text escaped inside).
        live = {"body_html": mark_safe(body())}
        shell_key = (name, user.pk, user.username, user.name)
        return frames.render_page(SHELLS, request, template, shell_key, {"nav": name}, live)
    html = mark_safe(pagecache.cached(name, key, variant, body))
    context = {"nav": name, "body_html": html}
    return pagecache.page(request, template, context, name=name, snapshot_key=key, variant=variant)


def popular(request):
    """Render the top 100 of the last hour, ten at a time (htmx loads the next page on scroll)."""
    cursor = request.GET.get("cursor")
    try:
        selectors.decode_cursor(cursor)
    except selectors.BadCursor:
        return HttpResponseBadRequest("This cursor is not valid.")
    key = counters.popular_snapshot_key()
    body = partial(_popular_body, request, cursor)
    if _is_htmx(request) and cursor:
        anonymous = not request.user.is_authenticated
        return HttpResponse(pagecache.cached("popular", key, cursor, body) if anonymous else body())
    return _explore_page(request, "trending/popular.html", body, name="popular", key=key, variant=cursor or "")


# Lists of trends, one per content: every signed-out visitor and each group of viewers with the
# same reasons share one; the list has nothing per request.
TREND_LISTS = frames.FrameCache(512)


def _trending_body(request) -> str:
    listing = selectors.list_trending(request.user)
    context = {"trends": listing.trends, "personalised": listing.personalised}
    key = (listing.personalised, tuple(trend_key(t) for t in listing.trends))
    return frames.render(TREND_LISTS, "trending/_trend_list.html", key, lambda builder: context, {})


def trending(request):
    """Render the trends, re-ranked for the signed-in viewer, each with its chart and why it is shown."""
    body = partial(_trending_body, request)
    return _explore_page(request, "trending/trending.html", body, name="trending", key=counters.trend_snapshot_key())


def trend_tweets(request, term: str):
    """List the recent tweets behind a trend (or any counted term)."""
    term = normalize(term).strip()
    if not term or len(term) > 60:
        raise Http404("No such term.")
    tweets = selectors.list_term_tweets(term, request.user)
    trend = selectors.trend_of(term)
    return render(
        request,
        "trending/term.html",
        {"nav": "trending", "term": term, "trend": trend, "tweets": tweets, "next_url": None},
    )
