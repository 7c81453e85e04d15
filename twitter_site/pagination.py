"""Opaque keyset cursors for every list: ``?cursor=<opaque>`` in, ``next_cursor`` out.

A cursor wraps one integer (a tweet id, a Follow id, a rank) with a one-letter kind, so a cursor
from one list is refused by another. Never an OFFSET.
"""

from __future__ import annotations

import base64


class BadCursor(ValueError):
    """The cursor was not made by us (or not for this list)."""


def encode_cursor(value: int | None, *, kind: str = "k") -> str | None:
    """Return the opaque form of a keyset position (None stays None: the end of the list)."""
    if value is None:
        return None
    return base64.urlsafe_b64encode(f"{kind}{value}".encode()).decode().rstrip("=")


def decode_cursor(raw: str | None, *, kind: str = "k") -> int | None:
    """Return the keyset position in a cursor, None for no cursor; raise BadCursor on garbage."""
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        if not text.startswith(kind):
            raise ValueError
        return int(text[len(kind) :])
    except (ValueError, UnicodeDecodeError):
        raise BadCursor("That cursor is not valid.") from None
