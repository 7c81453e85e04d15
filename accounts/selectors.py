"""Reads about people: profiles, follow state, follower / following lists (keyset pages)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404

from accounts import usercache
from accounts.models import Follow, User
from twitter_site import pagination


def get_active_user(username: str) -> User:
    """Return the active person with this username (any case); raise Http404 if unknown or suspended."""
    # A NUL byte can be in a URL but never in a username (and PostgreSQL refuses it in a query).
    valid = bool(username) and "\x00" not in username
    user = User.objects.filter(username__iexact=username, is_active=True).first() if valid else None
    if user is None:
        raise Http404("No such user.")
    return user


def followed_ids(viewer, user_ids: Iterable[int]) -> set[int]:
    """Return which of ``user_ids`` the viewer follows (empty for an anonymous viewer).

    From the viewer's followee set in Redis (``usercache``): no query, one on a miss.
    """
    ids = {int(i) for i in user_ids}
    if not ids or viewer is None or not viewer.is_authenticated:
        return set()
    return usercache.followed_among(viewer.pk, ids)


def follow_state(viewer, user: User) -> dict | None:
    """Return the relationship of viewer and user for a profile: {"following", "follows_you"} or None."""
    if viewer is None or not viewer.is_authenticated or viewer.pk == user.pk:
        return None
    rows = set(
        Follow.objects.filter(follower_id__in=(viewer.pk, user.pk), followee_id__in=(viewer.pk, user.pk)).values_list(
            "follower_id", flat=True
        )
    )
    return {"following": viewer.pk in rows, "follows_you": user.pk in rows}


# --------------------------------------------------------------------------- keyset pages


def encode_cursor(follow_id: int) -> str:
    return pagination.encode_cursor(follow_id, kind="f")


def decode_cursor(cursor: str | None) -> int | None:
    """Return the Follow id a cursor points below, None for no cursor; ValueError for a bad one."""
    return pagination.decode_cursor(cursor, kind="f")


@dataclass
class PeoplePage:
    people: list[User]
    next_cursor: str | None


def _people_page(*, filters: dict, person_field: str, cursor: str | None, limit: int | None) -> PeoplePage:
    limit = limit or settings.PAGE_SIZE
    before = decode_cursor(cursor)
    rows = Follow.objects.filter(**filters, **{f"{person_field}__is_active": True}).select_related(person_field)
    if before is not None:
        rows = rows.filter(id__lt=before)
    rows = list(rows.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return PeoplePage(
        people=[getattr(row, person_field) for row in rows],
        next_cursor=encode_cursor(rows[-1].id) if more else None,
    )


def list_followers(user: User, *, cursor: str | None = None, limit: int | None = None) -> PeoplePage:
    """Return a page of the people who follow ``user``, newest follow first."""
    return _people_page(filters={"followee_id": user.pk}, person_field="follower", cursor=cursor, limit=limit)


def list_following(user: User, *, cursor: str | None = None, limit: int | None = None) -> PeoplePage:
    """Return a page of the people ``user`` follows, newest follow first."""
    return _people_page(filters={"follower_id": user.pk}, person_field="followee", cursor=cursor, limit=limit)
