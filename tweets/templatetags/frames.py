"""Render a template once, reuse it many times: cached "frames" with per-request holes.

A tweet card costs milliseconds in Django's template engine (a dozen ``{% url %}``, includes,
filters), yet almost all of it is the same for every viewer and every request. A *frame* is a
template rendered once for a key (what the output depends on) with *holes* where per-request
values go: the relative time ("5m"), live counters, the CSRF token. Serving a frame is one dict
lookup and a join.

The template stays the single source of the markup. While a frame is built, per-request values
in its context are :class:`Hole` objects: their text is a marker (``<!--hole:3-->``, which no
escaped user text can contain, since ``<`` is always escaped) and filters that receive one
return a new hole that applies the filter at fill time (:func:`passes_holes`). Filters whose
output changes with time (``since``) turn a plain value into a hole while a frame is built
(:func:`live`). After rendering, the markers split the output into constant chunks.

**Frames in frames.** A frame filled while another frame is built (a card inside a page body)
receives that frame's holes as values: they pass through unescaped (a ``Hole`` is safe text),
filters that receive one become holes of the enclosing frame, and live filters make new ones,
so the enclosing frame keeps every per-request value a hole. Its key must hold the inner keys.

Whatever the key leaves out must be a hole, or the frame would serve one request's value to the
next: ``tweets_tags.tweet_card`` keys cards by their whole payload and viewer state and makes the
counters and the CSRF token holes; tests compare frames with a plain render of the template.
"""

from __future__ import annotations

import contextvars
import html
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.template import Context, RequestContext
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from twitter_site import csrf

Compute = Callable[[dict], Any]  # the values of one request -> what goes into the hole

_MARKER = re.compile(r"<!--hole:(\d+)-->")
_building: contextvars.ContextVar[FrameBuilder | None] = contextvars.ContextVar("frame_builder", default=None)


class Hole(SafeString):
    """Marker text standing in for a per-request value while a frame renders."""

    compute: Compute

    def then(self, fn: Callable[[Any], Any]) -> Hole:
        """Return a hole whose fill-time value is ``fn`` applied to this one's."""
        compute = self.compute
        return current_builder().hole(lambda values: fn(compute(values)))


class FrameBuilder:
    """Collects the holes of one frame while its template renders."""

    def __init__(self) -> None:
        self.computes: list[Compute] = []
        self._slots: dict[tuple, Hole] = {}
        self.per_request: set[Compute] = set()  # the CSRF token's hole: new in every response

    def hole(self, compute: Compute) -> Hole:
        marker = Hole(f"<!--hole:{len(self.computes)}-->")
        marker.compute = compute
        self.computes.append(compute)
        return marker

    def slot(self, name: str, *path: str | int) -> Hole:
        """Return a hole filled from ``values[name][path...]`` (a counter, the CSRF token).

        The same hole for the same slot: a value shown many times (the CSRF token of every form)
        is computed once per fill.
        """
        held = self._slots.get((name, *path))
        if held is not None:
            return held
        if not path:
            marker = self.hole(lambda values: values[name])
        elif len(path) == 2:  # a card's counter in a page body: values["counts"][i]["likes"]
            first, second = path
            marker = self.hole(lambda values: values[name][first][second])
        else:

            def compute(values: dict) -> Any:
                value = values[name]
                for step in path:
                    value = value[step]
                return value

            marker = self.hole(compute)
        self._slots[(name, *path)] = marker
        if name == "csrf":
            self.per_request.add(marker.compute)
        return marker


def current_builder() -> FrameBuilder:
    builder = _building.get()
    if builder is None:
        raise RuntimeError("A hole was used outside of a frame build.")
    return builder


def _text(value: Any) -> str:
    """Return a hole's value as HTML, escaped like a template variable (not when it is safe text)."""
    if isinstance(value, SafeString):
        return value
    text = str(value)
    # Letters and digits (counters, "5m", the CSRF token) have nothing to escape; nor has "" (a zero counter).
    return text if not text or text.isalnum() else html.escape(text)


class Frame:
    """Constant chunks of rendered text with holes between them; each hole's computation runs once a fill."""

    __slots__ = ("pieces", "computes", "order", "per_request", "last")

    def __init__(self, chunks: list[str], holes: list[Compute], per_request: set[Compute] = frozenset()) -> None:
        # A compute shown in several places (a slot used twice) is computed once per fill.
        self.computes: list[Compute] = []
        field: dict[int, int] = {}
        for compute in holes:
            if id(compute) not in field:
                field[id(compute)] = len(self.computes)
                self.computes.append(compute)
        self.order = [field[id(compute)] for compute in holes]
        self.pieces: list[str] = [chunks[0]]
        for chunk in chunks[1:]:
            self.pieces += ("", chunk)  # the odd places take the holes' text
        self.per_request = [i for i, compute in enumerate(self.computes) if compute in per_request]
        self.last: tuple[Hashable, list[str]] | None = None  # the last ``same`` key and its texts

    def fill(self, values: dict, same: Hashable = None) -> str:
        """Return the frame's text with this request's values in its holes (escaped like any variable).

        ``same``: a key standing for every value but the CSRF token, the moment included (to the
        second, for the live holes): a fill with the previous fill's key computes only the token.
        """
        last = self.last
        if same is not None and last is not None and last[0] == same:
            texts = last[1].copy()
            for i in self.per_request:
                texts[i] = _text(self.computes[i](values))
        else:
            texts = [_text(compute(values)) for compute in self.computes]
            if same is not None:
                self.last = (same, texts.copy())
        out = self.pieces.copy()
        out[1::2] = [texts[i] for i in self.order]
        return "".join(out)


def build(render: Callable[[FrameBuilder], str]) -> Frame:
    """Run ``render(builder)`` (a template render whose context holds the builder's holes) into a frame."""
    builder = FrameBuilder()
    token = _building.set(builder)
    try:
        html = render(builder)
    finally:
        _building.reset(token)
    pieces = _MARKER.split(html)
    return Frame(pieces[0::2], [builder.computes[int(i)] for i in pieces[1::2]], builder.per_request)


def passes_holes(fn: Callable) -> Callable:
    """Make a filter apply itself at fill time when it receives a hole."""

    @wraps(fn)
    def wrapper(value, *args):
        if isinstance(value, Hole):

            def apply(filled):
                # Through the wrapper again when filled while an enclosing frame is built: the
                # value is that frame's hole and the filter moves on into it ("Frames in frames").
                return wrapper(filled, *args) if isinstance(filled, Hole) else fn(filled, *args)

            return value.then(apply)
        return fn(value, *args)

    return wrapper


def live(fn: Callable) -> Callable:
    """Make a filter whose output depends on the moment a hole while a frame is built."""
    through = passes_holes(fn)

    @wraps(fn)
    def wrapper(value, *args):
        if _building.get() is not None and not isinstance(value, Hole):
            return current_builder().hole(lambda values: wrapper(value, *args))
        return through(value, *args)

    return wrapper


class FrameCache:
    """A bounded, least-recently-used map of frames in this process's memory (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._frames: OrderedDict[Hashable, Frame] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, render: Callable[[FrameBuilder], str]) -> Frame:
        with self._lock:
            frame = self._frames.get(key)
            if frame is not None:
                self._frames.move_to_end(key)
                return frame
        frame = build(render)
        with self._lock:
            self._frames[key] = frame
            while len(self._frames) > self.size:
                self._frames.popitem(last=False)
        return frame


def render(
    cache: FrameCache,
    template_name: str,
    key: tuple,
    context: Callable[[FrameBuilder], dict],
    values: dict,
    same: Hashable = None,
) -> SafeString:
    """Render ``template_name`` through a frame cached under ``key``, filled with ``values``.

    ``context(builder)`` returns the template's context while the frame is built; per-request
    values in it must be the builder's slots (``builder.slot(name)`` reads ``values[name]``).
    ``same``: see ``Frame.fill``.
    """

    def build_html(builder: FrameBuilder) -> str:
        return get_template(template_name).template.render(Context(context(builder)))

    return mark_safe(cache.get_or_build((template_name, *key), build_html).fill(values, same))


def context_csrf(context) -> str | None:
    """Return the CSRF token a frame's hole gets in ``context``: the request's, None without one.

    The request's one token (``twitter_site.csrf``), so that the template's ``{{ csrf_token }}``
    and every frame of the response show the same one.
    """
    token = context.get("csrf_token")
    request = context.get("request")
    if token is None or request is None or isinstance(token, Hole):  # a hole: an enclosing frame's
        return token
    return csrf.token(request)


def csrf_slot(builder: FrameBuilder, token) -> dict:
    """Return the context entry of ``{% csrf_token %}`` as a slot (none when the page has no token)."""
    return {} if token is None else {"csrf_token": builder.slot("csrf")}


def render_page(
    cache: FrameCache, request, template_name: str, key: tuple, context: dict, live: dict | None = None
) -> HttpResponse:
    """Render a whole page (layout included) through a frame: once per ``key``, then per request only its holes.

    ``context`` must be the same for every request with this ``key`` (the context processors'
    values too: the key must say who is signed in); ``live`` values (a freshly rendered body)
    and the CSRF token are holes. A request with flash messages to show gets a plain render.
    """
    live = live or {}
    if len(get_messages(request)):
        return HttpResponse(get_template(template_name).render({**context, **live}, request))

    def build_html(builder: FrameBuilder) -> str:
        slots = {name: builder.slot(name) for name in live}
        page_context = RequestContext(request)
        # Pushed above the context processors' values, so that the CSRF token is the hole, not
        # the token of the request that happens to build the frame.
        page_context.update({**context, **slots, "csrf_token": builder.slot("csrf")})
        return get_template(template_name).template.render(page_context)

    frame = cache.get_or_build((template_name, *key), build_html)
    return HttpResponse(frame.fill({**live, "csrf": csrf.token(request)}))
