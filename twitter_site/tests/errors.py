"""Checking the API's one error shape in tests (twitter_site/api_errors.py)."""

from __future__ import annotations


def api_error(response, status: int) -> dict:
    """Assert ``response`` is a JSON error of the one shape with ``status``; return its ``error`` object."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]
