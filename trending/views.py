"""Explore pages: Popular (top 100 of the hour) and Trending (personalised, explained)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from trending import selectors
from trending.terms import normalize


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def popular(request):
    """Render the top 100 of the last hour, 20 at a time (htmx loads the next page on scroll)."""
    cursor = request.GET.get("cursor")
    anonymous = not request.user.is_authenticated
    cache_key = f"explore:popular:{selectors.popular_version()}:{cursor or ''}" if anonymous else None
    body = cache.get(cache_key) if cache_key else None
    if body is None:
        try:
            page = selectors.list_popular(request.user, cursor=cursor)
        except selectors.BadCursor:
            return HttpResponseBadRequest("This cursor is not valid.")
        next_url = f"{request.path}?{urlencode({'cursor': page.next_cursor})}" if page.next_cursor else None
        context = {"entries": page.entries, "next_url": next_url, "computed_at": page.computed_at}
        body = render_to_string("trending/_popular_entries.html", context, request=request)
        if cache_key:
            cache.set(cache_key, body, 300)
    if _is_htmx(request) and cursor:
        return HttpResponse(body)
    # Our own rendering (user text escaped inside), possibly from the cache.
    return render(request, "trending/popular.html", {"nav": "popular", "entries_html": mark_safe(body)})


def trending(request):
    """Render the trends, re-ranked for the signed-in viewer, each with its chart and why it is shown."""
    anonymous = not request.user.is_authenticated
    cache_key = f"explore:trending:{selectors.trending_version()}" if anonymous else None
    body = cache.get(cache_key) if cache_key else None
    if body is None:
        listing = selectors.list_trending(request.user)
        context = {"trends": listing.trends, "personalised": listing.personalised}
        body = render_to_string("trending/_trend_list.html", context, request=request)
        if cache_key:
            cache.set(cache_key, body, 300)
    # Our own rendering (terms escaped inside), possibly from the cache.
    return render(request, "trending/trending.html", {"nav": "trending", "trends_html": mark_safe(body)})


def trend_tweets(request, term: str):
    """List the recent tweets behind a trend (or any counted term)."""
    term = normalize(term).strip()
    if not term or len(term) > 60:
        raise Http404("No such term.")
    tweets = selectors.list_term_tweets(term, request.user)
    trend = selectors.trend_of(term)
    if trend:
        trend = {**trend, "spark_points": selectors.sparkline_points(trend["spark"])}
    return render(
        request,
        "trending/term.html",
        {"nav": "trending", "term": term, "trend": trend, "tweets": tweets, "next_url": None},
    )
