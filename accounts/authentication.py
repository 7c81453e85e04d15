"""API authentication: ``Authorization: Bearer <access token>`` (see docs/api.md)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts.tokens import token_digest


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: use 'Bearer <access token>'.")
        from accounts.models import ApiToken

        raw = header[1].decode("latin-1")
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(raw), kind=ApiToken.Kind.ACCESS, revoked_at__isnull=True)
            .first()
        )
        if token is None or token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("The access token is invalid or expired; refresh it or log in again.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This account is suspended.")
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
