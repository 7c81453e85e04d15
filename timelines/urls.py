from django.urls import path

from timelines import views

urlpatterns = [
    path("", views.home, name="home"),
]
