"""The signed-in person from Redis (``usercache``), and when they were last seen, at most once an hour.

Timelines skip the inactive, hence ``last_seen_at``.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts import usercache

SEEN_RESOLUTION = timedelta(hours=1)


class ActiveUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Before anything reads request.user: a valid Redis copy spares Django's user query.
        usercache.install(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            if user.last_seen_at is None or now - user.last_seen_at > SEEN_RESOLUTION:
                from accounts.services import mark_seen

                mark_seen(user=user, now=now)
        return self.get_response(request)
