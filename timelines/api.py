"""The home timeline API: plain dicts encoded with orjson on the hot path (no per-tweet serializer)."""

from __future__ import annotations

import orjson
from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from timelines.selectors import home_ids, hydrate_json, newer_ids
from twitter_site.api_errors import error_responses
from twitter_site.pagination import BadCursor, decode_cursor, encode_cursor

HomeTimelineOut = inline_serializer(
    "HomeTimelineOut",
    {
        "results": serializers.ListField(
            child=serializers.DictField(), help_text="Tweets, newest first (tweet shape)."
        ),
        "next_cursor": serializers.CharField(allow_null=True, help_text="Pass as ?cursor= for the next page."),
    },
)


def _decode(request, name: str) -> int | None:
    try:
        return decode_cursor(request.query_params.get(name))
    except BadCursor as error:
        raise ValidationError({name: [str(error)]}) from None


class HomeTimelineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="timelines_home",
        summary="Your home timeline",
        description="Tweets and retweets by the people you follow and yourself, newest first. Keyset pages: "
        "pass `next_cursor` back as `cursor`. With `since` (a cursor of a tweet you have), returns only newer "
        "tweets (at most 50) and `next_cursor` null. A cursor or since that is not one of ours is a 400 naming it; "
        "signed out (or with a bad token) is a 401.",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque cursor from a previous page."),
            OpenApiParameter("since", OpenApiTypes.STR, description="Opaque cursor: only tweets newer than it."),
        ],
        responses={200: HomeTimelineOut, **error_responses(400, 401)},
        tags=["timelines"],
    )
    def get(self, request):
        since = _decode(request, "since")
        if since is not None:
            ids, _ = newer_ids(user_id=request.user.pk, since=since)
            return page_response(hydrate_json(ids, request.user), None)
        page = home_ids(user_id=request.user.pk, before=_decode(request, "cursor"), limit=settings.PAGE_SIZE)
        return page_response(hydrate_json(page.ids, request.user), page.next_cursor)


def page_response(cards: list[bytes], next_cursor: int | None) -> HttpResponse:
    """Return ``{"results": [...cards], "next_cursor": ...}`` joined from already-encoded cards."""
    body = b'{"results":[%s],"next_cursor":%s}' % (b",".join(cards), orjson.dumps(encode_cursor(next_cursor)))
    return HttpResponse(body, content_type="application/json")
