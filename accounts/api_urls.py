from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/signup", api.SignupApi.as_view(), name="api-signup"),
    path("auth/token", api.TokenApi.as_view(), name="api-token"),
    path("auth/token/refresh", api.TokenRefreshApi.as_view(), name="api-token-refresh"),
    path("auth/logout", api.LogoutApi.as_view(), name="api-logout"),
    path("me", api.MeApi.as_view(), name="api-me"),
    path("users/<str:username>", api.UserApi.as_view(), name="api-user"),
    path("users/<str:username>/follow", api.FollowApi.as_view(), name="api-follow"),
    path("users/<str:username>/followers", api.FollowersApi.as_view(), name="api-followers"),
    path("users/<str:username>/following", api.FollowingApi.as_view(), name="api-following"),
]
