from django.shortcuts import render


def signup(request):
    """Placeholder until the accounts work lands."""
    return render(request, "accounts/login.html", {})


def placeholder(request, **kwargs):
    """Placeholder until the accounts work lands."""
    return render(request, "base.html", {})
