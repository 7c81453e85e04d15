"""Opaque keyset cursors: ``?cursor=<opaque>`` in, ``next_cursor`` out."""

from __future__ import annotations

import base64


class BadCursor(ValueError):
    """The cursor was not made by us."""


def encode_cursor(value: int | None) -> str | None:
    """Return the opaque form of a keyset position (None stays None: the end of the list)."""
    if value is None:
        return None
    return base64.urlsafe_b64encode(f"k{value}".encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> int | None:
    """Return the keyset position in a cursor, None for no cursor; raise BadCursor on garbage."""
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        if not text.startswith("k"):
            raise ValueError
        return int(text[1:])
    except (ValueError, UnicodeDecodeError):
        raise BadCursor("That cursor is not valid.") from None
