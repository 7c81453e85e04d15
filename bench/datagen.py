"""Build a data tier deterministically with bulk COPY: users, a power-law follow graph, tweets,
retweets, replies, likes, hashtags and mentions, with every counter exact.

    generate(tier="small", seed=42)      # the demo: seeds/000 shape, 999 users, a few days
    generate(tier="t100k", seed=42)      # 100,000 users, ~200 follows each, two 50k accounts

The same code scales every tier; only the numbers in TIERS change. Rows are written with
PostgreSQL COPY, counters are computed in SQL afterwards, then ANALYZE. Everyone's password is
the demo password (one hash, computed once).
"""

from __future__ import annotations

import io
import math
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "chirp-demo-2026"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "chirp-admin-2026"
DATAGEN_WORKER = 1023  # worker number reserved for generated ids


@dataclass(frozen=True)
class Tier:
    users: int
    mean_follows: float  # mean followees per user (log-normal around it)
    zipf: float  # follower popularity exponent (higher = more concentrated)
    celebrities: int  # accounts followed by `celebrity_followers` users each
    celebrity_followers: int
    days: float  # history length
    tweeting_share: float  # share of users who tweet
    tweets_per_tweeter_day: float
    likes_per_tweet: float
    retweet_share: float  # retweets per original tweet
    reply_share: float  # share of tweets that are replies
    active_share: float  # share of users seen within the last week


TIERS: dict[str, Tier] = {
    # seeds/000: 999 users, all daily; 20% tweet ~2/h while awake (~32/day); 20% of reads liked,
    # 5% retweeted. Three days of history.
    "small": Tier(999, 60, 1.0, 0, 0, 3, 0.20, 32, 6.0, 0.25, 0.15, 1.0),
    "t10k": Tier(10_000, 150, 1.05, 2, 5_000, 3, 0.20, 20, 4.0, 0.2, 0.12, 0.8),
    # issue 4: 100,000 users, ~200 follows each (power law), two accounts with 50,000 followers,
    # millions of tweets.
    "t100k": Tier(100_000, 200, 1.1, 2, 50_000, 4, 0.20, 25, 2.0, 0.15, 0.10, 0.7),
}

# fmt: off
# fmt: off
FIRST = [
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Guido", "Hedy", "Tim",
    "Radia", "Vint", "Katherine", "Donald", "Shafi", "Yukihiro", "Anita", "Edsger", "Olga", "Ivan", "Mei",
    "Hiro", "Amara", "Kwame", "Lucía", "Mateo", "Zoë", "Søren", "Aiko", "Ravi", "Priya", "Noor", "Tariq",
    "Elif", "Jonas", "Marta", "Chen", "Yuna",
]
LAST = [
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen",
    "van Rossum", "Lamarr", "Berners-Lee", "Perlman", "Cerf", "Johnson", "Knuth", "Goldwasser", "Matsumoto",
    "Borg", "Dijkstra", "Petrova", "Ivanov", "Wang", "Tanaka", "Okafor", "Mensah", "García", "Rossi", "Müller",
    "Kierkegaard", "Sato", "Iyer", "Sharma", "Haddad", "Aziz", "Yılmaz", "Berg", "Nowak", "Li", "Kim",
]
BIO_PARTS = [
    "Coffee first ☕", "Building things on the web", "Runner 🏃", "Cat person 🐈", "Photographer 📷",
    "Reading too many books 📚", "Open source fan", "Gardener 🌱", "Jazz & synths 🎹", "Maps nerd 🗺️", "Teacher",
    "Night owl 🦉", "Cyclist 🚲", "Tea over coffee 🍵", "Amateur astronomer 🔭", "Chess on weekends ♟️",
    "Bakes bread 🍞", "Learning Japanese 🇯🇵", "Hiker ⛰️", "Views my own",
]
OPENERS = [
    "Just", "Finally", "Honestly,", "Today I", "Quick thought:", "Hot take:", "TIL", "Anyone else",
    "Can't believe I", "Morning!", "Reminder:", "Currently", "Weekend plans:", "Pro tip:",
]
PHRASES = [
    "shipped the new release", "fixed a bug that haunted me for weeks", "tried the new café downtown",
    "watched the sunset from the bridge", "learned how PostgreSQL plans a LATERAL join",
    "made pasta from scratch", "went for a long run in the rain", "read three chapters before breakfast",
    "rewrote the parser and it is twice as fast", "found a great jazz record", "planted tomatoes",
    "migrated everything to Python 3.11", "walked the dog around the lake", "started a new sketchbook",
    "saw the northern lights", "debugged a flaky test", "baked sourdough again", "fixed my bike",
    "finished the crossword", "booked tickets for the concert", "cleaned up the whole backlog",
    "watched the match with friends", "learned a new chord progression", "tried bouldering",
]
TAGS = [
    "python", "django", "postgres", "coffee", "running", "music", "photography", "books", "opensource",
    "weekend", "cats", "travel", "food", "jazz", "gardening", "astronomy", "chess", "cycling", "日本語", "привет",
    "café", "design", "webdev", "redis",
]
EMOJI = [
    "🎉", "☕", "🚀", "😂", "❤️", "🔥", "👍", "🙌", "🌧️", "🌅", "🍝", "🐍", "👨‍👩‍👧‍👦", "🇺🇦", "🇯🇵", "✨", "🤔", "😴", "🎶",
    "📚", "🌱", "🐈", "🏃‍♀️", "🍕",
]
CLOSERS = [
    "", "", "", " What a day.", " Highly recommend.", " Thoughts?", " More soon.", " 10/10.", " Never again.",
    " Worth it.",
]
# fmt: on


class _Progress:
    """Print a one-line progress bar on a terminal (plain lines elsewhere)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = time.monotonic()

    def step(self, label: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        elapsed = time.monotonic() - self.started
        line = f"\r  {label:<14} [{'#' * filled}{'.' * (width - filled)}] {done:>11,}/{total:,}  {elapsed:6.1f}s"
        sys.stdout.write(line)
        if done >= total:
            sys.stdout.write("\n")
        sys.stdout.flush()


def _copy(cursor, table: str, columns: list[str], rows, label: str, total: int, progress: _Progress) -> None:
    """COPY rows (tuples of str/int/None) into ``table`` in chunks, reporting progress."""
    chunk = 200_000
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        buffer = io.StringIO()
        for count, row in enumerate(rows, 1):
            buffer.write("\t".join(r"\N" if v is None else _escape(v) for v in row))
            buffer.write("\n")
            if count % chunk == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
                progress.step(label, count, total)
        copy.write(buffer.getvalue())
    progress.step(label, total, total)


def _escape(value) -> str:
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _usernames(n: int, rng: np.random.Generator) -> list[str]:
    names = [DEMO_USERNAME, ADMIN_USERNAME]
    seen = {DEMO_USERNAME, ADMIN_USERNAME}
    i = 0
    while len(names) < n:
        first = FIRST[int(rng.integers(len(FIRST)))].lower()
        candidate = f"{first}_{i}"
        candidate = "".join(ch for ch in candidate if ch.isascii() and (ch.isalnum() or ch == "_"))[:15]
        if candidate not in seen:
            seen.add(candidate)
            names.append(candidate)
        i += 1
    return names


def _follow_graph(tier: Tier, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return (follower, followee) index arrays: log-normal out-degree, Zipf in-degree, celebrities."""
    n = tier.users
    sigma = 0.8
    mu = math.log(max(tier.mean_follows, 1)) - sigma**2 / 2
    degree = np.clip(rng.lognormal(mu, sigma, n).astype(np.int64), 1, n - 1)
    # Popularity: a random permutation of Zipf ranks; index 0 (demo) and the celebrities rank high.
    ranks = np.arange(1, n + 1, dtype=np.float64)
    weights = ranks ** (-tier.zipf)
    popularity = np.empty(n)
    order = rng.permutation(n)
    # Half the follows go by a Zipf popularity (a few accounts with many followers), half
    # uniformly (so the median account has followers too: the design notes' t100k had 142).
    popularity[order] = 0.5 * weights / weights.sum() + 0.5 / n
    popularity[2 : 2 + tier.celebrities] = 0  # celebrities get their followers separately
    # Cap the Zipf head so no ordinary account gets more than half of the celebrities' (or, with
    # none, half of everyone): sampling with repeats would otherwise give it nearly every user.
    total = float(degree.sum())
    cap = 0.5 * (tier.celebrity_followers if tier.celebrities else n) / total
    for _ in range(5):
        popularity = np.minimum(popularity / popularity.sum(), cap)
    cumulative = np.cumsum(popularity)
    cumulative /= cumulative[-1]
    followers = np.repeat(np.arange(n, dtype=np.int64), degree)
    followees = np.searchsorted(cumulative, rng.random(followers.size), side="right").clip(0, n - 1)
    # Celebrities: `celebrity_followers` distinct users each.
    extra_f, extra_t = [], []
    for c in range(tier.celebrities):
        celeb = 2 + c
        fans = rng.choice(n, size=min(tier.celebrity_followers, n - 1), replace=False)
        extra_f.append(fans)
        extra_t.append(np.full(fans.size, celeb, dtype=np.int64))
    # The demo account follows 80 of the first few hundred accounts, so its home page is lively.
    picks = rng.choice(np.arange(2, min(n, 400)), size=min(80, max(n - 2, 0)), replace=False)
    extra_f.append(np.zeros(picks.size, dtype=np.int64))
    extra_t.append(picks.astype(np.int64))
    if extra_f:
        followers = np.concatenate([followers, *extra_f])
        followees = np.concatenate([followees, *extra_t])
    # The demo account follows a good handful of the people who tweet most (set below), drop self
    # follows and duplicates.
    keep = followers != followees
    pairs = np.unique(np.stack([followers[keep], followees[keep]], axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def generate(*, tier: str = "small", seed: int = 42, progress: bool | None = None, reset: bool = False) -> dict:
    """Load a tier into the database and return a summary of what was written."""
    spec = TIERS[tier]
    show = sys.stdout.isatty() if progress is None else progress
    bar = _Progress(show)
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    now_ms = int(now.timestamp() * 1000)
    start_ms = now_ms - int(spec.days * 86_400_000)
    n = spec.users

    usernames = _usernames(n, rng)
    follower_idx, followee_idx = _follow_graph(spec, rng)
    password = make_password(DEMO_PASSWORD)
    admin_password = make_password(ADMIN_PASSWORD)

    # Who tweets: a share of users; the demo user and celebrities always do.
    tweeters = rng.random(n) < spec.tweeting_share
    tweeters[0] = True
    tweeters[2 : 2 + spec.celebrities] = True
    tweeters[2:400] |= rng.random(min(n, 400) - 2) < 0.6  # the demo follows these: keep them talkative
    tweeter_ids = np.flatnonzero(tweeters)
    per_user = rng.poisson(spec.tweets_per_tweeter_day * spec.days, tweeter_ids.size)
    total_tweets = int(per_user.sum())
    authors = np.repeat(tweeter_ids, per_user)
    # Times: waking hours weighted (seeds/000: one timezone, lunch and evening peaks).
    offsets = np.sort(rng.random(total_tweets))
    times_ms = (start_ms + offsets * (now_ms - start_ms - 60_000)).astype(np.int64)
    order = rng.permutation(total_tweets)
    authors = authors[order]  # shuffle authors over the sorted times

    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg 3 cursor: COPY support
        cursor.execute("SET LOCAL synchronous_commit = off")
        # The rows are consistent by construction: as a superuser (the embedded server), skip the
        # per-row foreign-key triggers, which otherwise dominate big loads at COMMIT.
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        if reset:
            cursor.execute(
                "TRUNCATE accounts_user, accounts_follow, accounts_apitoken, tweets_tweet, tweets_tweetversion, "
                "tweets_like, tweets_mention, tweets_hashtag, tweets_tweethashtag RESTART IDENTITY CASCADE"
            )
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_user")
        base_id = cursor.fetchone()[0]
        user_ids = np.arange(base_id + 1, base_id + n + 1, dtype=np.int64)
        joined = now - timedelta(days=spec.days + 30)
        active = rng.random(n) < spec.active_share
        active[0] = True

        def user_rows():
            for i in range(n):
                name = usernames[i]
                if i == 0:
                    display, bio = "Demo Person", "Trying out Chirp ✨ Say hi! #chirp"
                elif i == 1:
                    display, bio = "Chirp Moderator", "Keeping things friendly 🛡️"
                else:
                    display = f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}"
                    bio = " · ".join(BIO_PARTS[int(j)] for j in rng.choice(len(BIO_PARTS), 2, replace=False))
                seen = (
                    (now - timedelta(hours=float(rng.random() * 20))).isoformat()
                    if active[i]
                    else (now - timedelta(days=14)).isoformat()
                )
                is_admin = i == 1
                yield (
                    int(user_ids[i]),
                    name,
                    display,
                    bio,
                    admin_password if is_admin else password,
                    "t" if is_admin else "f",
                    "t" if is_admin else "f",
                    "t",
                    joined.isoformat(),
                    "",
                    "",
                    "",
                    0,
                    0,
                    0,
                    seen,
                )

        _copy(
            cursor,
            "accounts_user",
            [
                "id",
                "username",
                "display_name",
                "bio",
                "password",
                "is_superuser",
                "is_staff",
                "is_active",
                "date_joined",
                "first_name",
                "last_name",
                "email",
                "followers_count",
                "following_count",
                "tweets_count",
                "last_seen_at",
            ],
            user_rows(),
            "users",
            n,
            bar,
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), %s)", [int(user_ids[-1])])

        follow_times = joined.isoformat()
        _copy(
            cursor,
            "accounts_follow",
            ["follower_id", "followee_id", "created_at"],
            ((int(user_ids[f]), int(user_ids[t]), follow_times) for f, t in zip(follower_idx, followee_idx)),
            "follows",
            int(follower_idx.size),
            bar,
        )

        # Tweets (originals and replies), then retweets and likes; vectorised so t100k's millions
        # of rows take minutes, not an hour.
        seq = np.arange(total_tweets) - np.searchsorted(times_ms, times_ms, side="left")
        ids = _make_ids(times_ms, seq)
        is_reply = rng.random(total_tweets) < spec.reply_share
        is_reply[:50] = False
        reply_parent = np.where(is_reply, (rng.random(total_tweets) * np.arange(total_tweets)).astype(np.int64), -1)
        root = np.where(reply_parent >= 0, reply_parent, np.arange(total_tweets))
        while True:  # pointer jumping: every reply points at its thread's root
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped
        conversation = ids[root]
        texts, tag_lists, mentioned = _texts(rng, total_tweets, usernames)
        # A story breaking in the last hour, told by many different people, so Trending and
        # Popular have something to show on a fresh start.
        burst = _burst(times_ms, authors, now_ms, reply_parent)
        for j, k in enumerate(burst):
            texts[k] = BURST_TEXTS[j % len(BURST_TEXTS)]
        tag_lists = [(k, tags) for k, tags in tag_lists if k not in burst] + [(k, [BURST_TAG]) for k in burst]
        mentioned = [(k, m) for k, m in mentioned if k not in burst]
        hashtag_ids = {tag: i + 1 for i, tag in enumerate([*TAGS, BURST_TAG])}
        tweet_tags = [(int(ids[k]), hashtag_ids[tag]) for k, tags in tag_lists for tag in tags]
        mentions = [(int(ids[k]), int(user_ids[m]), _iso(int(times_ms[k]))) for k, m in mentioned if m != authors[k]]

        tweet_columns = ["id", "author_id", "text", "reply_to_id", "reply_to_version", "conversation_id",
                         "quote_of_id", "quote_of_version", "retweet_of_id", "created_at", "version", "edited_at",
                         "deleted_at", "removed_by_moderator", "like_count", "retweet_count", "reply_count",
                         "quote_count"]  # fmt: skip
        author_ids = user_ids[authors]
        parent_ids = np.where(reply_parent >= 0, ids[np.maximum(reply_parent, 0)], 0)
        tweet_rows = (
            (int(ids[k]), int(author_ids[k]), texts[k], int(parent_ids[k]) if is_reply[k] else None,
             1 if is_reply[k] else None, int(conversation[k]), None, None, None, _iso(int(times_ms[k])), 1, None,
             None, "f", 0, 0, 0, 0)
            for k in range(total_tweets)
        )  # fmt: skip
        _copy(cursor, "tweets_tweet", tweet_columns, tweet_rows, "tweets", total_tweets, bar)
        _copy(cursor, "tweets_tweetversion", ["tweet_id", "number", "text", "created_at"],
              ((int(ids[k]), 1, texts[k], _iso(int(times_ms[k]))) for k in range(total_tweets)),
              "versions", total_tweets, bar)  # fmt: skip

        # Engagement comes from the author's followers (they are the readers): pick a random
        # follower per like, drop repeats of the same person on the same tweet.
        order_by_followee = np.argsort(followee_idx, kind="stable")
        sorted_followers = follower_idx[order_by_followee]
        bounds = np.searchsorted(followee_idx[order_by_followee], np.arange(n + 1))
        audience = (bounds[1:] - bounds[:-1])[authors]
        like_counts = np.minimum(rng.poisson(spec.likes_per_tweet, total_tweets), audience)
        like_tweet = np.repeat(np.arange(total_tweets), like_counts)
        pick = (rng.random(like_tweet.size) * audience[like_tweet]).astype(np.int64)
        liker = sorted_followers[bounds[authors[like_tweet]] + pick]
        like_ms = np.minimum(times_ms[like_tweet] + rng.integers(1_000, 600_000, like_tweet.size), now_ms - 1)
        _, first = np.unique(liker * total_tweets + like_tweet, return_index=True)
        first = first[np.argsort(like_ms[first], kind="stable")]  # ids in like order: newest like first
        _copy(cursor, "tweets_like", ["user_id", "tweet_id", "created_at"],
              ((int(user_ids[liker[j]]), int(ids[like_tweet[j]]), _iso(int(like_ms[j]))) for j in first),
              "likes", int(first.size), bar)  # fmt: skip

        retweeted = np.flatnonzero((~is_reply) & (audience > 0) & (rng.random(total_tweets) < spec.retweet_share))
        rt_user = sorted_followers[
            bounds[authors[retweeted]] + (rng.random(retweeted.size) * audience[retweeted]).astype(np.int64)
        ]
        rt_ms = np.minimum(times_ms[retweeted] + rng.integers(60_000, 3_600_000, retweeted.size), now_ms - 1000)
        order = np.argsort(rt_ms, kind="stable")
        retweeted, rt_user, rt_ms = retweeted[order], rt_user[order], rt_ms[order]
        rt_ids = _make_ids(rt_ms, 2048 + np.arange(rt_ms.size) - np.searchsorted(rt_ms, rt_ms, side="left"))
        retweet_rows = (
            (int(rt_ids[j]), int(user_ids[rt_user[j]]), "", None, None, None, None, None, int(ids[retweeted[j]]),
             _iso(int(rt_ms[j])), 1, None, None, "f", 0, 0, 0, 0)
            for j in range(retweeted.size)
        )  # fmt: skip
        _copy(cursor, "tweets_tweet", tweet_columns, retweet_rows, "retweets", int(retweeted.size), bar)
        _copy(cursor, "tweets_hashtag", ["id", "name", "created_at"],
              ((tag_id, name, now.isoformat()) for name, tag_id in hashtag_ids.items()), "hashtags",
              len(hashtag_ids), bar)  # fmt: skip
        cursor.execute("SELECT setval(pg_get_serial_sequence('tweets_hashtag', 'id'), %s)", [len(hashtag_ids)])
        _copy(cursor, "tweets_tweethashtag", ["tweet_id", "hashtag_id"], iter(tweet_tags), "tweet tags",
              len(tweet_tags), bar)  # fmt: skip
        _copy(cursor, "tweets_mention", ["tweet_id", "user_id", "created_at"], iter(mentions), "mentions",
              len(mentions), bar)  # fmt: skip

        _recount(cursor)
    with connection.cursor() as cursor:
        for table in ("accounts_user", "accounts_follow", "tweets_tweet", "tweets_like", "tweets_tweethashtag"):
            cursor.execute(f"ANALYZE {table}")
    return {
        "tier": tier,
        "users": n,
        "follows": int(follower_idx.size),
        "tweets": total_tweets,
        "retweets": int(retweeted.size),
        "likes": int(first.size),
        "hashtags": len(hashtag_ids),
        "seconds": round(time.monotonic() - bar.started, 1),
    }


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def _make_ids(times_ms: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """Vectorised twitter_site.snowflake.make_id with the generator's worker number."""
    from twitter_site.snowflake import EPOCH_MS, SEQUENCE_BITS, TIME_SHIFT

    if sequence.size and int(sequence.max()) >= 1 << SEQUENCE_BITS:
        raise ValueError("more than 4,096 generated ids in one millisecond")
    return ((times_ms - EPOCH_MS) << TIME_SHIFT) | (DATAGEN_WORKER << SEQUENCE_BITS) | sequence


BURST_TAG = "aurora"
BURST_TEXTS = [
    "Northern lights over the city right now 🌌 #aurora",
    "Go outside! The northern lights are visible from downtown 🤩 #aurora",
    "Never thought I'd see the northern lights from my balcony ✨ #aurora",
    "The northern lights tonight are unreal 🌌💚 #aurora",
    "Everyone on the bridge is watching the northern lights 📸 #aurora",
]


def _burst(times_ms: np.ndarray, authors: np.ndarray, now_ms: int, reply_parent: np.ndarray) -> set[int]:
    """Pick up to 60 tweets of distinct authors from the last 50 minutes to carry the burst story."""
    chosen: dict[int, int] = {}
    for k in np.flatnonzero((times_ms > now_ms - 50 * 60_000) & (reply_parent < 0))[::-1]:
        chosen.setdefault(int(authors[k]), int(k))
        if len(chosen) == 60:
            break
    return set(chosen.values())


def _texts(rng: np.random.Generator, count: int, usernames: list[str]):
    """Return (texts, [(tweet index, tags)], [(tweet index, mentioned user index)]) for ``count`` tweets."""
    opener = rng.integers(len(OPENERS), size=count)
    phrase = rng.integers(len(PHRASES), size=count)
    emoji = np.where(rng.random(count) < 0.7, rng.integers(len(EMOJI), size=count), -1)
    closer = rng.integers(len(CLOSERS), size=count)
    tag_a = np.where(rng.random(count) < 0.45, rng.integers(len(TAGS), size=count), -1)
    tag_b = np.where((tag_a >= 0) & (rng.random(count) < 0.4), rng.integers(len(TAGS), size=count), -1)
    mention = np.where(rng.random(count) < 0.08, rng.integers(len(usernames), size=count), -1)
    texts, tag_lists, mentioned = [], [], []
    for k in range(count):
        text = f"{OPENERS[opener[k]]} {PHRASES[phrase[k]]}"
        if emoji[k] >= 0:
            text += f" {EMOJI[emoji[k]]}"
        text += CLOSERS[closer[k]]
        if mention[k] >= 0:
            text = f"@{usernames[mention[k]]} {text}"
            mentioned.append((k, int(mention[k])))
        if tag_a[k] >= 0:
            tags = [TAGS[tag_a[k]]] if tag_b[k] < 0 or tag_b[k] == tag_a[k] else [TAGS[tag_a[k]], TAGS[tag_b[k]]]
            text += " " + " ".join(f"#{t}" for t in tags)
            tag_lists.append((k, tags))
        texts.append(text)
    return texts, tag_lists, mentioned


def _recount(cursor) -> None:
    """Set every counter from the rows it counts (exact by construction)."""
    # Users start at 0 from the COPY; only those with rows need an update.
    cursor.execute("""
        WITH c AS (SELECT followee_id id, count(*) n FROM accounts_follow GROUP BY followee_id)
        UPDATE accounts_user u SET followers_count = c.n FROM c WHERE u.id = c.id
    """)
    cursor.execute("""
        WITH c AS (SELECT follower_id id, count(*) n FROM accounts_follow GROUP BY follower_id)
        UPDATE accounts_user u SET following_count = c.n FROM c WHERE u.id = c.id
    """)
    cursor.execute("""
        WITH c AS (SELECT author_id id, count(*) n FROM tweets_tweet
                   WHERE deleted_at IS NULL AND retweet_of_id IS NULL GROUP BY author_id)
        UPDATE accounts_user u SET tweets_count = c.n FROM c WHERE u.id = c.id
    """)
    cursor.execute("""
        WITH l AS (SELECT tweet_id, count(*) c FROM tweets_like GROUP BY tweet_id)
        UPDATE tweets_tweet t SET like_count = l.c FROM l WHERE t.id = l.tweet_id
    """)
    cursor.execute("""
        WITH r AS (SELECT retweet_of_id id, count(*) c FROM tweets_tweet
                   WHERE retweet_of_id IS NOT NULL AND deleted_at IS NULL GROUP BY retweet_of_id)
        UPDATE tweets_tweet t SET retweet_count = r.c FROM r WHERE t.id = r.id
    """)
    cursor.execute("""
        WITH r AS (SELECT reply_to_id id, count(*) c FROM tweets_tweet
                   WHERE reply_to_id IS NOT NULL AND deleted_at IS NULL GROUP BY reply_to_id)
        UPDATE tweets_tweet t SET reply_count = r.c FROM r WHERE t.id = r.id
    """)
