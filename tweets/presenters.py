"""The one shape of a tweet, shared by the card template, the API and other apps' caches.

    payloads = tweet_payloads(ids)            # viewer-independent, JSON-safe, cacheable (3 queries)
    counts = counts_for(ids)                  # exact counters (1 query)
    state = viewer_state(request.user, ids)   # liked / retweeted (1 query, 0 when anonymous)
    cards = [merge(payloads[i], counts.get(i), state.get(i)) for i in ids if i in payloads]

or simply ``present(ids, viewer)``. A payload for a retweet describes the retweeted tweet (``id``)
and carries ``retweet`` = {id, by, created_at} and ``entry_id`` = the retweet row's id. A deleted
or hidden tweet (or a retweet of one) is a tombstone ``{"id", "entry_id", "tombstone": ...}`` that
lists skip and the tweet page shows as "This tweet was deleted".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse

from tweets.models import Mention, Tweet
from tweets.parsing import linkify
from tweets.selectors import NO_STATE, ZERO_COUNTS, counts_and_state


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _author(user) -> dict:
    return {"id": str(user.pk), "username": user.username, "name": user.name}


def _tweet_url(tweet: Tweet) -> str:
    return reverse("tweet_detail", args=[tweet.author.username, tweet.pk])


def _hidden(tweet: Tweet) -> str | None:
    if tweet.deleted_at is not None:
        return "deleted"
    if not tweet.author.is_active:
        return "unavailable"
    return None


def _quote_embed(quoted: Tweet | None, quoted_version: int | None, mentions: dict[int, set[str]]) -> dict | None:
    if quoted is None:
        return {"unavailable": True}
    if _hidden(quoted):
        return {"id": str(quoted.pk), "unavailable": True}
    return {
        "id": str(quoted.pk),
        "unavailable": False,
        "author": _author(quoted.author),
        "text": quoted.text,
        "html": linkify(quoted.text, mentions.get(quoted.pk, set())),
        "created_at": _iso(quoted.created_at),
        "url": _tweet_url(quoted),
        "version": quoted.version,
        "edited": quoted.version > 1,
        "quoted_version": quoted_version,
    }


def _reply_context(tweet: Tweet, parent: Tweet | None) -> dict | None:
    if tweet.reply_to_id is None:
        return None
    if parent is None or _hidden(parent):
        return {"id": str(tweet.reply_to_id), "unavailable": True, "version": tweet.reply_to_version}
    return {
        "id": str(parent.pk),
        "unavailable": False,
        "username": parent.author.username,
        "url": _tweet_url(parent),
        "version": tweet.reply_to_version,
        "current_version": parent.version,
    }


def _payload(tweet: Tweet, refs: dict[int, Tweet], mentions: dict[int, set[str]]) -> dict:
    quote = None
    if tweet.quote_of_id is not None:
        quote = _quote_embed(refs.get(tweet.quote_of_id), tweet.quote_of_version, mentions)
    return {
        "id": str(tweet.pk),
        "entry_id": str(tweet.pk),
        "tombstone": None,
        "author": _author(tweet.author),
        "text": tweet.text,
        "html": linkify(tweet.text, mentions.get(tweet.pk, set())),
        "created_at": _iso(tweet.created_at),
        "url": _tweet_url(tweet),
        "version": tweet.version,
        "edited": tweet.version > 1,
        "edited_at": _iso(tweet.edited_at),
        "conversation_id": str(tweet.conversation_id or tweet.pk),
        "reply_to": _reply_context(tweet, refs.get(tweet.reply_to_id) if tweet.reply_to_id else None),
        "quote": quote,
        "retweet": None,
    }


def tweet_payloads(ids: Iterable) -> dict[int, dict]:
    """Return a viewer-independent, JSON-safe dict per tweet id, in three queries for any number.

    Missing ids are left out; deleted or hidden tweets (and retweets of them) are tombstones.
    """
    wanted = list({int(i) for i in ids})
    if not wanted:
        return {}
    rows = {t.pk: t for t in Tweet.objects.filter(pk__in=wanted).select_related("author")}
    originals = [t.retweet_of_id for t in rows.values() if t.retweet_of_id]
    first = {t.reply_to_id for t in rows.values() if t.reply_to_id} | {
        t.quote_of_id for t in rows.values() if t.quote_of_id
    }
    # The tweets the cards refer to, and (for retweets) what their originals refer to, at once.
    refs: dict[int, Tweet] = {}
    if originals or first:
        of_originals = Tweet.objects.filter(pk__in=originals)
        refs = {
            t.pk: t
            for t in Tweet.objects.filter(
                Q(pk__in=set(originals) | first)
                | Q(pk__in=of_originals.filter(quote_of__isnull=False).values("quote_of_id"))
                | Q(pk__in=of_originals.filter(reply_to__isnull=False).values("reply_to_id"))
            ).select_related("author")
        }
    refs.update(rows)
    shown_ids = [t.pk for t in refs.values() if t.text]
    mentions: dict[int, set[str]] = {}
    for tweet_id, username in Mention.objects.filter(tweet_id__in=shown_ids, user__is_active=True).values_list(
        "tweet_id", "user__username"
    ):
        mentions.setdefault(tweet_id, set()).add(username.lower())

    result: dict[int, dict] = {}
    for tweet_id, tweet in rows.items():
        shown = tweet
        if tweet.retweet_of_id is not None:
            shown = refs.get(tweet.retweet_of_id)
        reason = _hidden(tweet) or (shown is None and "deleted") or _hidden(shown)
        if reason:
            result[tweet_id] = {"id": str(tweet_id), "entry_id": str(tweet_id), "tombstone": reason}
            continue
        payload = _payload(shown, refs, mentions)
        if shown is not tweet:
            payload["entry_id"] = str(tweet_id)
            payload["retweet"] = {
                "id": str(tweet_id),
                "by": _author(tweet.author),
                "created_at": _iso(tweet.created_at),
            }
        result[tweet_id] = payload
    return result


def merge(payload: dict, counts: dict | None, state: dict | None) -> dict:
    """Return the card / API shape: the payload plus ``counts`` and the viewer's ``viewer`` state."""
    card = dict(payload)
    if card.get("tombstone"):
        return card
    card["counts"] = dict(counts or ZERO_COUNTS)
    card["viewer"] = dict(state or NO_STATE)
    return card


def present(ids: Iterable, viewer) -> list[dict]:
    """Return merged cards for ``ids`` in the given order, tombstones and missing ids left out."""
    ordered = [int(i) for i in ids]
    payloads = tweet_payloads(ordered)
    live = [i for i in ordered if i in payloads and not payloads[i].get("tombstone")]
    counts, state = counts_and_state(viewer, live)
    return [merge(payloads[i], counts.get(i), state.get(i)) for i in live]


def present_one(tweet_id: int, viewer) -> dict | None:
    """Return the merged card of one tweet (a tombstone when it is gone, None when it never existed)."""
    payload = tweet_payloads([tweet_id]).get(int(tweet_id))
    if payload is None or payload.get("tombstone"):
        return payload
    return merge(payload, *(part.get(int(tweet_id)) for part in counts_and_state(viewer, [tweet_id])))
