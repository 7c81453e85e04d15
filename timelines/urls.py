from django.urls import path

from timelines import views

urlpatterns = [
    path("", views.home, name="home"),
    path("home/newer", views.home_newer, name="home_newer"),
]
