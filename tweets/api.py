"""The tweets API: post, read, edit, delete, like, retweet, lists. Thin: validate, call, render.

Every tweet is the merged card dict of tweets.presenters (ids are strings). Lists are keyset pages:
``?cursor=`` in, ``next_cursor`` out.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import PeopleOut
from tweets import selectors, services, throttle
from tweets.models import TweetVersion
from tweets.parsing import normalize_hashtag
from tweets.presenters import present, present_one
from tweets.serializers import (
    TweetCreateIn,
    TweetEditIn,
    TweetOut,
    TweetPageOut,
    VersionsOut,
)
from twitter_site.api_errors import error_responses
from twitter_site.pagination import BadCursor, decode_cursor, encode_cursor

CURSOR = OpenApiParameter("cursor", str, description="Opaque cursor from next_cursor; omit for the first page.")


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _cursor(request) -> int | None:
    try:
        return decode_cursor(request.query_params.get("cursor"))
    except BadCursor as error:
        raise exceptions.ValidationError({"cursor": [str(error)]})


def _rule_error(error: services.TweetRuleError) -> exceptions.ValidationError:
    return exceptions.ValidationError({error.field: [str(error)]})


def _card(tweet_id: int, viewer) -> dict:
    card = present_one(tweet_id, viewer)
    if card is None or card.get("tombstone"):
        raise Http404("No such tweet.")
    return card


def _tweet_page(request, queryset, *, field: str = "id", ascending: bool = False, pick: int = 0) -> Response:
    """Render a keyset page of tweet ids; rows are tuples whose first item is the cursor value."""
    rows, next_cursor = selectors.page_of(
        queryset, cursor=_cursor(request), size=settings.PAGE_SIZE, field=field, ascending=ascending
    )
    ids = [row[pick] for row in rows]
    return Response({"results": present(ids, request.user), "next_cursor": encode_cursor(next_cursor)})


class TweetsApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="Post a tweet, a reply or a quote",
        request=TweetCreateIn,
        responses={201: TweetOut, **error_responses(400, 401, 404, 429)},
        description="1-240 user-perceived characters (grapheme clusters after NFC). Over the limit is a 400 "
        "naming the count. `reply_to` / `quote_of` are tweet ids; a deleted or hidden one is a 404.",
    )
    def post(self, request):
        data = _valid(TweetCreateIn, request.data)
        throttle.enforce("post", request.user)
        refs = {
            field: selectors.get_visible_tweet(data[field])
            for field in ("reply_to", "quote_of")
            if data.get(field) is not None  # "0" is an id (of no tweet: 404), not "no reply"
        }
        try:
            tweet = services.create_tweet(author=request.user, text=data["text"], **refs)
        except services.TweetRuleError as error:
            raise _rule_error(error)
        return Response(_card(tweet.pk, request.user), status=status.HTTP_201_CREATED)


class FullPatchSchema(AutoSchema):
    """Document a PATCH body as given: an edit sends the whole new text (drf-spectacular assumes partial)."""

    def _get_request_for_media_type(self, serializer, direction="request"):
        method, self.method = self.method, "PUT" if self.method == "PATCH" else self.method
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = method


class TweetApi(APIView):
    schema = FullPatchSchema()

    @extend_schema(tags=["tweets"], summary="Read a tweet", responses={200: TweetOut, **error_responses(401, 404)})
    def get(self, request, tweet_id: int):
        return Response(_card(selectors.get_visible_tweet(tweet_id).pk, request.user))

    @extend_schema(
        tags=["tweets"],
        summary="Edit a tweet (author only, within the edit window and count)",
        request=TweetEditIn,
        responses={200: TweetOut, **error_responses(400, 401, 403, 404, 429)},
        description="Adds a new immutable version. Allowed within TWEET_EDIT_WINDOW_SECONDS of posting "
        "(default 3600), at most TWEET_MAX_EDITS times (default 5).",
    )
    def patch(self, request, tweet_id: int):
        data = _valid(TweetEditIn, request.data)
        tweet = selectors.get_visible_tweet(tweet_id)
        throttle.enforce("post", request.user)
        try:
            services.edit_tweet(user=request.user, tweet=tweet, text=data["text"])
        except services.TweetRuleError as error:
            raise _rule_error(error)
        return Response(_card(tweet.pk, request.user))

    @extend_schema(
        tags=["tweets"], summary="Delete your tweet", responses={204: None, **error_responses(401, 403, 404)}
    )
    def delete(self, request, tweet_id: int):
        services.delete_tweet(user=request.user, tweet=selectors.get_visible_tweet(tweet_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TweetVersionsApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="A tweet's edit history, oldest first",
        responses={200: VersionsOut, **error_responses(401, 404)},
    )
    def get(self, request, tweet_id: int):
        tweet = selectors.get_visible_tweet(tweet_id)
        versions = TweetVersion.objects.filter(tweet=tweet).order_by("number")
        return Response(
            {
                "results": [
                    {"number": v.number, "text": v.text, "created_at": v.created_at.isoformat()} for v in versions
                ]
            }
        )


class LikeApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="Like a tweet (idempotent)",
        request=None,
        responses={200: TweetOut, **error_responses(401, 404, 429)},
    )
    def post(self, request, tweet_id: int):
        throttle.enforce("engage", request.user)
        tweet = services.like_tweet(user=request.user, tweet=selectors.get_visible_tweet(tweet_id))
        return Response(_card(tweet.pk, request.user))

    @extend_schema(
        tags=["tweets"],
        summary="Unlike a tweet (idempotent)",
        responses={200: TweetOut, **error_responses(401, 404, 429)},
    )
    def delete(self, request, tweet_id: int):
        throttle.enforce("engage", request.user)
        tweet = services.unlike_tweet(user=request.user, tweet=selectors.get_visible_tweet(tweet_id))
        return Response(_card(tweet.pk, request.user))


class RetweetApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="Retweet (idempotent; retweeting a retweet retweets the original)",
        request=None,
        responses={200: TweetOut, **error_responses(401, 404, 429)},
    )
    def post(self, request, tweet_id: int):
        throttle.enforce("engage", request.user)
        tweet = services.retweet(user=request.user, tweet=selectors.get_visible_tweet(tweet_id))
        return Response(_card(tweet.pk, request.user))

    @extend_schema(
        tags=["tweets"],
        summary="Undo a retweet (idempotent)",
        responses={200: TweetOut, **error_responses(401, 404, 429)},
    )
    def delete(self, request, tweet_id: int):
        throttle.enforce("engage", request.user)
        tweet = services.undo_retweet(user=request.user, tweet=selectors.get_visible_tweet(tweet_id))
        return Response(_card(tweet.pk, request.user))


def _original(tweet_id: int):
    tweet = selectors.get_visible_tweet(tweet_id)
    if tweet.retweet_of_id is not None:
        raise Http404("No such tweet.")
    return tweet


class RepliesApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="Direct replies, oldest first",
        parameters=[CURSOR],
        responses={200: TweetPageOut, **error_responses(400, 401, 404)},
    )
    def get(self, request, tweet_id: int):
        queryset = selectors.list_replies(_original(tweet_id)).values_list("id", "id")
        return _tweet_page(request, queryset, ascending=True)


class AncestorsApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="The conversation above a tweet, root first (deleted ones as tombstones)",
        responses={200: TweetPageOut, **error_responses(401, 404)},
    )
    def get(self, request, tweet_id: int):
        ids = selectors.ancestor_ids(_original(tweet_id))
        from tweets.presenters import counts_and_state, merge, tweet_payloads

        payloads = tweet_payloads(ids)
        counts, state = counts_and_state(request.user, ids)
        results = [
            merge(
                payloads.get(i, {"id": str(i), "entry_id": str(i), "tombstone": "deleted"}), counts.get(i), state.get(i)
            )
            for i in ids
        ]
        return Response({"results": results, "next_cursor": None})


class QuotesApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="Quote tweets, newest first",
        parameters=[CURSOR],
        responses={200: TweetPageOut, **error_responses(400, 401, 404)},
    )
    def get(self, request, tweet_id: int):
        return _tweet_page(request, selectors.list_quotes(_original(tweet_id)).values_list("id", "id"))


def _people(request, rows, next_cursor, people) -> Response:
    from accounts.selectors import followed_ids
    from accounts.serializers import person_payload

    signed_in = request.user.is_authenticated
    following = followed_ids(request.user, [p.pk for p in people])
    results = [person_payload(p, (p.pk in following) if signed_in else None) for p in people]
    return Response({"results": results, "next_cursor": encode_cursor(next_cursor)})


class LikersApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="Who liked a tweet, newest first",
        parameters=[CURSOR],
        responses={200: PeopleOut, **error_responses(400, 401, 404)},
    )
    def get(self, request, tweet_id: int):
        rows, next_cursor = selectors.page_of(
            selectors.list_likers(_original(tweet_id)), cursor=_cursor(request), size=settings.PAGE_SIZE
        )
        return _people(request, rows, next_cursor, [like.user for like in rows])


class RetweetersApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="Who retweeted a tweet, newest first",
        parameters=[CURSOR],
        responses={200: PeopleOut, **error_responses(400, 401, 404)},
    )
    def get(self, request, tweet_id: int):
        rows, next_cursor = selectors.page_of(
            selectors.list_retweeters(_original(tweet_id)), cursor=_cursor(request), size=settings.PAGE_SIZE
        )
        return _people(request, rows, next_cursor, [rt.author for rt in rows])


def _profile(username: str):
    from accounts.selectors import get_active_user

    return get_active_user(username)


class UserTweetsApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="A user's tweets and retweets (no replies), newest first",
        parameters=[CURSOR],
        responses={200: TweetPageOut, **error_responses(400, 401, 404)},
    )
    def get(self, request, username: str):
        return _tweet_page(request, selectors.list_profile_tweets(_profile(username)).values_list("id", "id"))


class UserRepliesApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="A user's tweets, retweets and replies, newest first",
        parameters=[CURSOR],
        responses={200: TweetPageOut, **error_responses(400, 401, 404)},
    )
    def get(self, request, username: str):
        return _tweet_page(request, selectors.list_profile_replies(_profile(username)).values_list("id", "id"))


class UserLikesApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="Tweets a user liked, newest like first",
        parameters=[CURSOR],
        responses={200: TweetPageOut, **error_responses(400, 401, 404)},
    )
    def get(self, request, username: str):
        return _tweet_page(request, selectors.list_profile_likes(_profile(username)), pick=1)


class HashtagTweetsApi(APIView):
    @extend_schema(
        tags=["tweets"],
        summary="Tweets with a hashtag, newest first",
        parameters=[CURSOR],
        responses={200: TweetPageOut, **error_responses(400, 401)},
    )
    def get(self, request, tag: str):
        queryset = selectors.list_hashtag_tweets(normalize_hashtag(tag))
        return _tweet_page(request, queryset, field="tweet_id")
