"""Explore API: GET /api/v1/explore/popular, /explore/trending, /explore/trending/tweets?term=."""

from __future__ import annotations

from urllib.parse import quote

import orjson
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from trending import counters, pagecache, selectors
from trending.serializers import PopularPageOut, TermTweetsIn, TermTweetsOut, TrendingOut
from twitter_site.api_errors import error_responses

# Every endpoint is public; 401 only answers a bad or expired bearer token.
CURSOR = OpenApiParameter("cursor", str, description="Opaque cursor from next_cursor.")


def _popular_body(viewer, cursor: str | None) -> dict:
    try:
        page = selectors.list_popular(viewer, cursor=cursor)
    except selectors.BadCursor as error:
        raise exceptions.ValidationError({"cursor": [str(error)]}) from error
    results = [
        {key: entry[key] for key in ("rank", "tweet", "engagement", "author_following")} for entry in page.entries
    ]
    return {"computed_at": page.computed_at, "results": results, "next_cursor": page.next_cursor}


class PopularApi(APIView):
    @extend_schema(
        tags=["explore"],
        summary="The 100 tweets most engaged with in the last hour",
        parameters=[CURSOR],
        responses={200: PopularPageOut, **error_responses(400, 401)},
        description="Ranked by weighted engagement in a rolling hour (likes, retweets, replies, quotes; one person "
        "counts once per tweet and kind; the author's own engagement does not count). Precomputed every minute; "
        "20 entries a page, 100 in all.",
    )
    def get(self, request):
        cursor = request.query_params.get("cursor")
        if request.user.is_authenticated:
            return Response(_popular_body(request.user, cursor))
        # Signed out: the same bytes for everyone until the next ranking run.
        body = pagecache.cached(
            "api-popular",
            counters.popular_snapshot_key(),
            cursor or "",
            lambda: orjson.dumps(_popular_body(request.user, cursor)),
        )
        return HttpResponse(body, content_type="application/json")


def _trend_out(trend: dict) -> dict:
    term = trend["term"]
    return {
        **{k: trend[k] for k in ("rank", "term", "kind", "people", "tweets", "expected", "score", "spark")},
        "reasons": trend["reasons"],
        "personal": trend["personal"],
        "url": reverse("trend_tweets", args=[term]),
        "tweets_url": f"{reverse('api-trend-tweets')}?term={quote(term)}",
    }


def _trending_body(viewer) -> dict:
    listing = selectors.list_trending(viewer)
    return {
        "computed_at": listing.computed_at,
        "personalised": listing.personalised,
        "results": [_trend_out(t) for t in listing.trends],
    }


class TrendingApi(APIView):
    @extend_schema(
        tags=["explore"],
        summary="Trending terms, personalised for the signed-in viewer",
        responses={200: TrendingOut, **error_responses(401)},
        description="Hashtags, words, 2-3 word phrases and emoji used by more distinct people than usual in the "
        "last hour, scored every two minutes. Signed in, re-ranked by what the people you follow and you tweet and "
        "like; each entry says why it is shown.",
    )
    def get(self, request):
        if request.user.is_authenticated:
            return Response(_trending_body(request.user))
        body = pagecache.cached(
            "api-trending", counters.trend_snapshot_key(), "", lambda: orjson.dumps(_trending_body(request.user))
        )
        return HttpResponse(body, content_type="application/json")


class TermTweetsApi(APIView):
    @extend_schema(
        tags=["explore"],
        summary="The recent tweets behind a trend",
        parameters=[TermTweetsIn],
        responses={200: TermTweetsOut, **error_responses(400, 401)},
        description="A missing, blank or over-long term, or one holding a NUL character, is a 400 naming `term`.",
    )
    def get(self, request):
        query = TermTweetsIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        term = query.validated_data["term"]
        return Response({"term": term, "results": selectors.list_term_tweets(term, request.user), "next_cursor": None})
