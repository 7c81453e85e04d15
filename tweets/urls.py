from django.urls import path

from tweets import views

urlpatterns = [
    path("compose/tweet", views.compose, name="tweet_create"),
    path("tweets/<int:tweet_id>/like", views.tweet_like, name="tweet_like"),
    path("tweets/<int:tweet_id>/retweet", views.tweet_retweet, name="tweet_retweet"),
    path("tweets/<int:tweet_id>/delete", views.tweet_delete, name="tweet_delete"),
    path("hashtag/<str:tag>", views.hashtag, name="hashtag"),
    path("@<str:username>", views.profile, name="profile"),
    path("@<str:username>/with_replies", views.profile_replies, name="profile_replies"),
    path("@<str:username>/likes", views.profile_likes, name="profile_likes"),
    path("@<str:username>/status/<int:tweet_id>", views.tweet_detail, name="tweet_detail"),
    path("@<str:username>/status/<int:tweet_id>/likes", views.tweet_likes, name="tweet_likes"),
    path("@<str:username>/status/<int:tweet_id>/retweets", views.tweet_retweets, name="tweet_retweets"),
    path("@<str:username>/status/<int:tweet_id>/quotes", views.tweet_quotes, name="tweet_quotes"),
    path("@<str:username>/status/<int:tweet_id>/quote", views.tweet_quote, name="tweet_quote"),
    path("@<str:username>/status/<int:tweet_id>/edit", views.tweet_edit, name="tweet_edit"),
]
