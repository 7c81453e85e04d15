"""Pages of the tweets app: profile tabs, the tweet page and its lists, hashtags, compose, edit.

htmx requests for a next page get only the list fragment; likes and retweets return the card's
action bar; the composer gets the new card (or a 400 with the message it shows).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Follow, User
from timelines.selectors import hydrate
from tweets import selectors, services, throttle
from tweets.models import Tweet, TweetVersion
from tweets.parsing import normalize_hashtag
from tweets.presenters import present_one
from twitter_site.pagination import BadCursor, decode_cursor, encode_cursor


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _cursor(request) -> int | None:
    try:
        return decode_cursor(request.GET.get("cursor"))
    except BadCursor:
        raise Http404("No such page.") from None


def _next_url(request, next_cursor: int | None) -> str | None:
    if next_cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = encode_cursor(next_cursor)
    return f"{request.path}?{query.urlencode()}"


def _get_profile(username: str) -> User:
    try:
        from accounts.selectors import get_active_user
    except ImportError:
        get_active_user = None
    if get_active_user is not None:
        return get_active_user(username)
    profile = User.objects.filter(username__iexact=username, is_active=True).first()
    if profile is None:
        raise Http404("No such user.")
    return profile


def _follow_state(viewer, profile: User) -> dict | None:
    if not viewer.is_authenticated or viewer.pk == profile.pk:
        return None
    try:
        from accounts.selectors import followed_ids
    except ImportError:
        return {"following": Follow.objects.filter(follower=viewer, followee=profile).exists()}
    return {"following": profile.pk in followed_ids(viewer, [profile.pk])}


def _list_page(request, template: str, context: dict, ids: list[int], next_cursor: int | None):
    # Cards from the Redis card cache (the same shape as tweets.presenters.present, no tweet rows read).
    tweets = hydrate(ids, request.user)
    next_url = _next_url(request, next_cursor)
    if _is_htmx(request) and request.GET.get("cursor"):
        return render(request, "tweets/_tweet_list.html", {"tweets": tweets, "next_url": next_url})
    return render(request, template, {**context, "tweets": tweets, "next_url": next_url})


# --------------------------------------------------------------------------- profile tabs


def _profile_tab(request, username: str, tab: str):
    profile = _get_profile(username)
    cursor = _cursor(request)
    if tab == "likes":
        rows, next_cursor = selectors.page_of(
            selectors.list_profile_likes(profile), cursor=cursor, size=settings.PAGE_SIZE
        )
        ids = [tweet_id for _like_id, tweet_id in rows]
    else:
        queryset = (
            selectors.list_profile_tweets(profile) if tab == "tweets" else selectors.list_profile_replies(profile)
        )
        rows, next_cursor = selectors.page_of(queryset.values_list("id", "id"), cursor=cursor, size=settings.PAGE_SIZE)
        ids = [tweet_id for tweet_id, _ in rows]
    context = {"profile": profile, "tab": tab, "nav": "profile" if profile.pk == request.user.pk else None}
    if not (_is_htmx(request) and cursor):
        context["follow_state"] = _follow_state(request.user, profile)
    return _list_page(request, "tweets/profile.html", context, ids, next_cursor)


@require_GET
def profile(request, username: str):
    """Show a profile's Tweets tab: tweets and retweets, newest first."""
    return _profile_tab(request, username, "tweets")


@require_GET
def profile_replies(request, username: str):
    """Show a profile's Replies tab: tweets and replies, newest first."""
    return _profile_tab(request, username, "replies")


@require_GET
def profile_likes(request, username: str):
    """Show a profile's Likes tab: tweets the user liked, newest like first."""
    return _profile_tab(request, username, "likes")


# --------------------------------------------------------------------------- the tweet page


def _tweet_for_page(username: str, tweet_id: int) -> Tweet:
    tweet = selectors.get_visible_tweet(tweet_id)
    if tweet.retweet_of_id is not None:
        raise Http404("No such tweet.")
    return tweet


@require_GET
def tweet_detail(request, username: str, tweet_id: int):
    """Show a tweet with its thread above, its history, and its replies below (paginated)."""
    tweet = _tweet_for_page(username, tweet_id)
    if tweet.author.username != username:
        return redirect("tweet_detail", tweet.author.username, tweet.pk)
    rows, next_cursor = selectors.page_of(
        selectors.list_replies(tweet).values_list("id", "id"),
        cursor=_cursor(request),
        size=settings.PAGE_SIZE,
        ascending=True,
    )
    reply_ids = [tweet_id for tweet_id, _ in rows]
    if _is_htmx(request) and request.GET.get("cursor"):
        return _list_page(request, "", {}, reply_ids, next_cursor)
    ancestors = selectors.ancestor_ids(tweet)
    from tweets.presenters import counts_and_state, merge, tweet_payloads

    payloads = tweet_payloads([*ancestors, tweet.pk, *reply_ids])
    live = [i for i in payloads if not payloads[i].get("tombstone")]
    counts, state = counts_and_state(request.user, live)
    cards = {i: merge(payloads[i], counts.get(i), state.get(i)) for i in payloads}
    versions = list(TweetVersion.objects.filter(tweet=tweet).order_by("-number")) if tweet.version > 1 else []
    return render(
        request,
        "tweets/detail.html",
        {
            "t": cards[tweet.pk],
            "ancestors": [cards.get(i, {"id": str(i), "tombstone": "deleted"}) for i in ancestors],
            "tweets": [cards[i] for i in reply_ids if i in cards and not cards[i].get("tombstone")],
            "next_url": _next_url(request, next_cursor),
            "versions": versions,
            "can_edit": _can_edit(request.user, tweet),
        },
    )


def _can_edit(user, tweet: Tweet) -> bool:
    from django.utils import timezone

    return (
        user.is_authenticated
        and user.pk == tweet.author_id
        and tweet.version - 1 < settings.TWEET_MAX_EDITS
        and (timezone.now() - tweet.created_at).total_seconds() <= settings.TWEET_EDIT_WINDOW_SECONDS
    )


@require_GET
def tweet_likes(request, username: str, tweet_id: int):
    """List who liked a tweet, newest first."""
    tweet = _tweet_for_page(username, tweet_id)
    rows, next_cursor = selectors.page_of(
        selectors.list_likers(tweet), cursor=_cursor(request), size=settings.PAGE_SIZE
    )
    people = [like.user for like in rows]
    return _people_page(request, tweet, "likes", people, next_cursor)


@require_GET
def tweet_retweets(request, username: str, tweet_id: int):
    """List who retweeted a tweet, newest first."""
    tweet = _tweet_for_page(username, tweet_id)
    rows, next_cursor = selectors.page_of(
        selectors.list_retweeters(tweet), cursor=_cursor(request), size=settings.PAGE_SIZE
    )
    people = [rt.author for rt in rows]
    return _people_page(request, tweet, "retweets", people, next_cursor)


def _people_page(request, tweet: Tweet, kind: str, people: list[User], next_cursor: int | None):
    context = {"tweet": tweet, "kind": kind, "people": people, "next_url": _next_url(request, next_cursor)}
    if _is_htmx(request) and request.GET.get("cursor"):
        return render(request, "tweets/_people_list.html", context)
    return render(request, "tweets/people.html", context)


@require_GET
def tweet_quotes(request, username: str, tweet_id: int):
    """List the quote tweets of a tweet, newest first."""
    tweet = _tweet_for_page(username, tweet_id)
    rows, next_cursor = selectors.page_of(
        selectors.list_quotes(tweet).values_list("id", "id"), cursor=_cursor(request), size=settings.PAGE_SIZE
    )
    return _list_page(request, "tweets/quotes.html", {"tweet": tweet}, [i for i, _ in rows], next_cursor)


@require_GET
def hashtag(request, tag: str):
    """List the tweets with a hashtag, newest first."""
    name = normalize_hashtag(tag)
    rows, next_cursor = selectors.page_of(
        selectors.list_hashtag_tweets(name), cursor=_cursor(request), size=settings.PAGE_SIZE, field="tweet_id"
    )
    return _list_page(
        request, "tweets/hashtag.html", {"tag": tag.lstrip("#"), "nav": "trending"}, [i for i, _ in rows], next_cursor
    )


# --------------------------------------------------------------------------- writes


def _target(tweet_id) -> Tweet:
    return selectors.get_visible_tweet(tweet_id)


@login_required
def compose(request):
    """Post a tweet: htmx gets the new card (or a 400 with the message); plain forms get redirected."""
    if request.method != "POST":
        return render(request, "tweets/compose.html", {})
    fields = {}
    retry_after = throttle.check("post", request.user.pk)
    if retry_after is not None:
        return HttpResponse(throttle.message("post", retry_after), status=429)
    try:
        for field in ("reply_to", "quote_of"):
            if request.POST.get(field):
                fields[field] = selectors.get_visible_tweet(request.POST[field])
        tweet = services.create_tweet(author=request.user, text=request.POST.get("text", ""), **fields)
    except services.TweetRuleError as error:
        if _is_htmx(request):
            return HttpResponse(str(error), status=400)
        context = {"composer_error": str(error)}
        if "reply_to" in fields:
            context["reply_to"] = present_one(fields["reply_to"].pk, request.user)
        if "quote_of" in fields:
            context["quote"] = present_one(fields["quote_of"].pk, request.user)
        return render(request, "tweets/compose.html", context, status=400)
    if _is_htmx(request) and not request.POST.get("open_after"):
        return render(request, "tweets/_tweet.html", {"t": present_one(tweet.pk, request.user)})
    if _is_htmx(request):
        response = HttpResponse("")
        response["HX-Redirect"] = reverse("tweet_detail", args=[request.user.username, tweet.pk])
        return response
    return redirect("tweet_detail", request.user.username, tweet.pk)


@login_required
@require_GET
def tweet_quote(request, username: str, tweet_id: int):
    """Show the composer with the quoted tweet embedded."""
    tweet = _tweet_for_page(username, tweet_id)
    return render(request, "tweets/compose.html", {"quote": present_one(tweet.pk, request.user)})


@login_required
def tweet_edit(request, username: str, tweet_id: int):
    """Edit a tweet (author only, within the edit window and count); keeps every version."""
    tweet = _tweet_for_page(username, tweet_id)
    if tweet.author_id != request.user.pk:
        raise PermissionDenied("Only the author can edit a tweet.")
    error = None
    text = tweet.text
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            services.edit_tweet(user=request.user, tweet=tweet, text=text)
        except services.TweetRuleError as rule:
            error = str(rule)
        else:
            return redirect("tweet_detail", tweet.author.username, tweet.pk)
    context = {
        "tweet": tweet,
        "text": text,
        "error": error,
        "can_edit": _can_edit(request.user, tweet),
        "edits_left": max(0, settings.TWEET_MAX_EDITS - (tweet.version - 1)),
        "max_edits": settings.TWEET_MAX_EDITS,
        "window_minutes": settings.TWEET_EDIT_WINDOW_SECONDS // 60,
    }
    return render(request, "tweets/edit.html", context, status=400 if error else 200)


def _actions(request, tweet: Tweet):
    if not _is_htmx(request):  # a plain form post (no JavaScript): back to the page the person was on
        back = request.headers.get("Referer", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return redirect(back)
        original = tweet.retweet_of if tweet.retweet_of_id else tweet
        return redirect("tweet_detail", original.author.username, original.pk)
    return render(request, "tweets/_actions.html", {"t": present_one(tweet.pk, request.user)})


def _engage(request, tweet_id: int, do, undo):
    """Run ``do`` (or ``undo`` with undo=1) for the signed-in user; return the updated action bar."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    if throttle.check("engage", request.user.pk) is not None:
        return HttpResponse(status=429)
    tweet = _target(tweet_id)
    service = undo if request.POST.get("undo") else do
    return _actions(request, service(user=request.user, tweet=tweet))


@require_POST
def tweet_like(request, tweet_id: int):
    """Like (or with undo=1 unlike) a tweet; return the updated action bar."""
    return _engage(request, tweet_id, services.like_tweet, services.unlike_tweet)


@require_POST
def tweet_retweet(request, tweet_id: int):
    """Retweet (or with undo=1 undo the retweet); return the updated action bar."""
    return _engage(request, tweet_id, services.retweet, services.undo_retweet)


@require_POST
def tweet_delete(request, tweet_id: int):
    """Delete the user's own tweet; htmx gets an empty body (the card disappears)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    tweet = _target(tweet_id)
    services.delete_tweet(user=request.user, tweet=tweet)
    if _is_htmx(request):
        if request.POST.get("redirect"):
            response = HttpResponse("")
            response["HX-Redirect"] = reverse("profile", args=[request.user.username])
            return response
        return HttpResponse("")
    return redirect("profile", request.user.username)
