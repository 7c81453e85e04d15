"""Template filters and the card tag for tweets (times arrive as ISO strings from cached payloads)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace

import orjson
from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from tweets import selectors
from tweets.parsing import extract_mentions, linkify
from tweets.templatetags import frames
from tweets.templatetags.frames import FrameCache, live, passes_holes

register = template.Library()

CARD_TEMPLATE = "tweets/_tweet_card.html"
# Rendered cards kept per process: a few thousand cover Popular, trends and the busy timelines.
CARD_FRAMES = FrameCache(4096)


def _parse(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return _from_iso(str(value))


@lru_cache(maxsize=8192)  # the cards' times, parsed once (a frame's hole gives the same text on every fill)
def _from_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@register.filter
@live
def since(value) -> str:
    """Render a time as Twitter does: "now", "5m", "3h", "Nov 21" or "Nov 21, 2025"."""
    moment = _parse(value)
    if moment is None:
        return ""
    now = timezone.now()
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    if moment.year == now.year:
        return f"{moment:%b} {moment.day}"
    return f"{moment:%b} {moment.day}, {moment.year}"


@register.filter
def fulltime(value) -> str:
    """Render a time in full: "8:45 PM · Nov 21, 2026" (UTC)."""
    moment = _parse(value)
    if moment is None:
        return ""
    moment = timezone.localtime(moment)
    return f"{moment:%-I:%M %p} · {moment:%b} {moment.day}, {moment.year}"


@register.filter
def isotime(value) -> datetime | None:
    """Turn an ISO string into a datetime (for the ``date`` filter)."""
    return _parse(value)


@register.filter
def bio_html(value) -> SafeString:
    """Render a profile bio like tweet text: escaped, with URLs, #hashtags and existing @mentions linked.

    One query when the bio mentions someone, none otherwise.
    """
    text = str(value or "")
    # linkify escapes every piece of the text itself.
    return mark_safe(linkify(text, selectors.known_usernames(extract_mentions(text))))


@register.filter
@passes_holes
def nonzero(value) -> str:
    """Render a counter on an action bar: nothing for zero."""
    return str(value) if value else ""


def _card_key(t: dict) -> bytes:
    # Everything the card shows except its live counters: an edit, a rename or a new quote embed
    # changes the payload and so the key; the viewer's liked / retweeted state is part of it too.
    shown = orjson.dumps({k: v for k, v in t.items() if k != "counts"}, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(shown, digest_size=16).digest()


def _position(user, t: dict) -> tuple[bool, bool, bool]:
    """Return where the viewer stands to a card: signed in, its author, its retweeter."""
    signed_in = bool(user is not None and user.is_authenticated)
    username = user.username if signed_in else ""
    own = signed_in and username == (t.get("author") or {}).get("username")
    own_retweet = signed_in and bool(t.get("retweet")) and username == t["retweet"]["by"]["username"]
    return signed_in, own, own_retweet


def card_key(t: dict, user) -> tuple:
    """Return what a card's frame depends on besides its holes (a frame holding cards keys on it too)."""
    return (_card_key(t), *_position(user, t))


@register.simple_tag(takes_context=True)
def tweet_card(context, t: dict) -> SafeString:
    """Render one tweet card (``tweets/_tweet_card.html``) from a frame cached per payload and viewer state.

    The card template sees ``user`` only through whether someone is signed in and whether they are
    the author or the retweeter: the frame is keyed by exactly those, so it can be shared by every
    viewer in the same position.
    """
    user = context.get("user")
    signed_in, own, own_retweet = _position(user, t)
    csrf = frames.context_csrf(context)
    viewer = SimpleNamespace(is_authenticated=signed_in, username=user.username if own or own_retweet else "")
    counts = t.get("counts") or {}

    def card_context(builder) -> dict:
        card = {**t, "counts": {name: builder.slot("counts", name) for name in counts}}
        return {"t": card, "user": viewer, **frames.csrf_slot(builder, csrf)}

    key = (*card_key(t, user), csrf is not None)
    return frames.render(CARD_FRAMES, CARD_TEMPLATE, key, card_context, {"counts": counts, "csrf": csrf})
