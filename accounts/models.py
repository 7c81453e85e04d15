"""People, their follows and their API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

USERNAME_RE = r"^[A-Za-z0-9_]{1,15}$"
username_validator = RegexValidator(USERNAME_RE, "Usernames are 1-15 characters: letters, digits and underscores only.")


class ChirpUserManager(UserManager):
    def get_by_natural_key(self, username):
        """Match usernames case-insensitively, as people type them."""
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person. ``is_active=False`` means suspended: no login, tweets hidden."""

    username = models.CharField(
        max_length=15,
        unique=True,
        validators=[username_validator],
        help_text="1-15 letters, digits and underscores; unique regardless of case.",
        error_messages={"unique": "That username is taken."},
    )
    display_name = models.CharField(max_length=50, blank=True)
    bio = models.CharField(max_length=160, blank=True)
    # Exact counters, updated in the same transaction as the rows they count.
    followers_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    tweets_count = models.PositiveIntegerField(default=0)
    # When the person last used the site (refreshed at most hourly); timelines skip the inactive.
    last_seen_at = models.DateTimeField(null=True, blank=True, db_index=True)
    suspended_at = models.DateTimeField(null=True, blank=True)

    objects = ChirpUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]
        indexes = [
            models.Index(Lower("username"), name="user_username_lower_idx"),
        ]

    def __str__(self) -> str:
        return f"@{self.username}"

    @property
    def name(self) -> str:
        """Return the display name, or the username when there is none."""
        return self.display_name or self.username

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class Follow(models.Model):
    """``follower`` follows ``followee``. The id orders follower / following lists (keyset)."""

    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_set")
    followee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_once"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("followee")), name="follow_not_self"),
        ]
        indexes = [
            # "who follows X" (followers list, fanout) in list order
            models.Index(fields=["followee", "-id"], name="follow_followee_idx"),
            # "whom does X follow" (following list, pull query)
            models.Index(fields=["follower", "-id"], name="follow_follower_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} -> {self.followee_id}"


class ApiToken(models.Model):
    """An access or refresh token for apps. Only the SHA-256 of the token is stored."""

    class Kind(models.TextChoices):
        ACCESS = "access"
        REFRESH = "refresh"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    digest = models.CharField(max_length=64, unique=True)
    # An access token and the refresh token issued with it share a family; logout revokes it.
    family = models.CharField(max_length=32, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_live_idx")]

    def __str__(self) -> str:
        return f"{self.kind} token of {self.user_id}"


class UserSession(models.Model):
    """A browser session opened by a log-in, so suspension can end every session of a person."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="browser_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"session of {self.user_id}"
