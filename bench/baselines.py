"""The three home-timeline read paths the benchmark compares, served by the real WSGI app.

Mounted under /api/v1/bench/home/<variant> only when CHIRP_BENCH_ENDPOINTS=1 (never in production).
``?user=<id>`` names the reader, so the load generator can spread requests over many people
without logging each in; every variant skips authentication alike.

* ``ours``: the product's path (timelines.selectors): Redis feed + read-time merge, one MGET of
  cached payload bytes, counters and viewer state from PostgreSQL, orjson.
* ``b1``: the optimized pull: the LATERAL query (ids only), then the same presenter from
  PostgreSQL without any cache, orjson.
* ``b0``: the naive pull: ORM ``author__in`` subquery + ``select_related`` + a DRF ``ModelSerializer``.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from rest_framework import serializers

from accounts.authentication import LazyUser
from accounts.models import Follow, User
from timelines import pull
from timelines.api import page_response
from timelines.selectors import home_ids, hydrate_json
from tweets.models import Tweet
from twitter_site.pagination import BadCursor, decode_cursor, encode_cursor


class B0AuthorSerializer(serializers.ModelSerializer):
    id = serializers.CharField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]


class B0TweetSerializer(serializers.ModelSerializer):
    id = serializers.CharField()
    author = B0AuthorSerializer()
    reply_to = serializers.CharField(source="reply_to_id", allow_null=True)
    retweet_of = serializers.CharField(source="retweet_of_id", allow_null=True)
    quote_of = serializers.CharField(source="quote_of_id", allow_null=True)

    class Meta:
        model = Tweet
        fields = [
            "id",
            "author",
            "text",
            "created_at",
            "reply_to",
            "retweet_of",
            "quote_of",
            "version",
            "edited_at",
            "like_count",
            "retweet_count",
            "reply_count",
            "quote_count",
        ]


def _args(request):
    try:
        user_id = int(request.GET["user"])
        cursor = decode_cursor(request.GET.get("cursor"))
    except (KeyError, ValueError, BadCursor):
        return None, None
    return user_id, cursor


def _json(body: dict) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), content_type="application/json")


def home_ours(request):
    user_id, cursor = _args(request)
    if user_id is None:
        return JsonResponse({"error": "user and cursor"}, status=400)
    page = home_ids(user_id=user_id, before=cursor, limit=settings.PAGE_SIZE)
    # The reader as the API's token authentication gives it: the id, no row (accounts/authentication.py).
    return page_response(hydrate_json(page.ids, LazyUser(user_id)), page.next_cursor)


def home_b1(request):
    user_id, cursor = _args(request)
    if user_id is None:
        return JsonResponse({"error": "user and cursor"}, status=400)
    from tweets.presenters import merge, tweet_payloads
    from tweets.selectors import counts_for, viewer_state

    entries = pull.pull_entries(user_id=user_id, before=cursor, limit=settings.PAGE_SIZE + 1)
    ids = [t for t, _ in entries[: settings.PAGE_SIZE]]
    next_cursor = ids[-1] if len(entries) > settings.PAGE_SIZE else None
    payloads = tweet_payloads(ids)
    live = [i for i in ids if i in payloads and not payloads[i].get("tombstone")]
    counts, state = counts_for(live), viewer_state(User(pk=user_id), live)
    results = [merge(payloads[i], counts.get(i), state.get(i)) for i in live]
    return _json({"results": results, "next_cursor": encode_cursor(next_cursor)})


def home_b0(request):
    user_id, cursor = _args(request)
    if user_id is None:
        return JsonResponse({"error": "user and cursor"}, status=400)
    followees = Follow.objects.filter(follower_id=user_id).values("followee_id")
    queryset = (
        Tweet.objects.filter(author__in=followees, deleted_at__isnull=True).select_related("author").order_by("-id")
    )
    if cursor is not None:
        queryset = queryset.filter(id__lt=cursor)
    rows = list(queryset[: settings.PAGE_SIZE + 1])
    next_cursor = rows[settings.PAGE_SIZE - 1].id if len(rows) > settings.PAGE_SIZE else None
    data = B0TweetSerializer(rows[: settings.PAGE_SIZE], many=True).data
    from rest_framework.renderers import JSONRenderer

    body = JSONRenderer().render({"results": data, "next_cursor": encode_cursor(next_cursor)})
    return HttpResponse(body, content_type="application/json")


VARIANTS = {"ours": home_ours, "b1": home_b1, "b0": home_b0}
