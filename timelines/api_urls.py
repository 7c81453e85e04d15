import os

from django.conf import settings
from django.urls import path

from timelines.api import HomeTimelineView

urlpatterns = [
    path("timelines/home", HomeTimelineView.as_view(), name="api_home_timeline"),
]

# The benchmark's read paths (bench/baselines.py): only when the bench command starts the server.
if os.environ.get("CHIRP_BENCH_ENDPOINTS") == "1" and not settings.PRODUCTION:
    from bench.baselines import VARIANTS

    urlpatterns += [path(f"bench/home/{name}", view) for name, view in VARIANTS.items()]
