"""API shapes for people and tokens. Serializers check input and render output; services write."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import User, username_validator


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SignupIn(serializers.Serializer):
    username = StrictCharField(max_length=100, trim_whitespace=True, validators=[username_validator])
    password = StrictCharField(max_length=128, trim_whitespace=False)
    display_name = StrictCharField(max_length=50, required=False, allow_blank=True, default="")
    bio = StrictCharField(max_length=160, required=False, allow_blank=True, default="")


class TokenIn(serializers.Serializer):
    username = StrictCharField(max_length=100)
    password = StrictCharField(max_length=128, trim_whitespace=False)


class RefreshIn(serializers.Serializer):
    refresh = StrictCharField(max_length=200)


class TokenOut(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["Bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class ProfileIn(serializers.Serializer):
    display_name = StrictCharField(max_length=50, required=False, allow_blank=True)
    bio = StrictCharField(max_length=160, required=False, allow_blank=True)


class UserOut(serializers.Serializer):
    id = serializers.CharField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    bio = serializers.CharField()
    joined = serializers.DateTimeField()
    tweets_count = serializers.IntegerField()
    followers_count = serializers.IntegerField()
    following_count = serializers.IntegerField()
    following = serializers.BooleanField(
        allow_null=True, help_text="Whether the viewer follows this person (null when signed out)."
    )
    follows_you = serializers.BooleanField(
        allow_null=True, help_text="Whether this person follows the viewer (null when signed out)."
    )


class SignupOut(TokenOut):
    user = UserOut()


class FollowOut(serializers.Serializer):
    following = serializers.BooleanField()
    followers_count = serializers.IntegerField(help_text="The followee's follower count after the change.")


class PersonOut(serializers.Serializer):
    """A person in a list (followers, following, likers, retweeters)."""

    id = serializers.CharField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    bio = serializers.CharField()
    following = serializers.BooleanField(allow_null=True)


class PeopleOut(serializers.Serializer):
    results = PersonOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


def user_payload(user: User, state: dict | None = None, *, signed_in: bool = False) -> dict:
    """Return the JSON of a profile; ``state`` is the viewer's follow_state (None for self/anonymous)."""
    if state is None:
        state = {"following": False, "follows_you": False} if signed_in else {"following": None, "follows_you": None}
    return {
        "id": str(user.pk),
        "username": user.username,
        "display_name": user.display_name,
        "bio": user.bio,
        "joined": user.date_joined.isoformat(),
        "tweets_count": user.tweets_count,
        "followers_count": user.followers_count,
        "following_count": user.following_count,
        "following": state["following"],
        "follows_you": state["follows_you"],
    }


def person_payload(user: User, following: bool | None) -> dict:
    return {
        "id": str(user.pk),
        "username": user.username,
        "display_name": user.display_name,
        "bio": user.bio,
        "following": following,
    }
