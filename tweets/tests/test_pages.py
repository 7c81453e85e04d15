"""The pages as a browser user gets them: profile tabs, tweet page, hashtags, compose, edit, htmx."""

import pytest
from django.test import Client

from tweets import services
from tweets.models import Tweet

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice_client(make_user):
    user = make_user("alice")
    client = Client()
    client.force_login(user)
    return client, user


def test_profile_tabs_show_tweets_retweets_replies_and_likes(alice_client, make_user, post, run):
    client, alice = alice_client
    bob = make_user("bob")
    own = post(alice, "my own <b>tweet</b> #hello")
    theirs = post(bob, "bob says hi")
    reply = post(alice, "my reply", reply_to=theirs)
    run(services.retweet, user=alice, tweet=theirs)
    run(services.like_tweet, user=alice, tweet=theirs)

    page = client.get("/@alice").content.decode()
    assert "my own &lt;b&gt;tweet&lt;/b&gt;" in page and "<b>tweet</b>" not in page
    assert "bob says hi" in page and "You retweeted" in page
    assert "my reply" not in page
    assert page.index("bob says hi") < page.index("my own")  # the retweet is newer
    assert '<a class="hashtag" href="/hashtag/hello">#hello</a>' in page
    assert "my reply" in client.get("/@alice/with_replies").content.decode()
    likes = client.get("/@alice/likes").content.decode()
    assert "bob says hi" in likes and "my own" not in likes
    assert f'id="entry-{own.pk}"' in page and f'id="entry-{reply.pk}"' not in page
    assert client.get("/@nobody").status_code == 404


def test_profile_shows_follow_button_for_others(alice_client, make_user):
    client, _ = alice_client
    make_user("bob")
    page = client.get("/@bob").content.decode()
    assert "Follow" in page and "Edit profile" not in page


def test_profile_infinite_scroll_returns_only_the_fragment(alice_client, post):
    client, alice = alice_client
    tweets = [post(alice, f"tweet number {n}") for n in range(25)]
    page = client.get("/@alice").content.decode()
    assert "tweet number 24" in page and "tweet number 4" not in page
    assert 'hx-trigger="revealed"' in page
    next_url = page.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    fragment = client.get(next_url, **HX).content.decode()
    assert "<html" not in fragment and "tweet number 4" in fragment and "tweet number 5 " not in fragment
    assert fragment.count('data-testid="tweet"') == 5 and 'hx-trigger="revealed"' not in fragment
    assert len(tweets) == 25


def test_a_20_tweet_profile_page_has_a_fixed_query_count(
    alice_client, make_user, post, run, django_assert_num_queries, django_assert_max_num_queries
):
    client, alice = alice_client
    bob = make_user("bob")

    def fill(n):
        for i in range(n):
            t = post(bob, f"tweet {i} @alice #tag{i}")
            if i % 2:
                t = post(bob, f"quote {i}", quote_of=t)
            run(services.like_tweet, user=alice, tweet=t)
            run(services.retweet, user=alice, tweet=t)

    fill(5)
    client.get("/@bob")  # the first request of a session also records last_seen_at (and fills the card cache)
    # user (its Redis copy was forgotten when last_seen_at was recorded), profile, ids: the cards come
    # from the Redis card cache (timelines.selectors.hydrate), the follow state from accounts.usercache
    with django_assert_num_queries(3):
        client.get("/@bob")
    fill(25)
    # New tweets not cached yet: 3 payload queries and one for counters and viewer state, for 5 or 20 alike
    with django_assert_max_num_queries(8):
        response = client.get("/@bob")
    assert response.content.decode().count('data-testid="tweet"') == 20


def test_tweet_page_shows_thread_counters_history_and_replies(alice_client, make_user, post, run):
    client, alice = alice_client
    bob = make_user("bob")
    root = post(bob, "root of the thread")
    mid = post(alice, "middle reply", reply_to=root)
    run(services.edit_tweet, user=bob, tweet=root, text="root of the thread (edited)")
    leaf = post(bob, "leaf reply", reply_to=mid)
    run(services.like_tweet, user=alice, tweet=mid)

    page = client.get(f"/@alice/status/{mid.pk}").content.decode().split("<main", 1)[1]
    assert page.index("root of the thread (edited)") < page.index("middle reply") < page.index("leaf reply")
    assert "Replying to version 1 of this tweet" in page
    assert 'data-testid="stat-likes">1<' in page and 'data-testid="stat-replies">1<' in page
    assert f'href="/@alice/status/{mid.pk}/likes"' in page and f'href="/@alice/status/{mid.pk}/quotes"' in page
    root_page = client.get(f"/@bob/status/{root.pk}").content.decode()
    assert "Edit history · 2 versions" in root_page and "Version 1" in root_page and "Edited" in root_page
    assert client.get(f"/@BOB/status/{mid.pk}").status_code == 302  # canonical author in the URL
    assert client.get(f"/@alice/status/{leaf.pk}").status_code == 302
    assert "middle reply" in client.get(f"/@alice/status/{leaf.pk}", follow=True).content.decode()


def test_deleted_parent_shows_a_tombstone_and_quote_is_unavailable(alice_client, make_user, post, run):
    client, alice = alice_client
    bob = make_user("bob")
    root = post(bob, "will vanish")
    reply = post(alice, "still here", reply_to=root)
    quote = post(alice, "quoting it", quote_of=root)
    run(services.delete_tweet, user=bob, tweet=root)
    assert client.get(f"/@bob/status/{root.pk}").status_code == 404
    page = client.get(f"/@alice/status/{reply.pk}").content.decode()
    assert "This tweet was deleted." in page and "will vanish" not in page
    page = client.get(f"/@alice/status/{quote.pk}").content.decode()
    assert "This tweet is unavailable." in page


def test_likers_retweeters_and_quotes_pages(alice_client, make_user, post, run):
    client, alice = alice_client
    bob = make_user("bob", display_name="Bobby")
    root = post(alice, "popular")
    run(services.like_tweet, user=bob, tweet=root)
    run(services.retweet, user=bob, tweet=root)
    post(bob, "so true", quote_of=root)
    assert "Bobby" in client.get(f"/@alice/status/{root.pk}/likes").content.decode()
    assert "Bobby" in client.get(f"/@alice/status/{root.pk}/retweets").content.decode()
    assert "so true" in client.get(f"/@alice/status/{root.pk}/quotes").content.decode()


def test_hashtag_page_newest_first_with_unicode(alice_client, post):
    client, alice = alice_client
    post(alice, "first #日本語")
    post(alice, "second #日本語!")
    page = client.get("/hashtag/日本語").content.decode()
    assert page.index("second") < page.index("first")
    assert "#日本語" in page


def test_compose_with_htmx_returns_the_card_and_errors_are_400(alice_client):
    client, _ = alice_client
    response = client.post("/compose/tweet", {"text": "from the browser 🎉"}, **HX)
    assert response.status_code == 200 and 'data-testid="tweet"' in response.content.decode()
    response = client.post("/compose/tweet", {"text": "x" * 241}, **HX)
    assert response.status_code == 400
    assert response.content.decode() == "Tweets can be at most 240 characters; this one has 241."
    response = client.post("/compose/tweet", {"text": "   "})
    assert response.status_code == 400 and "empty" in response.content.decode()
    assert Tweet.objects.count() == 1


def test_compose_without_htmx_redirects_to_the_tweet(alice_client):
    client, alice = alice_client
    response = client.post("/compose/tweet", {"text": "plain form"})
    tweet = Tweet.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/@alice/status/{tweet.pk}"


def test_like_and_retweet_return_the_action_bar(alice_client, make_user, post):
    client, _ = alice_client
    root = post(make_user("bob"), "like me")
    bar = client.post(f"/tweets/{root.pk}/like", **HX).content.decode()
    assert 'class="action like liked"' in bar and 'data-testid="like-count">1<' in bar
    bar = client.post(f"/tweets/{root.pk}/like", {"undo": "1"}, **HX).content.decode()
    assert "liked" not in bar.split('data-testid="like"')[0].rsplit("<button", 1)[-1]
    bar = client.post(f"/tweets/{root.pk}/retweet", **HX).content.decode()
    assert "action retweet retweeted" in bar
    assert Client().post(f"/tweets/{root.pk}/like").status_code == 401
    assert client.post("/tweets/12345/like").status_code == 404


def test_delete_from_the_page_only_by_the_author(alice_client, make_user, post):
    client, alice = alice_client
    bob = make_user("bob")
    theirs = post(bob, "not yours")
    mine = post(alice, "mine")
    assert client.post(f"/tweets/{theirs.pk}/delete", **HX).status_code == 403
    assert client.post(f"/tweets/{mine.pk}/delete", **HX).status_code == 200
    assert Tweet.objects.get(pk=mine.pk).deleted_at is not None


def test_edit_page_rules(alice_client, make_user, post, settings):
    client, alice = alice_client
    mine = post(alice, "first draft")
    response = client.post(f"/@alice/status/{mine.pk}/edit", {"text": "second draft"})
    assert response.status_code == 302
    response = client.post(f"/@alice/status/{mine.pk}/edit", {"text": "z" * 241})
    assert response.status_code == 400 and "this one has 241" in response.content.decode()
    theirs = post(make_user("bob"), "bob's")
    assert client.get(f"/@bob/status/{theirs.pk}/edit").status_code == 403
    settings.TWEET_MAX_EDITS = 1
    assert "can no longer be edited" in client.get(f"/@alice/status/{mine.pk}/edit").content.decode()


def test_anonymous_visitors_read_but_get_login_links(make_user, post):
    alice = make_user("alice")
    root = post(alice, "public")
    page = Client().get(f"/@alice/status/{root.pk}").content.decode()
    assert "public" in page and "Log in to reply" in page and "hx-post" not in page


def test_quote_made_before_an_edit_says_which_version_it_quoted(alice_client, make_user, post, run):
    client, alice = alice_client
    bob = make_user("bob")
    root = post(bob, "version one")
    quote = post(alice, "my take", quote_of=root)
    run(services.edit_tweet, user=bob, tweet=root, text="version two")
    page = client.get(f"/@alice/status/{quote.pk}").content.decode()
    assert "version two" in page and "Quoting version 1 of this tweet" in page
    assert "Edited" in page


def test_the_quote_page_posts_and_opens_the_new_tweet(alice_client, make_user, post):
    client, alice = alice_client
    root = post(make_user("bob"), "quote me")
    page = client.get(f"/@bob/status/{root.pk}/quote").content.decode()
    assert 'name="quote_of"' in page and "quote me" in page
    response = client.post("/compose/tweet", {"text": "quoted!", "quote_of": str(root.pk), "open_after": "1"}, **HX)
    quote = Tweet.objects.get(quote_of=root)
    assert response["HX-Redirect"] == f"/@alice/status/{quote.pk}"
