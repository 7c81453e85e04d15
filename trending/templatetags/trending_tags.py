"""Template tags of the Explore pages."""

from __future__ import annotations

from types import SimpleNamespace

from django import template
from django.utils.safestring import SafeString

from tweets.templatetags import frames

register = template.Library()

BAR_TEMPLATE = "trending/_popular_bar.html"
# One bar per entry, page and viewer position: a few hundred per ranking run.
BAR_FRAMES = frames.FrameCache(2048)


def bar_key(e: dict, user, request) -> tuple:
    """Return what a Popular bar's frame depends on besides the CSRF token (a page body keys on it too)."""
    signed_in = bool(user is not None and user.is_authenticated)
    own = signed_in and user.pk == e["author"].pk
    path = request.path if request is not None else ""
    full_path = request.get_full_path() if request is not None else ""
    engagement = tuple(sorted(e["engagement"].items()))
    following = bool(e["author_state"]["following"])
    return (e["rank"], engagement, e["author"].pk, e["author"].username, following, signed_in, own, path, full_path)


@register.simple_tag(takes_context=True)
def popular_bar(context, e: dict) -> SafeString:
    """Render a Popular entry's bar (rank, engagement, follow button) from a cached frame.

    The bar is the same for every viewer who follows (or does not follow) its author on the same
    page; only the CSRF token differs, and it is a hole. The key holds the entry's engagement, so a
    new ranking run makes new frames.
    """
    user = context.get("user")
    request = context.get("request")
    key = bar_key(e, user, request)
    *_, signed_in, own, path, full_path = key
    csrf = frames.context_csrf(context)

    def bar_context(builder) -> dict:
        return {
            "e": e,
            "user": SimpleNamespace(is_authenticated=signed_in, pk=user.pk if own else None),
            "request": SimpleNamespace(path=path, get_full_path=full_path),
            **frames.csrf_slot(builder, csrf),
        }

    return frames.render(BAR_FRAMES, BAR_TEMPLATE, (*key, csrf is not None), bar_context, {"csrf": csrf})


TREND_TEMPLATE = "trending/_trend.html"
# A row is the same for everyone who sees the trend at that rank with the same reasons.
TREND_FRAMES = frames.FrameCache(4096)
TREND_FIELDS = ("term", "rank", "label", "people", "tweets", "personal", "spark_points")


def trend_key(trend: dict) -> tuple:
    """Return every field a trend row shows, reasons included (a list of rows keys on these too)."""
    return (*(trend[name] for name in TREND_FIELDS), tuple(trend["reasons"]))


@register.simple_tag
def trend_row(trend: dict) -> SafeString:
    """Render one trend row (``trending/_trend.html``) once per content: it has nothing per request.

    Keyed by every field the row shows, so a new ranking run or another viewer's reasons make a
    new row and never reuse a stale one.
    """
    return frames.render(TREND_FRAMES, TREND_TEMPLATE, trend_key(trend), lambda builder: {"trend": trend}, {})
