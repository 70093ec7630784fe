"""A deterministic simulated X world: users, their Tweets, videos and metrics over time.

Everything is a pure function of ``(seed, epoch)`` and the instant asked about; nothing is
stored. Five fixed users (and, for the scale benchmark, as many generated ones as asked)
post from ``epoch - 60 days`` onwards, forever. Each user's posts
live in UTC hour buckets: how many Tweets fall in a bucket, when, and of which kind is drawn
from ``(seed, user, hour)`` alone, so any bucket can be regenerated on demand and a Tweet id
(an X snowflake) leads straight back to its bucket.

Metrics are closed-form curves of a Tweet's age. Organic counts follow a fast saturating
rise plus a slow tail, ``1 - exp(-a/tau)`` blended with ``1 - exp(-a/tail_tau)``, where the
age ``a`` is warped by two small sinusoids (the warp stays strictly increasing, so counts
never fall) and the result is floored. Likes alone can drop, by one or two, at a few rare
"unlike" instants. Promoted Tweets add a paid campaign that starts minutes to hours after
posting and saturates over its 1 to 7 days. Video playback counts derive from the
impressions of every carrying Tweet through chained retention fractions, so the quartiles
stay ordered after flooring.

Each user also has an audience. Its Tweets do better in three "best slots" (a local weekday
and hour in the user's timezone, drawn from the seed), where their reach is multiplied;
every other slot keeps a factor of 1. Followers are the starting count plus the follows
each Tweet brings in its first hours (a share of its organic reach) minus a steady churn.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, TypeVar
from zoneinfo import ZoneInfo

TWITTER_EPOCH_MS = 1288834974657

_T = TypeVar("_T")

HISTORY = timedelta(days=60)

_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR_MS = 3_600_000
_MAX_TEXT = 280
_CACHE_BUCKETS = 1 << 16
_CACHE_ITEMS = 1 << 17

_ID_RE = re.compile(r"[0-9]{1,19}")
_MEDIA_KEY_RE = re.compile(r"[37]_[0-9]{1,19}")

# Where a reply, retweet or quote looks for its target: a start within the last day, then back.
_TARGET_SPREAD_H = 24
_TARGET_SCAN_H = 72
# A re-posted video is one first posted 1 to 14 days earlier.
_REUSE_MIN_H = 24
_REUSE_MAX_H = 14 * 24

# Reach caps keep every count, even a video summed over its carriers, far inside int32.
_MAX_ORGANIC_REACH = 100_000_000
_MAX_PAID_REACH = 25_000_000
_VIRAL_SHARE = 0.004
# A Tweet that took off stays inside the int32 counts X's clients parse.
_MAX_TAKEOFF_COUNT = 2_000_000_000
# How far ahead next_tweet looks for a user's next post.
_NEXT_TWEET_SCAN_H = 30 * 24
_KIND_REACH = {"original": 1.0, "quote": 0.6, "reply": 0.12}

# Best slots: three distinct (weekday, local hour) within 3 hours of the posting peak. The
# factors are strong so that a median over three Tweets elsewhere rarely outdoes them.
_BEST_SLOT_HOURS = 3
_BEST_SLOT_FACTORS = ((11.0, 12.0), (9.5, 10.5), (8.0, 9.0))
# Accounts post more in their best slots (they have learnt them), which steadies the medians.
_BEST_SLOT_POSTING = 3.0
# Best slots sit near the posting peak in the zone's standard time (a fixed reference day).
_STANDARD_TIME_AT = datetime(2026, 1, 15)
# A Tweet's follows arrive over its first hours; after this age it has brought them all.
_FOLLOWS_DONE_H = 72
_DAY_MS = 24 * _HOUR_MS
# Users that an account follows, added at this rate from the history start.
_FOLLOWING_PER_DAY = 0.2
# Likes the account itself gives per Tweet it posts per day over its life (like_count).
_LIKES_PER_TWEET_DAY = 1.5

# Age warp: two sinusoids whose summed slope (amp * angular frequency) stays below 1.
_WARP_FAST = (0.03, 2 * math.pi / 0.75)
_WARP_SLOW = (0.25, 2 * math.pi / 5.0)

_PUBLIC_FIELDS = (
    "retweet_count",
    "reply_count",
    "like_count",
    "quote_count",
    "bookmark_count",
    "impression_count",
)
_ORGANIC_FIELDS = (
    "impression_count",
    "like_count",
    "reply_count",
    "retweet_count",
    "url_link_clicks",
    "user_profile_clicks",
)
_PLAYBACK_FIELDS = (
    "playback_0_count",
    "playback_25_count",
    "playback_50_count",
    "playback_75_count",
    "playback_100_count",
)
_QUOTE_REACTIONS = (
    "This!",
    "Couldn't agree more.",
    "Worth a read.",
    "Love this.",
    "Proud to see this.",
    "So good.",
)


@dataclass(frozen=True)
class SimUser:
    """A simulated X account."""

    id: str
    username: str
    name: str
    protected: bool
    created_at: datetime
    description: str
    followers_count: int  # at the history's start; World.user_metrics gives them at any instant
    following_count: int


@dataclass(frozen=True)
class SimTweet:
    """A simulated Tweet; its metrics come from ``World.tweet_metrics``."""

    id: str
    author_id: str
    created_at: datetime
    text: str
    kind: str
    conversation_id: str
    in_reply_to_user_id: str | None
    referenced_tweets: tuple[tuple[str, str], ...]
    media_keys: tuple[str, ...]
    media_source_tweet_id: str | None
    promoted: bool
    lang: str
    possibly_sensitive: bool


@dataclass(frozen=True)
class SimMedia:
    """A simulated photo or video; ``tweet_ids`` lists every carrier, including future ones."""

    media_key: str
    type: str
    duration_ms: int | None
    width: int
    height: int
    preview_image_url: str
    owner_id: str
    tweet_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Profile:
    index: int  # the user's place in the snowflake's worker bits, 1..5
    user_id: str
    username: str
    name: str
    description: str
    protected: bool
    account_age_days: int
    followers_count: int
    following_count: int
    tweets_per_day: float
    peak_hour_utc: int
    kind_weights: tuple[tuple[str, float], ...]
    video_share: float  # of all non-retweets
    photo_share: float
    link_share: float  # of originals
    promoted_share: float  # of originals
    reuse_share: float  # of originals that re-post an earlier video
    reach_median: float  # eventual organic impressions of a typical original
    reach_sigma: float
    tau_median_h: float
    partner: int  # whose Tweets this user retweets, quotes and replies to
    items: tuple[str, ...]
    templates: tuple[str, ...]
    replies: tuple[str, ...]
    hashtags: tuple[str, ...]
    link_paths: tuple[str, ...]
    timezone: str  # IANA name: where the account's audience lives
    follow_rate: float  # eventual follows per organic impression of a Tweet
    churn_per_day: float  # share of the starting followers lost each day
    like_count_hidden: bool = False  # answers public_metrics without like_count


_PROFILES = {
    1: _Profile(
        index=1,
        user_id="1700000000000000001",
        username="sandbox_demo",
        name="Demo Bakery",
        description="Neighbourhood bakery. Sourdough daily from 7am. Sandbox account.",
        protected=False,
        account_age_days=2400,
        followers_count=12_480,
        following_count=311,
        tweets_per_day=8,
        peak_hour_utc=14,
        kind_weights=(("original", 0.72), ("reply", 0.15), ("retweet", 0.06), ("quote", 0.07)),
        video_share=0.15,
        photo_share=0.10,
        link_share=0.30,
        promoted_share=0.05,
        reuse_share=0.02,
        reach_median=1_800,
        reach_sigma=0.9,
        tau_median_h=2.5,
        partner=5,
        items=(
            "sourdough loaves",
            "cinnamon rolls",
            "almond croissants",
            "rye loaves",
            "lemon tarts",
            "brioche buns",
            "apple turnovers",
            "seeded baguettes",
            "chocolate babka",
            "olive focaccia",
        ),
        templates=(
            "Fresh {item} just came out of the oven.",
            "Our {item} sold out before noon. More tomorrow at 7!",
            "Testing a new recipe for {item} this week. Thoughts?",
            "Behind the scenes: shaping {item} at 5am.",
            "Weekend special: {item} and a coffee for $6.",
            "Who else thinks {item} taste best still warm?",
            "Pre-orders for {item} are open for Saturday.",
        ),
        replies=(
            "Thank you so much!",
            "We keep a few aside every morning, come early.",
            "Glad you enjoyed them!",
            "Yes, we open at 7 on weekdays.",
            "That means a lot to the whole team.",
            "Noted, we'll bake an extra batch.",
        ),
        hashtags=("#bakery", "#sourdough", "#shoplocal", "#freshbread"),
        link_paths=("menu", "order", "blog"),
        timezone="Europe/London",
        follow_rate=0.003,
        churn_per_day=0.0008,
    ),
    2: _Profile(
        index=2,
        user_id="1700000000000000002",
        username="sandbox_newcomer",
        name="Newcomer Studio",
        description="A two-person design studio, new here. Sandbox account.",
        protected=False,
        account_age_days=75,
        followers_count=87,
        following_count=140,
        tweets_per_day=3,
        peak_hour_utc=13,
        kind_weights=(("original", 0.85), ("reply", 0.10), ("retweet", 0.03), ("quote", 0.02)),
        video_share=0.08,
        photo_share=0.12,
        link_share=0.20,
        promoted_share=0.01,
        reuse_share=0.0,
        reach_median=150,
        reach_sigma=0.8,
        tau_median_h=3.0,
        partner=5,
        items=(
            "logo sketches",
            "poster series",
            "brand palette",
            "animation loop",
            "type study",
            "product shoot",
            "zine layout",
        ),
        templates=(
            "Sharing some {item} from this week.",
            "Work in progress: {item} for a new client.",
            "Finally happy with this {item}.",
            "Quick process video of our {item}.",
            "Small studio, big week: the {item} is done.",
        ),
        replies=(
            "Thanks for the kind words!",
            "Happy to share the process soon.",
            "Appreciate it!",
            "More coming next week.",
        ),
        hashtags=("#design", "#illustration", "#smallstudio"),
        link_paths=("work", "shop"),
        timezone="Europe/Berlin",
        follow_rate=0.01,
        churn_per_day=0.002,
    ),
    3: _Profile(
        index=3,
        user_id="1700000000000000003",
        username="sandbox_big",
        name="Big Brand",
        description="Official account of Big Brand. Built for every mile. Sandbox account.",
        protected=False,
        account_age_days=4500,
        followers_count=2_350_000,
        following_count=1_204,
        tweets_per_day=100,
        peak_hour_utc=17,
        kind_weights=(("original", 0.75), ("reply", 0.12), ("retweet", 0.05), ("quote", 0.08)),
        video_share=0.15,
        photo_share=0.10,
        link_share=0.35,
        promoted_share=0.03,
        reuse_share=0.01,
        reach_median=45_000,
        reach_sigma=1.1,
        tau_median_h=1.5,
        partner=5,
        items=(
            "new runners",
            "spring collection",
            "limited drop",
            "training app update",
            "flagship store",
            "summer campaign",
            "trail shoes",
            "recycled line",
        ),
        templates=(
            "Meet the {item}. Available now.",
            "Introducing the {item}.",
            "48 hours left: shop the {item}.",
            "Built for every mile: the {item}.",
            "How would you style the {item}?",
            "Now in stores and online: the {item}.",
        ),
        replies=(
            "Thanks for running with us!",
            "Our team will DM you shortly.",
            "Love to see it!",
            "Sizes restock on Friday.",
            "Great question, the details are on our site.",
        ),
        hashtags=("#RunYourWay", "#NewDrop", "#BigBrand"),
        link_paths=("shop", "launch", "stores"),
        timezone="America/New_York",
        follow_rate=0.001,
        churn_per_day=0.0008,
    ),
    4: _Profile(
        index=4,
        user_id="1700000000000000004",
        username="sandbox_private",
        name="Private Person",
        description="Just me. Sandbox account.",
        protected=True,
        account_age_days=1500,
        followers_count=142,
        following_count=198,
        tweets_per_day=2,
        peak_hour_utc=19,
        kind_weights=(("original", 0.80), ("reply", 0.20), ("retweet", 0.0), ("quote", 0.0)),
        video_share=0.03,
        photo_share=0.10,
        link_share=0.05,
        promoted_share=0.0,
        reuse_share=0.0,
        reach_median=40,
        reach_sigma=0.6,
        tau_median_h=3.0,
        partner=5,
        items=(
            "garden",
            "weekend hike",
            "book club pick",
            "sourdough starter",
            "morning run",
            "balcony tomatoes",
        ),
        templates=(
            "Quiet day with the {item}.",
            "Small update on the {item}.",
            "Not sure about the {item} yet.",
            "Thinking about the {item} again.",
        ),
        replies=("Ha, same here.", "Miss you too!", "See you Sunday.", "Thanks, will do."),
        hashtags=(),
        link_paths=("notes",),
        timezone="America/Chicago",
        follow_rate=0.01,
        churn_per_day=0.001,
    ),
    5: _Profile(
        index=5,
        user_id="1700000000000000005",
        username="sandbox_other",
        name="Other Account",
        description="Local news and events. Sandbox account.",
        protected=False,
        account_age_days=3000,
        followers_count=5_630,
        following_count=820,
        tweets_per_day=4,
        peak_hour_utc=12,
        kind_weights=(("original", 0.80), ("reply", 0.12), ("retweet", 0.04), ("quote", 0.04)),
        video_share=0.08,
        photo_share=0.10,
        link_share=0.30,
        promoted_share=0.0,
        reuse_share=0.0,
        reach_median=700,
        reach_sigma=0.9,
        tau_median_h=2.5,
        partner=1,
        items=(
            "farmers market",
            "street festival",
            "new bike lanes",
            "library reopening",
            "jazz night",
            "river cleanup",
            "council vote",
        ),
        templates=(
            "Reminder: the {item} is this Saturday.",
            "Photos from the {item} are up.",
            "Big turnout at the {item} today.",
            "What do you think about the {item}?",
            "Everything you need to know about the {item}.",
        ),
        replies=(
            "Thanks for the tip!",
            "Agreed, see you there.",
            "Good point, we'll look into it.",
            "Shared with the organisers.",
        ),
        hashtags=("#local", "#community"),
        link_paths=("news", "events"),
        timezone="Europe/Paris",
        follow_rate=0.003,
        churn_per_day=0.0008,
        like_count_hidden=True,
    ),
}


# Generated accounts (World(generated_users=N)) take the snowflake worker bits after the
# five fixed users: 10 bits, so at most 1,023 users in all.
MAX_GENERATED_USERS = 0x3FF - len(_PROFILES)
_GENERATED_TIMEZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
)


def _generated_profile(seed: int, number: int, live_tweets: int) -> _Profile:
    """Generated account ``number`` (from 1): a small business in the demo bakery's voice,
    posting originals and replies only (every one polled), with its own rhythm, audience
    and reach drawn from the seed."""
    rng = _rng(seed, "generated", number)
    index = len(_PROFILES) + number
    return replace(
        _PROFILES[1],
        index=index,
        user_id=str(1_700_000_000_000_000_000 + index),
        username=f"sandbox_gen{number:04d}",
        name=f"Generated Shop {number}",
        description="A generated account for the scale benchmark. Sandbox account.",
        account_age_days=int(rng.uniform(400, 3000)),
        followers_count=int(_lognormal(rng, 3_000, 1.0)),
        following_count=int(rng.uniform(50, 900)),
        tweets_per_day=live_tweets / 30,
        peak_hour_utc=int(rng.random() * 24),
        kind_weights=(("original", 0.9), ("reply", 0.1), ("retweet", 0.0), ("quote", 0.0)),
        promoted_share=0.03,
        reuse_share=0.0,
        reach_median=_lognormal(rng, 1_500, 0.7),
        timezone=_pick(rng, _GENERATED_TIMEZONES),
    )


class Takeoff(NamedTuple):
    """From ``at`` on, a Tweet's organic counts grow ``factor`` times as fast: how the world
    makes a Tweet take off (set through /__sandbox__/takeoff, kept in the sandbox's store)."""

    factor: float
    at: datetime


class BestSlot(NamedTuple):
    """A local (weekday, hour) where the user's Tweets reach ``factor`` times more people.

    ``weekday`` counts from Monday = 0, as ``datetime.weekday()`` does.
    """

    weekday: int
    hour: int
    factor: float


class _Slot(NamedTuple):
    """What a bucket draw says about one Tweet, before cross-references are resolved."""

    ms: int
    seq: int
    kind: str  # the intended kind; a reference with no target falls back to "original"
    media: str | None  # "video" | "photo" | "reuse" | None
    has_link: bool
    promoted: bool
    sensitive: bool
    draw: int  # seeds the Tweet's text and reference choices


class _Model(NamedTuple):
    """A Tweet's metric parameters: eventual totals, timing and warp phases."""

    tau_h: float
    tail_share: float
    tail_tau_h: float
    organic: tuple[tuple[str, float, float, float], ...]  # (field, total, phase, phase)
    unlikes: tuple[tuple[float, int], ...]  # (age in hours, likes withdrawn)
    paid_delay_h: float
    paid_length_h: float
    paid: tuple[tuple[str, float, float, float], ...]  # empty unless promoted
    video_start: float  # share of organic impressions that start the video
    video_view: float  # share of starts that count as a view
    paid_video_start: float
    paid_video_view: float


def _rng(*parts: object) -> random.Random:
    """A generator seeded from a stable digest of ``parts`` (never Python's salted hash)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _normal(rng: random.Random) -> float:
    """A standard normal draw (Box-Muller), built only on ``random()`` for stability."""
    return math.sqrt(-2.0 * math.log(1.0 - rng.random())) * math.cos(2 * math.pi * rng.random())


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(sigma * _normal(rng))


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's Poisson draw; the hourly means here are small."""
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _pick(rng: random.Random, options: Sequence[_T]) -> _T:
    return options[int(rng.random() * len(options))]


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _unix_ms(moment: datetime) -> int:
    """Milliseconds since 1970 (naive datetimes count as UTC)."""
    return (_as_utc(moment) - _UNIX_EPOCH) // timedelta(milliseconds=1)


def _second_ms(now: datetime) -> int:
    """``now`` truncated to whole seconds: metrics are the same all through one second."""
    return (_as_utc(now) - _UNIX_EPOCH) // timedelta(seconds=1) * 1000


def _snowflake(ms: int, user_index: int, seq: int) -> str:
    return str(((ms - TWITTER_EPOCH_MS) << 22) | (user_index << 12) | seq)


def _decode(tweet_id: object) -> tuple[int, int, int] | None:
    """(created ms, user index, sequence) of a canonical snowflake string, else None."""
    if not isinstance(tweet_id, str) or not _ID_RE.fullmatch(tweet_id):
        return None
    value = int(tweet_id)
    if str(value) != tweet_id:  # leading zeros: not an id X would hand out
        return None
    return (value >> 22) + TWITTER_EPOCH_MS, (value >> 12) & 0x3FF, value & 0xFFF


def _created_ms(tweet: SimTweet) -> int:
    return (int(tweet.id) >> 22) + TWITTER_EPOCH_MS


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _post_text(profile: _Profile, slot: _Slot) -> str:
    """Text of an original or quote; depends on the slot alone, so retweets can copy it."""
    rng = random.Random(f"{slot.draw}:text")
    sentence = _pick(rng, profile.templates).format(item=_pick(rng, profile.items))
    if slot.kind == "quote":
        return f"{_pick(rng, _QUOTE_REACTIONS)} {sentence}"
    if profile.hashtags and rng.random() < 0.3:
        sentence += f" {_pick(rng, profile.hashtags)}"
    if slot.has_link:
        sentence += f" https://example.com/{_pick(rng, profile.link_paths)}/{slot.draw % 10_000}"
    return sentence


def _rhythm(hour: int, peak_hour_utc: int) -> float:
    """Day/night posting rhythm with mean 1 over a day."""
    return 1.0 + 0.6 * math.cos(2 * math.pi * ((hour % 24) - peak_hour_utc) / 24)


def _warp(age_h: float, phase_fast: float, phase_slow: float) -> float:
    """Age plus a small smooth wobble; 0 at 0 and strictly increasing (slope 1 +- 0.57)."""
    amp_fast, freq_fast = _WARP_FAST
    amp_slow, freq_slow = _WARP_SLOW
    return (
        age_h
        + amp_fast * (math.sin(freq_fast * age_h + phase_fast) - math.sin(phase_fast))
        + amp_slow * (math.sin(freq_slow * age_h + phase_slow) - math.sin(phase_slow))
    )


def _organic_counts(model: _Model, age_h: float) -> dict[str, int]:
    counts = {}
    for field, total, phase_fast, phase_slow in model.organic:
        age = _warp(age_h, phase_fast, phase_slow)
        share = (1.0 - model.tail_share) * -math.expm1(-age / model.tau_h)
        share += model.tail_share * -math.expm1(-age / model.tail_tau_h)
        counts[field] = int(total * share)
    withdrawn = sum(size for at_h, size in model.unlikes if at_h <= age_h)
    counts["like_count"] = max(0, counts["like_count"] - withdrawn)
    return counts


def _taken_off(model: _Model, age_h: float, takeoff_h: float, factor: float) -> dict[str, int]:
    """Organic counts of a Tweet that took off at age ``takeoff_h``: as before until then,
    then every count grows ``factor`` times as fast as it would have (capped in int32)."""
    counts = _organic_counts(model, age_h)
    if age_h <= takeoff_h:
        return counts
    before = _organic_counts(model, max(0.0, takeoff_h))
    return {
        field: max(0, min(_MAX_TAKEOFF_COUNT, before[field] + int(factor * (n - before[field]))))
        for field, n in counts.items()
    }


def _paid_counts(model: _Model, age_h: float) -> dict[str, int]:
    campaign_h = age_h - model.paid_delay_h
    if campaign_h <= 0:
        return dict.fromkeys(_ORGANIC_FIELDS, 0)
    tau_h = model.paid_length_h / 2
    full = -math.expm1(-model.paid_length_h / tau_h)
    counts = {}
    for field, total, phase_fast, phase_slow in model.paid:
        age = _warp(campaign_h, phase_fast, phase_slow)
        counts[field] = int(total * min(1.0, -math.expm1(-age / tau_h) / full))
    return counts


def _playback(impressions: int, start: float, view: float, retention: tuple) -> list[int]:
    """The five quartile counts then view_count; chained floors keep the quartiles ordered."""
    counts = [int(impressions * start)]
    for keep in retention:
        counts.append(int(counts[-1] * keep))
    counts.append(int(counts[0] * view))
    return counts


class World:
    """The simulated X world of one ``(seed, epoch)``; every answer is deterministic."""

    def __init__(
        self, seed: int, epoch: datetime, generated_users: int = 0, live_tweets: int = 300
    ):
        """``generated_users`` adds that many accounts to the five fixed ones, each posting
        about ``live_tweets`` Tweets per 30 days (the scale benchmark's agency)."""
        if not 0 <= generated_users <= MAX_GENERATED_USERS:
            raise ValueError(f"generated_users must be 0 to {MAX_GENERATED_USERS}")
        self.seed = seed
        self.epoch = _as_utc(epoch)
        self._profiles = dict(_PROFILES)
        for number in range(1, generated_users + 1):
            profile = _generated_profile(seed, number, live_tweets)
            self._profiles[profile.index] = profile
        self._start_ms = _unix_ms(self.epoch) - HISTORY // timedelta(milliseconds=1)
        if self._start_ms < TWITTER_EPOCH_MS:
            raise ValueError("the world's history must start after X's snowflake epoch (2010)")
        self._start_hour = self._start_ms // _HOUR_MS
        self.users = tuple(self._make_user(profile) for profile in self._profiles.values())
        self._users_by_id = {user.id: user for user in self.users}
        self._users_by_name = {user.username.lower(): user for user in self.users}
        self._index_by_user_id = {p.user_id: p.index for p in self._profiles.values()}
        # Per-instance caches keyed by immutable inputs; bounded so a long-lived server is safe.
        self._slots = functools.lru_cache(maxsize=_CACHE_BUCKETS)(self._draw_slots)
        self._bucket = functools.lru_cache(maxsize=_CACHE_BUCKETS)(self._build_bucket)
        self._reuse_source = functools.lru_cache(maxsize=_CACHE_ITEMS)(self._resolve_reuse)
        self._model = functools.lru_cache(maxsize=_CACHE_ITEMS)(self._build_model)
        self._media_record = functools.lru_cache(maxsize=_CACHE_ITEMS)(self._build_media)
        self._retention = functools.lru_cache(maxsize=_CACHE_ITEMS)(self._build_retention)
        self._follows = functools.lru_cache(maxsize=_CACHE_ITEMS)(self._build_follows)
        self._bucket_follows = functools.lru_cache(maxsize=_CACHE_BUCKETS)(self._sum_follows)
        self._best = {p.index: self._draw_best_slots(p) for p in self._profiles.values()}

    # Public interface

    def user(self, user_id: str) -> SimUser | None:
        """The user with this numeric id, or None."""
        return self._users_by_id.get(user_id) if isinstance(user_id, str) else None

    def user_by_username(self, username: str) -> SimUser | None:
        """The user with this handle (case-insensitive, no leading @), or None."""
        return self._users_by_name.get(username.lower()) if isinstance(username, str) else None

    def timezone(self, username: str) -> str:
        """The IANA timezone of the user's audience (where its best slots are local)."""
        return self._profiles[self._index_of(username)].timezone

    def best_slots(self, username: str) -> tuple[BestSlot, ...]:
        """The user's three best local (weekday, hour) slots, the strongest first."""
        return self._best[self._index_of(username)]

    def timing_factor(self, tweet: SimTweet) -> float:
        """How many times its usual reach the Tweet gets for its local weekday and hour."""
        profile = self._profiles[self._index_by_user_id[tweet.author_id]]
        slot = self._in_best_slot(profile, _created_ms(tweet))
        return slot.factor if slot else 1.0

    def user_metrics(self, user_id: str, now: datetime) -> dict[str, int]:
        """The user's ``public_metrics`` at now, with X's wire names.

        ``like_count`` is optional in X's spec; a user with ``like_count_hidden`` leaves it out.
        """
        index = self._index_by_user_id[user_id]
        profile = self._profiles[index]
        now_ms = _second_ms(now)
        elapsed_days = max(0, now_ms - self._start_ms) / _DAY_MS
        followers = self.followers(user_id, now)
        earlier = int(profile.tweets_per_day * (profile.account_age_days - HISTORY.days) * 0.6)
        metrics = {
            "followers_count": followers,
            "following_count": profile.following_count + int(elapsed_days * _FOLLOWING_PER_DAY),
            "tweet_count": earlier + self._posted_count(index, now_ms),
            "listed_count": followers // 200,
        }
        if not profile.like_count_hidden:
            age_days = profile.account_age_days - HISTORY.days + elapsed_days
            metrics["like_count"] = int(age_days * profile.tweets_per_day * _LIKES_PER_TWEET_DAY)
        return metrics

    def followers(self, user_id: str, now: datetime) -> int:
        """Followers at now: the starting count, plus every Tweet's follows so far, less churn."""
        index = self._index_by_user_id[user_id]
        profile = self._profiles[index]
        now_ms = _second_ms(now)
        if now_ms < self._start_ms:
            return profile.followers_count
        live_hour = max(self._start_hour, (now_ms - _FOLLOWS_DONE_H * _HOUR_MS) // _HOUR_MS)
        gained = 0.0
        for hour in range(self._start_hour, live_hour):
            gained += self._bucket_follows(index, hour)
        for hour in range(live_hour, now_ms // _HOUR_MS + 1):
            for tweet in self._bucket(index, hour):
                gained += self._follows_at(tweet, now_ms)
        churn = profile.followers_count * profile.churn_per_day * (now_ms - self._start_ms)
        return max(0, profile.followers_count + int(gained) - int(churn / _DAY_MS))

    def tweet(self, tweet_id: str, now: datetime) -> SimTweet | None:
        """The Tweet with this id if it exists in this world and is posted at or before now."""
        decoded = _decode(tweet_id)
        if decoded is None:
            return None
        ms, user_index, _ = decoded
        if user_index not in self._profiles or not self._start_ms <= ms <= _unix_ms(now):
            return None
        for tweet in self._bucket(user_index, ms // _HOUR_MS):
            if tweet.id == tweet_id:
                return tweet
        return None

    def timeline(self, user_id: str, now: datetime) -> list[SimTweet]:
        """Every Tweet of the user posted from ``epoch - 60 days`` up to now, newest first."""
        user_index = self._index_by_user_id.get(user_id) if isinstance(user_id, str) else None
        now_ms = _unix_ms(now)
        if user_index is None or now_ms < self._start_ms:
            return []
        now_hour = now_ms // _HOUR_MS
        tweets = [
            t for t in reversed(self._bucket(user_index, now_hour)) if _created_ms(t) <= now_ms
        ]
        for hour in range(now_hour - 1, self._start_hour - 1, -1):
            tweets.extend(reversed(self._bucket(user_index, hour)))
        return tweets

    def media(self, media_key: str, now: datetime) -> SimMedia | None:
        """The photo or video with this key if its first carrying Tweet is posted by now."""
        if not isinstance(media_key, str) or not _MEDIA_KEY_RE.fullmatch(media_key):
            return None
        first = self.tweet(media_key[2:], now)
        if first is None or first.media_keys != (media_key,) or first.media_source_tweet_id:
            return None
        return self._media_record(media_key)

    def next_tweet(self, user_id: str, after: datetime) -> SimTweet | None:
        """The user's first Tweet (not a Retweet) posted after ``after``, within 30 days;
        the world is a function of time, so the future is known."""
        user_index = self._index_by_user_id.get(user_id) if isinstance(user_id, str) else None
        if user_index is None:
            return None
        after_ms = _unix_ms(after)
        first_hour = max(self._start_hour, after_ms // _HOUR_MS)
        for hour in range(first_hour, first_hour + _NEXT_TWEET_SCAN_H):
            for tweet in self._bucket(user_index, hour):
                if tweet.kind != "retweet" and _created_ms(tweet) > after_ms:
                    return tweet
        return None

    def _organic(self, tweet: SimTweet, age_h: float, takeoff: Takeoff | None) -> dict[str, int]:
        model = self._model(tweet)
        if takeoff is None:
            return _organic_counts(model, age_h)
        takeoff_h = (_unix_ms(takeoff.at) - _created_ms(tweet)) / _HOUR_MS
        return _taken_off(model, age_h, takeoff_h, takeoff.factor)

    def tweet_metrics(
        self, tweet: SimTweet, now: datetime, takeoff: Takeoff | None = None
    ) -> dict[str, dict[str, int]]:
        """All metric groups of the Tweet at now, with X's wire names; totals = organic + paid.

        Values are evaluated at ``now`` truncated to whole seconds and are zero before the
        Tweet is posted. ``promoted_metrics`` is present only for promoted Tweets. A retweet
        carries the original's retweet_count, zeros for its other public counts and no
        private group (FACTS.md, "Retweets made by the account"). A ``takeoff`` makes its
        organic counts grow faster from an instant on.
        """
        if tweet.kind == "retweet":
            return self._retweet_metrics(tweet, now)
        age_h = max(0, _second_ms(now) - _created_ms(tweet)) / _HOUR_MS
        model = self._model(tweet)
        organic = self._organic(tweet, age_h, takeoff)
        paid = _paid_counts(model, age_h) if tweet.promoted else None

        def total(field: str) -> int:
            return organic[field] + (paid[field] if paid else 0)

        metrics = {
            "public_metrics": {
                "retweet_count": total("retweet_count"),
                "reply_count": total("reply_count"),
                "like_count": total("like_count"),
                "quote_count": organic["quote_count"],
                "bookmark_count": organic["bookmark_count"],
                "impression_count": total("impression_count"),
            },
            "non_public_metrics": {
                "impression_count": total("impression_count"),
                "url_link_clicks": total("url_link_clicks"),
                "user_profile_clicks": total("user_profile_clicks"),
            },
            "organic_metrics": {field: organic[field] for field in _ORGANIC_FIELDS},
        }
        if paid is not None:
            metrics["promoted_metrics"] = paid
        return metrics

    def media_metrics(
        self, media: SimMedia, now: datetime, takeoffs: Mapping[str, Takeoff] | None = None
    ) -> dict[str, dict[str, int]]:
        """A video's metric groups at now, summed over its carrying Tweets; ``{}`` for photos.
        ``takeoffs`` ({Tweet id: Takeoff}) are those of the carrying Tweets that took off.

        ``promoted_metrics`` is present once a promoted carrying Tweet is posted.
        """
        if media.type != "video":
            return {}
        retention = self._retention(media.media_key, media.duration_ms)
        evaluated_ms = _second_ms(now)
        organic = [0] * 6
        paid = [0] * 6
        any_promoted = False
        for tweet_id in media.tweet_ids:
            tweet = self.tweet(tweet_id, now)
            if tweet is None:
                continue
            model = self._model(tweet)
            age_h = max(0, evaluated_ms - _created_ms(tweet)) / _HOUR_MS
            takeoff = (takeoffs or {}).get(tweet_id)
            impressions = self._organic(tweet, age_h, takeoff)["impression_count"]
            counts = _playback(impressions, model.video_start, model.video_view, retention)
            organic = [a + b for a, b in zip(organic, counts, strict=True)]
            if tweet.promoted:
                any_promoted = True
                impressions = _paid_counts(model, age_h)["impression_count"]
                counts = _playback(
                    impressions, model.paid_video_start, model.paid_video_view, retention
                )
                paid = [a + b for a, b in zip(paid, counts, strict=True)]
        totals = [a + b for a, b in zip(organic, paid, strict=True)]
        fields = (*_PLAYBACK_FIELDS, "view_count")
        metrics = {
            "public_metrics": {"view_count": totals[5]},
            "non_public_metrics": dict(zip(_PLAYBACK_FIELDS, totals[:5], strict=True)),
            "organic_metrics": dict(zip(fields, organic, strict=True)),
        }
        if any_promoted:
            metrics["promoted_metrics"] = dict(zip(fields, paid, strict=True))
        return metrics

    # Users and posting

    def _index_of(self, username: str) -> int:
        user = self.user_by_username(username)
        if user is None:
            raise KeyError(f"no sandbox user {username!r}")
        return self._index_by_user_id[user.id]

    def _draw_best_slots(self, profile: _Profile) -> tuple[BestSlot, ...]:
        """Three distinct local slots near the user's posting peak, drawn from the seed."""
        rng = _rng(self.seed, "best-slots", profile.index)
        offset = ZoneInfo(profile.timezone).utcoffset(_STANDARD_TIME_AT)
        peak = profile.peak_hour_utc + round(offset / timedelta(hours=1))
        candidates = [
            (weekday, (peak + delta) % 24)
            for weekday in range(7)
            for delta in range(-_BEST_SLOT_HOURS, _BEST_SLOT_HOURS + 1)
        ]
        slots = []
        for low, high in _BEST_SLOT_FACTORS:
            weekday, hour = candidates.pop(int(rng.random() * len(candidates)))
            slots.append(BestSlot(weekday, hour, round(rng.uniform(low, high), 2)))
        return tuple(slots)

    def _in_best_slot(self, profile: _Profile, ms: int) -> BestSlot | None:
        """The best slot that this instant falls in, in the user's local time, if any."""
        local = (_UNIX_EPOCH + timedelta(milliseconds=ms)).astimezone(ZoneInfo(profile.timezone))
        for slot in self._best[profile.index]:
            if (slot.weekday, slot.hour) == (local.weekday(), local.hour):
                return slot
        return None

    def _build_follows(self, tweet: SimTweet) -> tuple[float, float]:
        """(eventual follows, time constant in hours) of a Tweet; a retweet brings none."""
        if tweet.kind == "retweet":
            return 0.0, 1.0
        model = self._model(tweet)
        organic_reach = next(
            total for field, total, *_ in model.organic if field == "impression_count"
        )
        rate = self._profiles[self._index_by_user_id[tweet.author_id]].follow_rate
        return organic_reach * rate, model.tau_h

    def _follows_at(self, tweet: SimTweet, now_ms: int) -> float:
        age_h = (now_ms - _created_ms(tweet)) / _HOUR_MS
        total, tau_h = self._follows(tweet)
        if age_h < 0:
            return 0.0
        if age_h >= _FOLLOWS_DONE_H:
            return total
        return total * -math.expm1(-age_h / tau_h)

    def _sum_follows(self, user_index: int, hour: int) -> float:
        """Every follow that the Tweets of one UTC hour bucket bring, once they are done."""
        return sum(self._follows(tweet)[0] for tweet in self._bucket(user_index, hour))

    def _posted_count(self, user_index: int, now_ms: int) -> int:
        now_hour = now_ms // _HOUR_MS
        if now_ms < self._start_ms:
            return 0
        count = sum(
            len(self._slots(user_index, hour)) for hour in range(self._start_hour, now_hour)
        )
        return count + sum(1 for slot in self._slots(user_index, now_hour) if slot.ms <= now_ms)

    def _make_user(self, profile: _Profile) -> SimUser:
        created_at = self.epoch - timedelta(days=profile.account_age_days)
        return SimUser(
            id=profile.user_id,
            username=profile.username,
            name=profile.name,
            protected=profile.protected,
            created_at=created_at.replace(microsecond=0),
            description=profile.description,
            followers_count=profile.followers_count,
            following_count=profile.following_count,
        )

    def _draw_slots(self, user_index: int, hour: int) -> tuple[_Slot, ...]:
        """The posting draw of one user for one UTC hour; it depends on (seed, user, hour) only."""
        profile = self._profiles[user_index]
        rng = _rng(self.seed, "slots", user_index, hour)
        mean = profile.tweets_per_day / 24 * _rhythm(hour, profile.peak_hour_utc)
        if self._in_best_slot(profile, hour * _HOUR_MS):
            mean *= _BEST_SLOT_POSTING
        count = min(_poisson(rng, mean), 0xFFF)  # the snowflake has 12 sequence bits
        offsets = sorted(int(rng.random() * _HOUR_MS) for _ in range(count))
        slots = []
        for seq, offset in enumerate(offsets):
            # A fixed number of draws per slot, so one slot's kind never shifts another's.
            u_kind, u_media, u_reuse, u_link, u_promo, u_sensitive = (
                rng.random() for _ in range(6)
            )
            draw = rng.getrandbits(64)
            kind = "original"
            for name, weight in profile.kind_weights:
                if u_kind < weight:
                    kind = name
                    break
                u_kind -= weight
            original = kind == "original"
            if kind == "retweet":
                media = None
            elif original and u_reuse < profile.reuse_share:
                media = "reuse"
            elif u_media < profile.video_share:
                media = "video"
            elif u_media < profile.video_share + profile.photo_share:
                media = "photo"
            else:
                media = None
            ms = hour * _HOUR_MS + offset
            if ms < self._start_ms:
                continue
            slots.append(
                _Slot(
                    ms=ms,
                    seq=seq,
                    kind=kind,
                    media=media,
                    has_link=original and u_link < profile.link_share,
                    promoted=original and u_promo < profile.promoted_share,
                    sensitive=kind != "retweet" and u_sensitive < 0.005,
                    draw=draw,
                )
            )
        return tuple(slots)

    def _build_bucket(self, user_index: int, hour: int) -> tuple[SimTweet, ...]:
        return tuple(
            self._realise(user_index, hour, slot) for slot in self._slots(user_index, hour)
        )

    def _realise(self, user_index: int, hour: int, slot: _Slot) -> SimTweet:
        """Turn a slot into a Tweet, resolving its reply, retweet, quote or re-used video."""
        profile = self._profiles[user_index]
        tweet_id = _snowflake(slot.ms, user_index, slot.seq)
        rng = random.Random(f"{slot.draw}:refs")
        target_index = profile.partner
        if slot.kind == "reply" and rng.random() < 0.5:
            target_index = user_index  # a self-thread
        target = None if slot.kind == "original" else self._find_target(target_index, hour, rng)
        kind = slot.kind if target else "original"
        text = _post_text(profile, slot)
        conversation_id = tweet_id
        in_reply_to_user_id = None
        referenced: tuple[tuple[str, str], ...] = ()
        if target:
            target_profile = self._profiles[target_index]
            target_id = _snowflake(target.ms, target_index, target.seq)
            if kind == "reply":
                text = f"@{target_profile.username} {_pick(rng, profile.replies)}"
                conversation_id = target_id  # targets are never replies, so they are roots
                in_reply_to_user_id = target_profile.user_id
                referenced = (("replied_to", target_id),)
            elif kind == "retweet":
                text = _clip(f"RT @{target_profile.username}: {_post_text(target_profile, target)}")
                referenced = (("retweeted", target_id),)
            else:
                referenced = (("quoted", target_id),)
        media_keys: tuple[str, ...] = ()
        media_source_tweet_id = None
        if slot.media == "video":
            media_keys = (f"7_{tweet_id}",)
        elif slot.media == "photo":
            media_keys = (f"3_{tweet_id}",)
        elif slot.media == "reuse":
            source = self._reuse_source(user_index, hour, slot)
            if source:
                media_source_tweet_id = _snowflake(source.ms, user_index, source.seq)
                media_keys = (f"7_{media_source_tweet_id}",)
        return SimTweet(
            id=tweet_id,
            author_id=profile.user_id,
            created_at=_UNIX_EPOCH + timedelta(milliseconds=slot.ms),
            text=text,
            kind=kind,
            conversation_id=conversation_id,
            in_reply_to_user_id=in_reply_to_user_id,
            referenced_tweets=referenced,
            media_keys=media_keys,
            media_source_tweet_id=media_source_tweet_id,
            promoted=slot.promoted,
            lang="en",
            possibly_sensitive=slot.sensitive,
        )

    def _find_target(self, user_index: int, before_hour: int, rng: random.Random) -> _Slot | None:
        """An original or quote of the user from an earlier hour, recent ones first."""
        first = before_hour - 1 - int(rng.random() * _TARGET_SPREAD_H)
        last = max(first - _TARGET_SCAN_H, self._start_hour - 1)
        for hour in range(first, last, -1):
            candidates = [
                s for s in self._slots(user_index, hour) if s.kind in ("original", "quote")
            ]
            if candidates:
                return candidates[int(rng.random() * len(candidates))]
        return None

    def _resolve_reuse(self, user_index: int, hour: int, slot: _Slot) -> _Slot | None:
        """The earlier video that a "reuse" slot re-posts: one of the user's fresh videos."""
        first = max(hour - _REUSE_MAX_H, self._start_hour)
        candidates = [
            earlier
            for source_hour in range(first, hour - _REUSE_MIN_H + 1)
            for earlier in self._slots(user_index, source_hour)
            if earlier.media == "video"
        ]
        if not candidates:
            return None
        return candidates[int(random.Random(f"{slot.draw}:reuse").random() * len(candidates))]

    # Media

    def _build_media(self, media_key: str) -> SimMedia:
        first_id = media_key[2:]
        ms, user_index, seq = _decode(first_id)
        rng = _rng(self.seed, "media", media_key)
        token = base64.urlsafe_b64encode(rng.getrandbits(96).to_bytes(12, "big")).decode()
        owner_id = self._profiles[user_index].user_id
        if media_key.startswith("3_"):
            width, height = _pick(rng, ((1200, 900), (900, 1200), (1080, 1080), (1600, 900)))
            return SimMedia(
                media_key=media_key,
                type="photo",
                duration_ms=None,
                width=width,
                height=height,
                preview_image_url=f"https://pbs.twimg.com/media/{token}.jpg",
                owner_id=owner_id,
                tweet_ids=(first_id,),
            )
        width, height = _pick(rng, ((1280, 720), (720, 1280), (1080, 1080)))
        duration_s = min(140.0, max(3.0, _lognormal(rng, 25, 0.8)))
        hour = ms // _HOUR_MS
        source = next(s for s in self._slots(user_index, hour) if s.seq == seq)
        reposts = tuple(
            _snowflake(later.ms, user_index, later.seq)
            for later_hour in range(hour + _REUSE_MIN_H, hour + _REUSE_MAX_H + 1)
            for later in self._slots(user_index, later_hour)
            if later.media == "reuse"
            and self._reuse_source(user_index, later_hour, later) == source
        )
        return SimMedia(
            media_key=media_key,
            type="video",
            duration_ms=int(duration_s * 1000),
            width=width,
            height=height,
            preview_image_url=f"https://pbs.twimg.com/ext_tw_video_thumb/{first_id}/pu/img/{token}.jpg",
            owner_id=owner_id,
            tweet_ids=(first_id, *reposts),
        )

    def _build_retention(self, media_key: str, duration_ms: int) -> tuple[float, ...]:
        """Per-quartile keep fractions (25, 50, 75, 100 %); longer videos keep fewer viewers."""
        rng = _rng(self.seed, "retention", media_key)
        completion = 0.8 * math.exp(-duration_ms / 70_000) * rng.uniform(0.85, 1.15)
        completion = min(0.9, max(0.02, completion))
        # The first quarter loses the most viewers; the rest share the remaining drop.
        return (completion**0.4, completion**0.2, completion**0.2, completion**0.2)

    # Metric parameters

    def _build_model(self, tweet: SimTweet) -> _Model:
        profile = self._profiles[self._index_by_user_id[tweet.author_id]]
        rng = _rng(self.seed, "model", tweet.id)
        reach = _lognormal(rng, profile.reach_median, profile.reach_sigma)
        reach *= _KIND_REACH[tweet.kind] * self.timing_factor(tweet)
        if rng.random() < _VIRAL_SHARE:
            reach *= rng.uniform(20, 150)
        reach = min(reach, _MAX_ORGANIC_REACH)
        has_link = "https://example.com/" in tweet.text
        like_rate = rng.uniform(0.01, 0.04)
        organic_rates = (
            ("impression_count", 1.0),
            ("like_count", like_rate),
            ("reply_count", rng.uniform(0.0005, 0.003)),
            ("retweet_count", rng.uniform(0.001, 0.005)),
            ("url_link_clicks", rng.uniform(0.003, 0.02) if has_link else 0.0),
            ("user_profile_clicks", rng.uniform(0.002, 0.01)),
            ("quote_count", rng.uniform(0.0002, 0.001)),
            ("bookmark_count", rng.uniform(0.0005, 0.004)),
        )
        organic = tuple(
            (field, reach * rate, rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi))
            for field, rate in organic_rates
        )
        # Unlikes: rarer on quiet Tweets; a few hours to 20 days after posting.
        unlike_chance = min(0.4, reach * like_rate / 200)
        unlikes = tuple(
            (math.exp(rng.uniform(math.log(6), math.log(480))), 1 if rng.random() < 0.7 else 2)
            for _ in range(2)
            if rng.random() < unlike_chance
        )
        paid: tuple[tuple[str, float, float, float], ...] = ()
        if tweet.promoted:
            budget = max(reach * rng.uniform(0.5, 3.0), profile.reach_median * rng.uniform(1, 3))
            budget = min(budget, _MAX_PAID_REACH)
            paid_rates = (
                ("impression_count", 1.0),
                ("like_count", rng.uniform(0.003, 0.012)),
                ("reply_count", rng.uniform(0.0001, 0.0006)),
                ("retweet_count", rng.uniform(0.0002, 0.001)),
                ("url_link_clicks", rng.uniform(0.005, 0.025) if has_link else 0.0),
                ("user_profile_clicks", rng.uniform(0.001, 0.006)),
            )
            paid = tuple(
                (field, budget * rate, rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi))
                for field, rate in paid_rates
            )
        return _Model(
            tau_h=min(12.0, max(0.5, _lognormal(rng, profile.tau_median_h, 0.5))),
            tail_share=rng.uniform(0.08, 0.2),
            tail_tau_h=rng.uniform(5 * 24, 20 * 24),
            organic=organic,
            unlikes=unlikes,
            paid_delay_h=math.exp(rng.uniform(math.log(1 / 6), math.log(4))),
            paid_length_h=rng.uniform(24, 7 * 24),
            paid=paid,
            video_start=rng.uniform(0.12, 0.4),
            video_view=rng.uniform(0.55, 0.9),
            paid_video_start=rng.uniform(0.08, 0.3),
            paid_video_view=rng.uniform(0.5, 0.85),
        )

    def _retweet_metrics(self, retweet: SimTweet, now: datetime) -> dict[str, dict[str, int]]:
        original = self.tweet(retweet.referenced_tweets[0][1], now)
        public = dict.fromkeys(_PUBLIC_FIELDS, 0)
        if original:  # else asked about before the retweet (and perhaps its original) existed
            public["retweet_count"] = self.tweet_metrics(original, now)["public_metrics"][
                "retweet_count"
            ]
        return {"public_metrics": public}
