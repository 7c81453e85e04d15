from django.urls import path

from trending import views

urlpatterns = [
    path("explore/popular", views.popular, name="popular"),
    path("explore/trending", views.trending, name="trending"),
]
