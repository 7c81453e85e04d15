from django.urls import path

from tweets import views

urlpatterns = [
    path("@<str:username>", views.profile, name="profile"),
    path("@<str:username>/with_replies", views.profile, name="profile_replies"),
    path("@<str:username>/likes", views.profile, name="profile_likes"),
]
