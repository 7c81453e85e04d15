"""Unit tests of the pure text rules: counting, mentions, hashtags, linkification."""

import pytest

from tweets.parsing import (
    TweetTextError,
    count_chars,
    extract_hashtags,
    extract_mentions,
    linkify,
    parse_tweet_text,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, woman, girl, boy joined by ZWJ
FLAG = "\U0001f1ef\U0001f1f5"  # 🇯🇵


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", 5),
        (FAMILY, 1),
        (FLAG, 1),
        ("👍🏽", 1),  # emoji + skin tone modifier
        ("e\u0301", 1),  # e + combining acute (NFC makes é)
        ("日本語のツイート", 8),
        ("привет мир", 10),
        ("🏳️‍🌈 pride", 7),
    ],
)
def test_count_chars_counts_what_people_see(text, expected):
    assert count_chars(text) == expected


def test_parse_accepts_240_emoji_and_rejects_241_naming_the_count():
    assert parse_tweet_text(FAMILY * 240).length == 240
    with pytest.raises(TweetTextError, match="at most 240 characters; this one has 241"):
        parse_tweet_text(FAMILY * 241)
    with pytest.raises(TweetTextError, match="this one has 251"):
        parse_tweet_text("a" * 251)


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \n", "\u3000"])
def test_parse_rejects_empty_and_whitespace_only(text):
    with pytest.raises(TweetTextError, match="empty"):
        parse_tweet_text(text)


def test_parse_rejects_non_strings():
    with pytest.raises(TweetTextError, match="string"):
        parse_tweet_text(42)


def test_parse_normalises_to_nfc_and_strips():
    parsed = parse_tweet_text("  cafe\u0301  ")
    assert parsed.text == "café"
    assert parsed.length == 4


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("I love #django", ["django"]),
        ("(#tag).", ["tag"]),
        ("#日本語 と #привет", ["日本語", "привет"]),
        ("#café2026!", ["café2026"]),
        ("#Django #DJANGO #django", ["django"]),
        ("#2026 is not a tag but #y2026 is", ["y2026"]),
        ("a#b and &#39; are not tags", []),
        ("emoji 🎉#party🎉", ["party"]),
        ("https://example.com/#anchor", []),
        ("#snake_case, #under_score.", ["snake_case", "under_score"]),
    ],
)
def test_extract_hashtags_unicode_and_edges(text, tags):
    assert extract_hashtags(text) == tags


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("hi @alice and @Bob!", ["alice", "Bob"]),
        ("(@alice), @ALICE", ["alice"]),
        ("mail me at bob@example.com", []),
        ("@toolongusername_x is too long", []),
        ("@日本 is not a username", []),
        ("👋@carol", ["carol"]),
    ],
)
def test_extract_mentions(text, names):
    assert extract_mentions(text) == names


@pytest.mark.django_db
def test_linkify_escapes_everything_and_links_known_things():
    html = linkify('<script>alert("x")</script> @alice @ghost #Tag https://ex.com/a?b=1&c=<2>.', {"alice"})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<a class="mention" href="/@alice">@alice</a>' in html
    assert "@ghost" in html and 'href="/@ghost"' not in html
    assert '<a class="hashtag" href="/hashtag/tag">#Tag</a>' in html
    assert 'href="https://ex.com/a?b=1&amp;c="' in html  # the URL stops at "<"; the final "." is not part of it
    assert 'rel="nofollow noopener noreferrer ugc"' in html


@pytest.mark.django_db
def test_linkify_keeps_trailing_punctuation_out_and_balanced_parens_in():
    html = linkify("see https://en.wikipedia.org/wiki/Foo_(bar), ok")
    assert 'href="https://en.wikipedia.org/wiki/Foo_(bar)"' in html
    assert html.endswith("</a>, ok")


@pytest.mark.django_db
def test_linkify_unicode_hashtag_url_is_encoded():
    html = linkify("#日本語")
    assert 'href="/hashtag/%E6%97%A5%E6%9C%AC%E8%AA%9E"' in html
    assert ">#日本語</a>" in html


def test_javascript_urls_are_not_links():
    assert "<a" not in linkify("javascript:alert(1)")
