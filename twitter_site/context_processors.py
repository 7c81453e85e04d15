from django.conf import settings


def site(request):
    """Expose the few settings templates need."""
    return {
        "TWEET_MAX_LENGTH": settings.TWEET_MAX_LENGTH,
        "WEBSOCKET_ORIGIN": settings.WEBSOCKET_ORIGIN,
    }
