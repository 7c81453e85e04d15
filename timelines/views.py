"""The home page: the composer, then the home timeline with infinite scroll and a live banner.

Signed out, ``/`` is the landing page: a hero with Sign up / Log in, then what is Popular now.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from timelines.selectors import home_ids, hydrate, newer_ids
from trending import counters, pagecache
from trending.selectors import list_popular
from twitter_site.pagination import BadCursor, decode_cursor, encode_cursor


def _cursor(request, name: str = "cursor") -> int | None:
    try:
        return decode_cursor(request.GET.get(name))
    except BadCursor:
        raise Http404("No such page.") from None


def _next_url(next_cursor: int | None) -> str | None:
    return f"{reverse('home')}?cursor={encode_cursor(next_cursor)}" if next_cursor is not None else None


LANDING_POPULAR = 10  # the first page of Popular; the rest loads from /explore/popular on scroll


def _landing_popular(request) -> str:
    page = list_popular(request.user, size=LANDING_POPULAR)
    next_url = f"{reverse('popular')}?{urlencode({'cursor': page.next_cursor})}" if page.next_cursor else None
    context = {"entries": page.entries, "next_url": next_url, "computed_at": page.computed_at}
    return render_to_string("trending/_popular_entries.html", context, request=request)


def landing(request):
    """Render the signed-out front page: the hero, then Popular (the same bytes for everyone per ranking run)."""
    key = counters.popular_snapshot_key()
    body = pagecache.cached("landing", key, "", lambda: _landing_popular(request))
    # Our own rendering of the Popular partial (user text escaped inside), possibly from the cache.
    context = {"nav": "home", "popular_html": mark_safe(body)}
    return pagecache.page(request, "timelines/landing.html", context, name="landing", snapshot_key=key, variant="")


def home(request):
    """Render the home timeline (a page of it for htmx's infinite scroll); signed out, the landing page."""
    if not request.user.is_authenticated:
        return landing(request)
    cursor = _cursor(request)
    page = home_ids(user_id=request.user.pk, before=cursor, limit=settings.PAGE_SIZE)
    context = {"tweets": hydrate(page.ids, request.user), "next_url": _next_url(page.next_cursor)}
    if cursor is not None and request.headers.get("HX-Request") == "true":
        return render(request, "tweets/_tweet_list.html", context)
    top = encode_cursor(page.ids[0]) if page.ids else ""
    return render(request, "timelines/home.html", {**context, "nav": "home", "top_cursor": top, "source": page.source})


@login_required
def home_newer(request):
    """Render the tweets newer than ``since`` (the banner's click); a full reload past 50 of them."""
    since = _cursor(request, "since") or 0
    ids, gap = newer_ids(user_id=request.user.pk, since=since)
    if gap:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    response = render(request, "tweets/_tweet_list.html", {"tweets": hydrate(ids, request.user), "next_url": None})
    response["X-Top-Cursor"] = encode_cursor(ids[0]) if ids else encode_cursor(since)
    return response
