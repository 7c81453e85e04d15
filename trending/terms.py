"""Cut a tweet into the terms Trending counts: hashtags, words, 2-3 word phrases and emoji.

Any language: words are Unicode ``\\w`` runs (the ``regex`` package), emoji are grapheme clusters
(``\\X``) holding an Extended_Pictographic or a flag. Scripts written without spaces (Chinese,
Japanese) are cut into overlapping character bigrams, the ICU-free heuristic search engines use.
Stop words are NOT removed here: the baseline of the scorer keeps ever-common words out (see
docs/ranking.md). Pure logic, no I/O.
"""

from __future__ import annotations

import unicodedata
import zlib

import regex

MAX_TERMS = 48
MAX_TERM_LENGTH = 60

_URL = regex.compile(r"https?://\S+|www\.\S+", regex.IGNORECASE)
_MENTION = regex.compile(r"(?<!\w)@\w+")
# One scan: hashtag | word (with inner apostrophes) | one grapheme cluster (space, punctuation, emoji).
_TOKEN = regex.compile(r"#\w+|\w+(?:['’]\w+)*|\X", regex.VERSION1)
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
_NO_SPACE_SCRIPT = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
_NO_SPACE_RUN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}ー]+")
_DIGITS = regex.compile(r"^[\d_]+$")


def normalize(text: str) -> str:
    """Return ``text`` in the form terms are counted in: NFKC, case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


_WORD_START = regex.compile(r"\w")


def _is_word(token: str) -> bool:
    return _WORD_START.match(token) is not None


def extract_terms(text: str) -> list[str]:
    """Return the distinct terms of ``text`` in reading order (at most MAX_TERMS).

    Kinds are told apart by shape: ``#tag``, emoji, ``word``, ``two words``, ``three word phrase``.
    Phrases never cross punctuation, emoji, hashtags or line breaks.
    """
    text = _MENTION.sub(" . ", _URL.sub(" . ", normalize(text)))
    seen: dict[str, None] = {}
    run: list[str] = []  # the current run of words that phrases are built from

    def add(term: str) -> None:
        if len(seen) < MAX_TERMS and 0 < len(term) <= MAX_TERM_LENGTH:
            seen.setdefault(term, None)

    def close_run() -> None:
        for size in (2, 3):
            for i in range(len(run) - size + 1):
                add(" ".join(run[i : i + size]))
        run.clear()

    for token in _TOKEN.findall(text):
        if token.startswith("#") and len(token) > 1:
            close_run()
            add(token)
        elif _is_word(token):
            if _DIGITS.match(token):
                close_run()
                continue
            if _NO_SPACE_SCRIPT.search(token):
                close_run()
                for chunk in _NO_SPACE_RUN.findall(token):
                    if len(chunk) <= 4:
                        add(chunk)
                    for i in range(len(chunk) - 1):
                        add(chunk[i : i + 2])
                rest = _NO_SPACE_RUN.sub(" ", token).split()
                for word in rest:
                    if len(word) > 1 and not _DIGITS.match(word):
                        add(word)
                continue
            if len(token) < 2:
                close_run()
                continue
            add(token)
            run.append(token)
        elif token.isspace():
            if "\n" in token:
                close_run()
        elif _EMOJI.search(token):
            close_run()
            add(token.replace("\ufe0f", ""))
        else:
            close_run()
    close_run()
    return list(seen)


def term_kind(term: str) -> str:
    """Return "hashtag", "emoji", "phrase" or "word"."""
    if term.startswith("#"):
        return "hashtag"
    if _EMOJI.search(term):
        return "emoji"
    if " " in term:
        return "phrase"
    return "word"


def term_hash(term: str) -> int:
    """Return a 32-bit number for ``term`` (Redis keeps sets of them as compact intsets)."""
    return zlib.crc32(term.encode())
