"""Lua scripts on the project's Redis: each registered once per process and client.

``script(name, body)`` returns a redis-py ``Script`` bound to the current connection (again after
the connection is replaced, as in tests that restart Redis); calling it sends EVALSHA, and loads
the body when the server does not know it yet.
"""

from __future__ import annotations

from django_redis import get_redis_connection

_scripts: dict[str, object] = {}


def script(name: str, body: str):
    """Return the Lua script ``body`` registered on the current client (``name`` says which it is).

    Kept by body, so two scripts given the same name by mistake can never be confused.
    """
    client = get_redis_connection("default")
    registered = _scripts.get(body)
    if registered is None or registered.registered_client is not client:
        registered = _scripts[body] = client.register_script(body)
    return registered
