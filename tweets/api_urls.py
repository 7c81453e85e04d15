from django.urls import path

from tweets import api

urlpatterns = [
    path("tweets", api.TweetsApi.as_view(), name="api-tweets"),
    path("tweets/<int:tweet_id>", api.TweetApi.as_view(), name="api-tweet"),
    path("tweets/<int:tweet_id>/versions", api.TweetVersionsApi.as_view(), name="api-tweet-versions"),
    path("tweets/<int:tweet_id>/like", api.LikeApi.as_view(), name="api-tweet-like"),
    path("tweets/<int:tweet_id>/retweet", api.RetweetApi.as_view(), name="api-tweet-retweet"),
    path("tweets/<int:tweet_id>/replies", api.RepliesApi.as_view(), name="api-tweet-replies"),
    path("tweets/<int:tweet_id>/ancestors", api.AncestorsApi.as_view(), name="api-tweet-ancestors"),
    path("tweets/<int:tweet_id>/quotes", api.QuotesApi.as_view(), name="api-tweet-quotes"),
    path("tweets/<int:tweet_id>/likes", api.LikersApi.as_view(), name="api-tweet-likers"),
    path("tweets/<int:tweet_id>/retweets", api.RetweetersApi.as_view(), name="api-tweet-retweeters"),
    path("users/<str:username>/tweets", api.UserTweetsApi.as_view(), name="api-user-tweets"),
    path("users/<str:username>/replies", api.UserRepliesApi.as_view(), name="api-user-replies"),
    path("users/<str:username>/likes", api.UserLikesApi.as_view(), name="api-user-likes"),
    path("hashtags/<str:tag>/tweets", api.HashtagTweetsApi.as_view(), name="api-hashtag-tweets"),
]
