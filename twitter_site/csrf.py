"""CSRF tokens as Django makes them, at a fraction of the cost, and one per request.

Django's ``get_token`` draws every character of a new secret and of each mask with its own
``os.urandom`` call (``random.SystemRandom().choice``), 32 or 64 calls a token, and masks anew on
every call: on a page of ten cards with two forms each that was the largest single cost of the
response. ``token`` gives the same thing (a fresh 32-character mask, the secret ciphered with it,
the secret in ``request.META`` for the middleware's cookie) from one ``os.urandom`` call, once per
request: every form of a response carries the same masked token, as Django's own template tag does
within one template. ``CsrfViewMiddleware`` checks these tokens unchanged (a test posts with one).

Unlike ``get_token``, a request whose cookie is valid does not send the cookie again: Django
re-sends it on every response that shows a token, only to push its expiry (a year) further,
which cost ~30 µs a page (the cookie's header and date formatting). The cookie then lasts a year
from when it was set; the first page after it expires sets a new one.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils.functional import SimpleLazyObject

_CHARS = CSRF_ALLOWED_CHARS.encode()  # 62 letters and digits
_BASE = len(_CHARS)
# Random bytes below 248 (= 4 x 62) map evenly onto the 62 characters; the 8 above are dropped.
_USABLE = 4 * _BASE
_DROP = bytes(range(_USABLE, 256))
_TO_INDEX = bytes(i % _BASE for i in range(256))
_INDEX_OF = bytes(_CHARS.index(c) if c in _CHARS else 0 for c in range(256))
_INDEX_TO_CHAR = bytes.maketrans(bytes(range(_BASE)), _CHARS)


def _random_indexes(n: int) -> bytes:
    """Return ``n`` uniform random indexes into the 62 characters (one ``os.urandom`` call, almost always)."""
    while True:
        drawn = os.urandom(n + 16).translate(None, _DROP).translate(_TO_INDEX)
        if len(drawn) >= n:
            return drawn[:n]


def _new_secret() -> str:
    return _random_indexes(CSRF_SECRET_LENGTH).translate(_INDEX_TO_CHAR).decode()


def _mask(secret: str) -> str:
    """Return ``mask + cipher`` as Django's ``_mask_cipher_secret`` does, from one random draw."""
    mask = _random_indexes(CSRF_SECRET_LENGTH)
    cipher = bytes((s + m) % _BASE for s, m in zip(secret.encode().translate(_INDEX_OF), mask, strict=True))
    return (mask + cipher).translate(_INDEX_TO_CHAR).decode()


def token(request) -> str:
    """Return this request's masked CSRF token, made once per request; Django's ``get_token`` in effect."""
    made = getattr(request, "_csrf_token_made", None)
    if made is not None:
        return made
    if settings.CSRF_USE_SESSIONS:
        made = get_token(request)
    else:
        secret = request.META.get("CSRF_COOKIE")
        if secret is None:  # no (valid) cookie yet: the middleware sets this one on the response
            secret = request.META["CSRF_COOKIE"] = _new_secret()
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
        made = _mask(secret)
    request._csrf_token_made = made
    return made


def context_processor(request) -> dict:
    """``{{ csrf_token }}`` for templates (in place of Django's ``csrf`` processor): ``token``, lazily."""
    return {"csrf_token": SimpleLazyObject(lambda: token(request))}
