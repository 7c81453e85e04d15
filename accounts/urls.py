from django.urls import path

from accounts import views

urlpatterns = [
    path("signup", views.signup, name="signup"),
    path("login", views.login_view, name="login"),
    path("logout", views.logout_view, name="logout"),
    path("settings/profile", views.edit_profile, name="edit_profile"),
    path("@<str:username>/follow", views.follow_view, name="follow"),
    path("@<str:username>/unfollow", views.unfollow_view, name="unfollow"),
    path("@<str:username>/followers", views.followers, name="followers"),
    path("@<str:username>/following", views.following, name="following"),
]
