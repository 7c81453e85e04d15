"""API shapes of tweets. Inputs validate; outputs document the merged card dict (they render nothing)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tweets.parsing import EMPTY_MESSAGE


class StrictTextField(serializers.CharField):
    """A string field that refuses numbers, lists and objects instead of coercing them."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return data


@extend_schema_field({"type": "string", "pattern": "^[0-9]+$", "example": "117739899276234752"})
class TweetIdField(serializers.Field):
    """A tweet id given as a string (or an integer) of ASCII digits."""

    default_error_messages = {"invalid": "Give a tweet id: a string of digits."}

    def to_internal_value(self, data):
        text = str(data) if isinstance(data, str | int) and not isinstance(data, bool) else ""
        if not (text.isascii() and text.isdigit()):  # ASCII only: "١٢٣".isdigit() is True too
            self.fail("invalid")
        return int(data)

    def to_representation(self, value):
        return str(value)


# Length and blank rules live in tweets.parsing; "" is refused here (minLength 1 in the schema) with its message.
TEXT_ERRORS = {"invalid": "Tweet text must be a string.", "blank": EMPTY_MESSAGE}


class TweetCreateIn(serializers.Serializer):
    text = StrictTextField(trim_whitespace=False, error_messages=TEXT_ERRORS)
    reply_to = TweetIdField(required=False, allow_null=True)
    quote_of = TweetIdField(required=False, allow_null=True)


class TweetEditIn(serializers.Serializer):
    text = StrictTextField(trim_whitespace=False, error_messages=TEXT_ERRORS)


class AuthorOut(serializers.Serializer):
    id = serializers.CharField()
    username = serializers.CharField()
    name = serializers.CharField()


class CountsOut(serializers.Serializer):
    likes = serializers.IntegerField()
    retweets = serializers.IntegerField()
    replies = serializers.IntegerField()
    quotes = serializers.IntegerField()


class ViewerOut(serializers.Serializer):
    liked = serializers.BooleanField()
    retweeted = serializers.BooleanField()


class ReplyToOut(serializers.Serializer):
    id = serializers.CharField()
    unavailable = serializers.BooleanField()
    username = serializers.CharField(required=False)
    url = serializers.CharField(required=False)
    version = serializers.IntegerField(allow_null=True, help_text="The version of the parent this reply answered.")
    current_version = serializers.IntegerField(required=False)


class QuoteOut(serializers.Serializer):
    id = serializers.CharField(required=False)
    unavailable = serializers.BooleanField()
    author = AuthorOut(required=False)
    text = serializers.CharField(required=False)
    html = serializers.CharField(required=False)
    created_at = serializers.DateTimeField(required=False)
    url = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)
    edited = serializers.BooleanField(required=False)
    quoted_version = serializers.IntegerField(required=False, allow_null=True)


class RetweetOut(serializers.Serializer):
    id = serializers.CharField(help_text="The retweet's own id.")
    by = AuthorOut()
    created_at = serializers.DateTimeField()


class TweetOut(serializers.Serializer):
    id = serializers.CharField(help_text="The id of the tweet shown (the original, for a retweet).")
    entry_id = serializers.CharField(help_text="The id of this list entry (the retweet's id for a retweet).")
    tombstone = serializers.CharField(allow_null=True)
    author = AuthorOut()
    text = serializers.CharField(help_text="The newest version's text.")
    html = serializers.CharField(help_text="The text as escaped HTML with links, mentions and hashtags linked.")
    created_at = serializers.DateTimeField()
    url = serializers.CharField()
    version = serializers.IntegerField()
    edited = serializers.BooleanField()
    edited_at = serializers.DateTimeField(allow_null=True)
    conversation_id = serializers.CharField()
    reply_to = ReplyToOut(allow_null=True)
    quote = QuoteOut(allow_null=True)
    retweet = RetweetOut(allow_null=True)
    counts = CountsOut()
    viewer = ViewerOut()


class TweetPageOut(serializers.Serializer):
    results = TweetOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class VersionOut(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class VersionsOut(serializers.Serializer):
    results = VersionOut(many=True)
