"""When a Tweet is due for a poll, by its age (DESIGN.md section 5).

Private metrics exist for 30 days after posting: young Tweets are polled often, older ones
rarely (POLL_SCHEDULE), with a final private snapshot just before day 30. After that only
public metrics, daily, until the horizon (default 90 days).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

PRIVATE_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Schedule:
    bands: tuple[tuple[timedelta, timedelta], ...]  # (age limit, interval), youngest first
    final_window: timedelta
    public_interval: timedelta
    horizon: timedelta

    @classmethod
    def from_settings(cls) -> "Schedule":
        return cls(
            bands=tuple(settings.POLL_SCHEDULE),
            final_window=settings.POLL_FINAL_SNAPSHOT_WINDOW,
            public_interval=settings.POLL_PUBLIC_INTERVAL,
            horizon=settings.POLL_HORIZON,
        )

    def interval(self, age: timedelta) -> timedelta:
        for limit, every in self.bands:
            if age < limit:
                return every
        return self.bands[-1][1]

    def in_final_window(self, age: timedelta) -> bool:
        return PRIVATE_WINDOW - self.final_window <= age < PRIVATE_WINDOW

    def private_due(self, tweet, now: datetime) -> bool:
        """Due for a poll with private metrics (the Tweet is younger than 30 days)."""
        age = now - tweet.created_at
        if age >= PRIVATE_WINDOW:
            return False
        if tweet.last_polled_at is None:
            return True
        if self.in_final_window(age) and tweet.final_private_at is None:
            return True  # the last chance to read private metrics
        return now - tweet.last_polled_at >= self.interval(age)

    def public_due(self, tweet, now: datetime) -> bool:
        """Due for a public-only poll (30 days old, younger than the horizon)."""
        age = now - tweet.created_at
        if not PRIVATE_WINDOW <= age < self.horizon:
            return False
        return tweet.last_polled_at is None or now - tweet.last_polled_at >= self.public_interval

    @property
    def discovery_interval(self) -> timedelta:
        """How often an account's timeline is checked for new Tweets."""
        return self.bands[0][1]
