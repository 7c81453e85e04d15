from django.urls import path

from trending import api

urlpatterns = [
    path("explore/popular", api.PopularApi.as_view(), name="api-popular"),
    path("explore/trending", api.TrendingApi.as_view(), name="api-trending"),
    path("explore/trending/tweets", api.TermTweetsApi.as_view(), name="api-trend-tweets"),
]
