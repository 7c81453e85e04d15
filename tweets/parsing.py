"""Pure text rules of tweets: character counting, mentions, hashtags and safe linkification.

A tweet's length is what a person counts: user-perceived characters, i.e. extended grapheme
clusters (``regex``'s ``\\X``) of the NFC-normalised text, so a ZWJ family emoji or a flag is one.
The browser counts the same way with ``Intl.Segmenter`` (static/js/chirp.js).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

_GRAPHEME = regex.compile(r"\X")

# @username: the account rule (ASCII letters, digits, underscore, 1-15), not glued to a word or email.
MENTION_RE = regex.compile(r"(?<![\p{L}\p{N}_@.])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])")
# #hashtag: Unicode letters, marks, digits and underscore, at least one letter; edge punctuation excluded.
HASHTAG_RE = regex.compile(r"(?<![\p{L}\p{M}\p{N}_#&/])#([\p{L}\p{M}\p{N}_]*\p{L}[\p{L}\p{M}\p{N}_]*)")
# http(s) URLs; trailing punctuation is trimmed below.
URL_RE = regex.compile(r"\bhttps?://[^\s<>\"'`]+", regex.IGNORECASE)
_TOKEN_RE = regex.compile(
    f"(?P<url>{URL_RE.pattern})|(?P<mention>{MENTION_RE.pattern})|(?P<tag>{HASHTAG_RE.pattern})", regex.IGNORECASE
)
_URL_TRAILING = ".,;:!?'\")]}"
HASHTAG_MAX_LENGTH = 100


EMPTY_MESSAGE = "Write something first: a tweet cannot be empty or only spaces."


class TweetTextError(ValueError):
    """The text breaks a tweet rule; ``str(error)`` is the message to show."""


@dataclass(frozen=True)
class ParsedText:
    text: str
    length: int
    mentions: list[str]  # usernames as written, first occurrence order, case-insensitively unique
    hashtags: list[str]  # normalised tag names (NFC, case-folded), unique


def normalize(text: str) -> str:
    """Return the text in NFC with outer whitespace removed and line endings unified."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def count_chars(text: str) -> int:
    """Return the number of user-perceived characters (grapheme clusters after NFC)."""
    return len(_GRAPHEME.findall(unicodedata.normalize("NFC", text)))


def normalize_hashtag(tag: str) -> str:
    """Return the stored form of a hashtag: NFC and case-folded (#Café == #café)."""
    return unicodedata.normalize("NFC", tag.lstrip("#")).casefold()


def _trim_url(url: str) -> str:
    while url and url[-1] in _URL_TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # keep a balanced parenthesis (Wikipedia links)
        url = url[:-1]
    return url


def _tokens(text: str):
    """Yield (kind, start, end, value) for URLs, mentions and hashtags, left to right, no overlaps."""
    for match in _TOKEN_RE.finditer(text):
        if match.group("url"):
            url = _trim_url(match.group("url"))
            yield "url", match.start(), match.start() + len(url), url
        elif match.group("mention"):
            yield "mention", match.start(), match.end(), match.group("mention")[1:]
        else:
            tag = match.group("tag")[1:]
            if len(tag) <= HASHTAG_MAX_LENGTH:
                yield "tag", match.start(), match.end(), tag


def extract_mentions(text: str) -> list[str]:
    """Return the @usernames in the text (without @), unique case-insensitively, in order."""
    seen: dict[str, str] = {}
    for kind, _start, _end, value in _tokens(text):
        if kind == "mention":
            seen.setdefault(value.lower(), value)
    return list(seen.values())


def extract_hashtags(text: str) -> list[str]:
    """Return the normalised hashtags in the text, unique, in order."""
    seen: dict[str, None] = {}
    for kind, _start, _end, value in _tokens(text):
        if kind == "tag":
            seen.setdefault(normalize_hashtag(value), None)
    return list(seen)


def parse_tweet_text(text: object) -> ParsedText:
    """Validate and parse tweet text, or raise TweetTextError with a message naming the problem."""
    if not isinstance(text, str):
        raise TweetTextError("Tweet text must be a string.")
    clean = normalize(text)
    if not clean:
        raise TweetTextError(EMPTY_MESSAGE)
    length = count_chars(clean)
    limit = settings.TWEET_MAX_LENGTH
    if length > limit:
        raise TweetTextError(f"Tweets can be at most {limit} characters; this one has {length}.")
    return ParsedText(text=clean, length=length, mentions=extract_mentions(clean), hashtags=extract_hashtags(clean))


def linkify(text: str, known_usernames: set[str] | frozenset[str] = frozenset()) -> str:
    """Return HTML for tweet text: everything escaped; URLs, known @mentions and #hashtags linked.

    ``known_usernames`` holds lower-cased usernames that exist; other mentions stay plain text.
    """
    out: list[str] = []
    position = 0
    for kind, start, end, value in _tokens(text):
        out.append(escape(text[position:start]))
        raw = text[start:end]
        if kind == "url":
            shown = value.split("://", 1)[1]
            if len(shown) > 40:
                shown = shown[:39] + "…"
            out.append(
                f'<a href="{escape(value)}" rel="nofollow noopener noreferrer ugc" target="_blank">{escape(shown)}</a>'
            )
        elif kind == "mention" and value.lower() in known_usernames:
            out.append(f'<a class="mention" href="{reverse("profile", args=[value])}">{escape(raw)}</a>')
        elif kind == "tag":
            href = reverse("hashtag", args=[normalize_hashtag(value)])
            out.append(f'<a class="hashtag" href="{escape(href)}">{escape(raw)}</a>')
        else:
            out.append(escape(raw))
        position = end
    out.append(escape(text[position:]))
    return "".join(out)
