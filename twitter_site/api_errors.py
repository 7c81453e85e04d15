"""One JSON shape for every API error.

    {"error": {"code": "invalid", "message": "...", "fields": {"text": ["..."]}}}

``fields`` is present on every 400 (validation and parse errors) and maps each field to its
messages. ``error_responses(400, 404, ...)`` documents the shape in the OpenAPI schema.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for sub in detail for item in _flatten(sub)]
    if isinstance(detail, dict):
        return [f"{key}: {msg}" for key, value in detail.items() for msg in _flatten(value)]
    return [str(detail)]


def exception_handler(exc, context):
    """Render DRF and Django exceptions as one error object."""
    # Keep the service's own sentence ("Only the author can edit a tweet.") when it gave one.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {key: _flatten(value) for key, value in detail.items()}
        first = next(iter(fields.values()), ["Invalid input."])
        code = "parse_error" if isinstance(exc, exceptions.ParseError) else "invalid"
        body = {"code": code, "message": first[0] if first else "Invalid input.", "fields": fields}
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = {"code": codes if isinstance(codes, str) else "error", "message": " ".join(_flatten(exc.detail))}
    response.data = {"error": body}
    return response


@csrf_exempt  # any method: a POST with a session cookie must get this 404, not the CSRF page
def not_found(request, *args, **kwargs):
    """Answer an address under /api/v1/ that matches no endpoint with the error shape, not an HTML page."""
    return JsonResponse({"error": {"code": "not_found", "message": "No API endpoint at this address."}}, status=404)


class ErrorDetailOut(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: invalid, parse_error, not_authenticated, not_found, ...")
    message = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="On every 400: each field (or non_field_errors) and its messages.",
    )


class ErrorOut(serializers.Serializer):
    error = ErrorDetailOut()


_MEANINGS = {
    400: "Bad input: fields names each field's messages.",
    401: "Not signed in, or the access token is invalid or expired.",
    403: "Signed in but not allowed (not your tweet, edit window over, CSRF for cookie sessions).",
    404: "No such object (or it is deleted or its author suspended).",
    429: "Too many requests: see the Retry-After header.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Return OpenAPI responses that document the error shape for these status codes."""
    return {code: OpenApiResponse(ErrorOut, description=_MEANINGS[code]) for code in statuses}
