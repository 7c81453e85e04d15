"""Redis keys of the tweets app, one function per key family."""


def flush_pending_key() -> str:
    """Return the key that says a counter flush is already scheduled."""
    return "tweets:counter-flush:pending"
