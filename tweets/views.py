from django.shortcuts import get_object_or_404, render

from accounts.models import User


def profile(request, username):
    """Placeholder until the tweets work lands."""
    profile = get_object_or_404(User, username__iexact=username, is_active=True)
    return render(request, "accounts/profile.html", {"profile": profile, "tab": "tweets"})
