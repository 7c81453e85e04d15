"""The layout's constant parts (``base.html``) as frames: every page that is not a frame itself pays for them.

The navigation holds a dozen ``{% url %}`` and ``{% static %}`` tags (~0.3 ms a page through the
template engine) and depends only on the page's ``nav``, who is signed in and the CSRF token: it
is a frame per (nav, person) with the token as its hole. The scripts and styles are the same for
every page of a process.
"""

from __future__ import annotations

from types import SimpleNamespace

from django import template
from django.utils.safestring import SafeString

from tweets.templatetags import frames

register = template.Library()

# A frame per page kind and signed-in person (~2 KB each): the most recent visitors'.
LAYOUT_FRAMES = frames.FrameCache(2048)


@register.simple_tag
def head_links() -> SafeString:
    """Render ``layout/_head_links.html`` (the stylesheet and scripts) once per process."""
    return frames.render(LAYOUT_FRAMES, "layout/_head_links.html", (), lambda builder: {}, {})


@register.simple_tag(takes_context=True)
def sidenav(context) -> SafeString:
    """Render ``layout/_sidenav.html`` from a frame keyed by the page's ``nav`` and the signed-in person."""
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    me = (user.pk, user.username, user.name) if signed_in else None
    nav = context.get("nav")
    csrf = frames.context_csrf(context)

    def nav_context(builder) -> dict:
        viewer = SimpleNamespace(is_authenticated=signed_in)
        if me:
            viewer.id, viewer.username, viewer.name = me
        return {"nav": nav, "user": viewer, **frames.csrf_slot(builder, csrf)}

    key = (nav, me, csrf is not None)
    return frames.render(LAYOUT_FRAMES, "layout/_sidenav.html", key, nav_context, {"csrf": csrf})
