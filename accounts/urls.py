from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("signup", views.signup, name="signup"),
    path("login", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/profile", views.placeholder, name="edit_profile"),
    path("@<str:username>/followers", views.placeholder, name="followers"),
    path("@<str:username>/following", views.placeholder, name="following"),
]
