"""Output shapes of the Explore API (for the schema; the views build plain dicts)."""

from __future__ import annotations

from rest_framework import serializers

from trending.terms import MAX_TERM_LENGTH, normalize
from tweets.serializers import TweetOut


class TermTweetsIn(serializers.Serializer):
    """The query of GET /explore/trending/tweets: one term, validated before it reaches Redis."""

    term = serializers.CharField(
        min_length=1,
        max_length=MAX_TERM_LENGTH,
        help_text="A term as listed by /explore/trending (compared NFKC case-folded).",
    )

    def validate_term(self, value: str) -> str:
        term = normalize(value).strip()
        if not term:
            raise serializers.ValidationError("Give a term to look up.")
        if len(term) > MAX_TERM_LENGTH:
            raise serializers.ValidationError(f"Terms are at most {MAX_TERM_LENGTH} characters.")
        return term


class EngagementOut(serializers.Serializer):
    score = serializers.FloatField(help_text="Weighted: like 1, reply 2, retweet 2, quote 3 (docs/ranking.md).")
    likes = serializers.IntegerField()
    retweets = serializers.IntegerField()
    replies = serializers.IntegerField()
    quotes = serializers.IntegerField()


class PopularEntryOut(serializers.Serializer):
    rank = serializers.IntegerField()
    tweet = TweetOut()
    engagement = EngagementOut(help_text="People who engaged in the last hour, once per person and kind.")
    author_following = serializers.BooleanField(help_text="Whether the viewer follows the author.")


class PopularPageOut(serializers.Serializer):
    computed_at = serializers.FloatField(allow_null=True, help_text="Unix time of the ranking job's run.")
    results = PopularEntryOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class TrendOut(serializers.Serializer):
    rank = serializers.IntegerField()
    term = serializers.CharField()
    kind = serializers.ChoiceField(choices=["hashtag", "word", "phrase", "emoji"])
    people = serializers.IntegerField(help_text="Distinct people who tweeted, liked or retweeted it in the last hour.")
    tweets = serializers.IntegerField(help_text="Tweets that used it in the last hour.")
    expected = serializers.FloatField(help_text="People per hour it usually has (its baseline).")
    score = serializers.FloatField(help_text="Global score (observed - expected)^2 / expected.")
    spark = serializers.ListField(child=serializers.IntegerField(), help_text="People per hour, last 24 hours.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it is shown to this viewer.")
    personal = serializers.BooleanField()
    url = serializers.CharField(help_text="The page listing the tweets behind it.")
    tweets_url = serializers.CharField(help_text="The API listing the tweets behind it.")


class TrendingOut(serializers.Serializer):
    computed_at = serializers.FloatField(allow_null=True)
    personalised = serializers.BooleanField()
    results = TrendOut(many=True)


class TermTweetsOut(serializers.Serializer):
    term = serializers.CharField()
    results = TweetOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)
