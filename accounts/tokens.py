"""Opaque API tokens: random strings handed out once, stored only as SHA-256 digests."""

import hashlib
import secrets


def new_token() -> str:
    """Return a fresh random token string."""
    return secrets.token_urlsafe(32)


def token_digest(raw: str) -> str:
    """Return the digest under which a token is stored."""
    return hashlib.sha256(raw.encode()).hexdigest()
