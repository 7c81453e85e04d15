from django.urls import path

from timelines.api import HomeTimelineView

urlpatterns = [
    path("timelines/home", HomeTimelineView.as_view(), name="api_home_timeline"),
]
