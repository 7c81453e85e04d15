"""Writes about people: sign-up, log-in checks, profiles, follows, tokens, suspension."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts import throttle, usercache
from accounts.models import ApiToken, Follow, User, UserSession
from accounts.tokens import forget_access, new_token, token_digest

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- errors


class LoginRefused(Exception):
    """A log-in that cannot go ahead; ``message`` is shown to the person as is."""

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after  # set when throttled


class FollowError(Exception):
    """A follow that is not allowed (yourself, a suspended account)."""


class InvalidToken(Exception):
    """A refresh token that is unknown, expired or revoked."""


BAD_CREDENTIALS = "Wrong username or password."
SUSPENDED = "This account is suspended."

# --------------------------------------------------------------------------- sign-up and log-in


def validate_signup(*, username: str, password: str, display_name: str = "", bio: str = "") -> None:
    """Raise ValidationError (with field names) unless a sign-up with these values would succeed."""
    errors: dict[str, list[str]] = {}
    candidate = User(username=username, display_name=display_name, bio=bio)
    try:
        candidate.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if "username" not in errors and User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["That username is taken."]
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)


def sign_up(*, username: str, password: str, display_name: str = "", bio: str = "") -> User:
    """Create a person after checking every rule; a race on the username still ends in 'taken'."""
    validate_signup(username=username, password=password, display_name=display_name, bio=bio)
    try:
        with transaction.atomic():
            user = User(username=username, display_name=display_name, bio=bio)
            user.set_password(password)
            user.save()
    except IntegrityError:
        raise ValidationError({"username": ["That username is taken."]})
    return user


def authenticate_user(*, username: str, password: str, ip: str | None) -> User:
    """Return the person these credentials name, or raise LoginRefused (throttled, wrong, suspended)."""
    block = throttle.check(username=username, ip=ip)
    if block is not None:
        raise LoginRefused(throttle.retry_message(block.retry_after), retry_after=block.retry_after)
    user = User.objects.filter(username__iexact=username).first() if username else None
    if user is None or not user.check_password(password):
        throttle.record_failure(username=username, ip=ip)
        raise LoginRefused(BAD_CREDENTIALS)
    if not user.is_active:
        raise LoginRefused(SUSPENDED)
    throttle.clear(username=username)
    return user


def remember_session(*, user: User, session: SessionBase) -> None:
    """Record a browser session of ``user`` so that suspension can end it."""
    if session.session_key:
        UserSession.objects.update_or_create(session_key=session.session_key, defaults={"user": user})


def mark_seen(*, user: User, now: datetime) -> None:
    """Record that ``user`` used the site; a returning inactive user gets their timeline rebuilt."""
    inactive_after = timedelta(days=settings.TIMELINE_ACTIVE_DAYS)
    was_inactive = user.last_seen_at is None or now - user.last_seen_at > inactive_after
    User.objects.filter(pk=user.pk).update(last_seen_at=now)
    user.last_seen_at = now
    usercache.forget_user(user.pk)
    if was_inactive:
        from timelines import services as timelines

        transaction.on_commit(lambda: timelines.on_user_returned(user_id=user.pk))


# --------------------------------------------------------------------------- profile


def update_profile(*, user: User, display_name: str, bio: str) -> User:
    """Change the display name and bio (validated against the model's limits)."""
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.full_clean(exclude=["password", "username"], validate_unique=False, validate_constraints=False)
    User.objects.filter(pk=user.pk).update(display_name=user.display_name, bio=user.bio)
    usercache.forget_user(user.pk)
    _cards_changed(user)
    return user


def _cards_changed(user: User) -> None:
    """After commit, have the timelines forget cached cards that show ``user`` (name, suspension)."""
    from timelines import services as timelines

    user_id = user.pk
    transaction.on_commit(lambda: timelines.on_author_changed(user_id=user_id), robust=True)


# --------------------------------------------------------------------------- follows


def _bump_counts(*, follower_id: int, followee_id: int, delta: int) -> None:
    # Lock the two rows in id order so opposite follows (A->B, B->A) cannot deadlock.
    for pk in sorted((follower_id, followee_id)):
        if pk == follower_id:
            User.objects.filter(pk=pk).update(following_count=F("following_count") + delta)
        else:
            User.objects.filter(pk=pk).update(followers_count=F("followers_count") + delta)


def follow(*, follower: User, followee: User) -> bool:
    """Make ``follower`` follow ``followee``; return True if a follow was created (False: already)."""
    if follower.pk == followee.pk:
        raise FollowError("You can't follow yourself.")
    if not followee.is_active:
        raise FollowError("This account is suspended.")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Follow._meta.db_table} (follower_id, followee_id, created_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (follower_id, followee_id) DO NOTHING RETURNING id",
                [follower.pk, followee.pk, timezone.now()],
            )
            created = cursor.fetchone() is not None
        if created:
            _bump_counts(follower_id=follower.pk, followee_id=followee.pk, delta=1)
            usercache.forget_followees(follower.pk)
            ids = {"follower_id": follower.pk, "followee_id": followee.pk}
            from timelines import services as timelines

            transaction.on_commit(lambda: timelines.on_follow(**ids))
    return created


def unfollow(*, follower: User, followee: User) -> bool:
    """Stop ``follower`` following ``followee``; return True if a follow was removed."""
    with transaction.atomic():
        deleted, _ = Follow.objects.filter(follower_id=follower.pk, followee_id=followee.pk).delete()
        if deleted:
            _bump_counts(follower_id=follower.pk, followee_id=followee.pk, delta=-1)
            usercache.forget_followees(follower.pk)
            ids = {"follower_id": follower.pk, "followee_id": followee.pk}
            from timelines import services as timelines

            transaction.on_commit(lambda: timelines.on_unfollow(**ids))
    return bool(deleted)


# --------------------------------------------------------------------------- API tokens


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int

    def as_dict(self) -> dict:
        return {"access": self.access, "refresh": self.refresh, "token_type": "Bearer", "expires_in": self.expires_in}


def issue_tokens(*, user: User, family: str | None = None) -> TokenPair:
    """Create an access and a refresh token for ``user`` (a new family unless one is given)."""
    family = family or secrets.token_hex(16)
    now = timezone.now()
    access, refresh = new_token(), new_token()
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user=user,
                kind=ApiToken.Kind.ACCESS,
                digest=token_digest(access),
                family=family,
                expires_at=now + timedelta(seconds=settings.ACCESS_TOKEN_SECONDS),
            ),
            ApiToken(
                user=user,
                kind=ApiToken.Kind.REFRESH,
                digest=token_digest(refresh),
                family=family,
                expires_at=now + timedelta(seconds=settings.REFRESH_TOKEN_SECONDS),
            ),
        ]
    )
    return TokenPair(access=access, refresh=refresh, expires_in=settings.ACCESS_TOKEN_SECONDS)


def refresh_tokens(*, raw_refresh: str) -> TokenPair:
    """Trade a refresh token for a new pair (rotation). Re-using a spent one revokes its whole family."""
    reused = False
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update()
            .select_related("user")
            .filter(digest=token_digest(raw_refresh), kind=ApiToken.Kind.REFRESH)
            .first()
        )
        if token is None or token.expires_at <= timezone.now():
            raise InvalidToken("The refresh token is invalid or expired; log in again.")
        if token.revoked_at is not None:
            # A revoked refresh token came back: someone kept a copy. End the whole family.
            revoke_token_family(family=token.family)
            reused = True
        elif not token.user.is_active:
            raise InvalidToken(SUSPENDED)
        else:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            pair = issue_tokens(user=token.user, family=token.family)
    if reused:
        raise InvalidToken("This refresh token was already used; every token of this session is now revoked.")
    return pair


def _revoke(tokens) -> int:
    """Revoke the live tokens of a queryset; the access tokens remembered in Redis are forgotten
    now and again after commit (a request that read them before the commit cannot keep them)."""
    live = tokens.filter(revoked_at__isnull=True)
    digests = list(live.filter(kind=ApiToken.Kind.ACCESS).values_list("digest", flat=True))
    count = live.update(revoked_at=timezone.now())
    forget_access(digests)
    transaction.on_commit(lambda: forget_access(digests), robust=True)
    return count


def revoke_token_family(*, family: str) -> int:
    """Revoke every live token of a family (log-out of an app); return how many."""
    return _revoke(ApiToken.objects.filter(family=family))


def revoke_user_tokens(*, user: User) -> int:
    """Revoke every live token of ``user``."""
    return _revoke(ApiToken.objects.filter(user=user))


# --------------------------------------------------------------------------- suspension


def _end_sessions(*, user: User) -> None:
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()


def suspend_user(*, user: User, by: User | None = None) -> None:
    """Suspend ``user``: no log-in, profile hidden, API tokens revoked, browser sessions ended."""
    with transaction.atomic():
        user.is_active = False
        user.suspended_at = user.suspended_at or timezone.now()
        User.objects.filter(pk=user.pk).update(is_active=False, suspended_at=user.suspended_at)
        revoke_user_tokens(user=user)
        _end_sessions(user=user)
        usercache.forget_user(user.pk)
        _cards_changed(user)
    logger.info("suspended %s (by %s)", user, by or "system")


def unsuspend_user(*, user: User) -> None:
    """Lift a suspension."""
    user.is_active = True
    user.suspended_at = None
    User.objects.filter(pk=user.pk).update(is_active=True, suspended_at=None)
    usercache.forget_user(user.pk)
    _cards_changed(user)
