from django.shortcuts import render


def popular(request):
    """Placeholder until the ranking work lands."""
    return render(request, "trending/popular.html", {"nav": "popular"})


def trending(request):
    """Placeholder until the ranking work lands."""
    return render(request, "trending/trending.html", {"nav": "trending"})
