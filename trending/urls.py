from django.urls import path

from trending import views

urlpatterns = [
    path("explore/popular", views.popular, name="popular"),
    path("explore/trending", views.trending, name="trending"),
    path("explore/trending/<path:term>", views.trend_tweets, name="trend_tweets"),
]
