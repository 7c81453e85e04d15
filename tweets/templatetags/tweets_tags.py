"""Template filters for tweet cards (times arrive as ISO strings from cached payloads)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from tweets import selectors
from tweets.parsing import extract_mentions, linkify

register = template.Library()


def _parse(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


@register.filter
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
