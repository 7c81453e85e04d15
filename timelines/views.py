from django.shortcuts import render


def home(request):
    """Placeholder until the timelines work lands."""
    return render(request, "timelines/home.html", {"nav": "home"})
