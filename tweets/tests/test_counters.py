"""Counters stay exact under concurrency, without serialising likes on the tweet's row."""

import threading

import pytest
from django.db import connection, connections, transaction

from accounts.models import User
from tweets import services
from tweets.models import CounterDelta, Like, Tweet
from tweets.selectors import counts_for


def _at_once(n: int, work) -> list:
    """Run work(i) in n threads released together; return exceptions raised."""
    barrier = threading.Barrier(n)
    errors: list = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _busy_tweet(fans: int) -> tuple:
    """Return (author, fans, tweet): a tweet and ``fans`` people about to like it."""
    author = User.objects.create_user(username="star", password="x-pass-1234")
    people = User.objects.bulk_create([User(username=f"fan{i}", password="!") for i in range(fans)])
    return author, people, services.create_tweet(author=author, text="busy")


def _like_while_flushing(fans: list, tweet) -> None:
    """Every fourth thread flushes the counter deltas while the others like ``tweet``; then one last flush."""

    def work(i):
        if i % 4 == 0:
            services.flush_counter_deltas()
        else:
            services.like_tweet(user=fans[i], tweet=tweet)

    assert _at_once(len(fans), work) == []
    services.flush_counter_deltas()


@pytest.mark.django_db(transaction=True)
def test_200_users_liking_one_tweet_at_the_same_moment_count_200():
    author = User.objects.create_user(username="star", password="x-pass-1234")
    fans = User.objects.bulk_create([User(username=f"fan{i}", password="!") for i in range(200)])
    tweet = services.create_tweet(author=author, text="like me")

    errors = _at_once(200, lambda i: services.like_tweet(user=fans[i], tweet=tweet))

    assert errors == []
    assert Like.objects.filter(tweet=tweet).count() == 200
    assert counts_for([tweet.pk])[tweet.pk]["likes"] == 200
    services.flush_counter_deltas()
    assert not CounterDelta.objects.filter(tweet=tweet).exists()
    assert Tweet.objects.get(pk=tweet.pk).like_count == 200
    assert counts_for([tweet.pk])[tweet.pk]["likes"] == 200


@pytest.mark.django_db(transaction=True)
def test_the_same_user_liking_and_retweeting_twice_at_once_counts_once():
    author = User.objects.create_user(username="star", password="x-pass-1234")
    fan = User.objects.create_user(username="fan", password="x-pass-1234")
    tweet = services.create_tweet(author=author, text="like me twice")

    assert _at_once(8, lambda i: services.like_tweet(user=fan, tweet=tweet)) == []
    assert _at_once(8, lambda i: services.retweet(user=fan, tweet=tweet)) == []

    assert Like.objects.filter(tweet=tweet).count() == 1
    assert Tweet.objects.filter(retweet_of=tweet, deleted_at__isnull=True).count() == 1
    assert counts_for([tweet.pk])[tweet.pk] == {"likes": 1, "retweets": 1, "replies": 0, "quotes": 0}

    assert _at_once(8, lambda i: services.unlike_tweet(user=fan, tweet=tweet)) == []
    assert _at_once(8, lambda i: services.undo_retweet(user=fan, tweet=tweet)) == []
    assert counts_for([tweet.pk])[tweet.pk] == {"likes": 0, "retweets": 0, "replies": 0, "quotes": 0}


@pytest.mark.django_db(transaction=True)
def test_counts_stay_exact_while_flushes_run_concurrently_with_likes():
    author, fans, tweet = _busy_tweet(60)
    _like_while_flushing(fans, tweet)
    assert Tweet.objects.get(pk=tweet.pk).like_count == 45 == counts_for([tweet.pk])[tweet.pk]["likes"]


@pytest.mark.django_db(transaction=True)
def test_a_like_in_flight_does_not_make_another_like_wait():
    """While one like's transaction is still open, another like on the same tweet goes through.

    With a counter column updated on the request path the second like would wait on the first
    one's row lock; lock_timeout turns such a wait into an error instead of a slow test.
    """
    author = User.objects.create_user(username="star", password="x-pass-1234")
    first, second = (User.objects.create_user(username=n, password="x-pass-1234") for n in ("fan1", "fan2"))
    tweet = services.create_tweet(author=author, text="hot")
    liked_first, liked_second = threading.Event(), threading.Event()
    errors: list = []

    def slow_liker():
        try:
            with transaction.atomic():
                services.like_tweet(user=first, tweet=tweet)
                liked_first.set()
                liked_second.wait(30)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_liker)
    thread.start()
    assert liked_first.wait(30)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            services.like_tweet(user=second, tweet=tweet)
    finally:
        liked_second.set()
        thread.join()
    assert errors == []
    assert counts_for([tweet.pk])[tweet.pk]["likes"] == 2


@pytest.mark.django_db(transaction=True)
def test_the_redis_copy_ends_exact_after_concurrent_likes_and_flushes():
    """The timeline's cached counters (tweets/hotcache.py) take every committed like, and a flush
    after the storm leaves them equal to PostgreSQL whatever the interleaving was."""
    from django_redis import get_redis_connection

    from timelines.selectors import hydrate
    from tweets import hotcache

    author, fans, tweet = _busy_tweet(40)
    hydrate([tweet.pk], author)  # the counters are cached from here on
    assert get_redis_connection("default").exists(hotcache.counts_key(tweet.pk))
    _like_while_flushing(fans, tweet)

    assert get_redis_connection("default").hget(hotcache.counts_key(tweet.pk), "l") == b"30"
    assert hydrate([tweet.pk], author)[0]["counts"]["likes"] == 30 == counts_for([tweet.pk])[tweet.pk]["likes"]
