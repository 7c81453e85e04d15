"""Writes about people: sign-up, profiles, follows, tokens, suspension."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from accounts.models import User


def mark_seen(*, user: User, now: datetime) -> None:
    """Record that ``user`` used the site; a returning inactive user gets their timeline rebuilt."""
    inactive_after = timedelta(days=settings.TIMELINE_ACTIVE_DAYS)
    was_inactive = user.last_seen_at is None or now - user.last_seen_at > inactive_after
    User.objects.filter(pk=user.pk).update(last_seen_at=now)
    user.last_seen_at = now
    if was_inactive:
        from timelines import services as timelines

        transaction.on_commit(lambda: timelines.on_user_returned(user_id=user.pk))
