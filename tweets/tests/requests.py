"""A request as some person would send it, for rendering templates in tests."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory


def request_as(user=None):
    """Return a GET / request made by ``user`` (None: signed out)."""
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    return request
