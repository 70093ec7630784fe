"""What the admin health page reads about X: each account's rate-limit budget, the Tweets
read this day and month against the plan's monthly cap, and the billed User reads (each
account's own profile, read for its followers)."""

from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.tokens import budget_key
from tweets.models import PollRun
from xapi.client import CacheRateBudget

RATE_ENDPOINTS = ("users_tweets", "tweets_lookup", "users_me")
WARN_SHARE = 0.8


def rate_budgets(accounts) -> list[dict]:
    """Each account's known rate-limit window per endpoint (None: no request this window)."""
    budget = CacheRateBudget()
    return [
        {
            "account": account,
            "windows": [
                (endpoint, budget.get(f"{budget_key(account)}:{endpoint}"))
                for endpoint in RATE_ENDPOINTS
            ],
        }
        for account in accounts
    ]


@dataclass(frozen=True)
class Usage:
    today: int
    month: int
    cap: int
    price: float
    currency: str
    users_today: int = 0  # billed User reads: accounts whose profile was read, per UTC day
    users_month: int = 0
    user_price: float = 0.0

    @property
    def share(self) -> float:
        return self.month / self.cap if self.cap else 0.0

    @property
    def warning(self) -> bool:
        return self.share >= WARN_SHARE

    @property
    def cost_today(self) -> float:
        return self.today * self.price

    @property
    def cost_month(self) -> float:
        return self.month * self.price

    @property
    def user_cost_today(self) -> float:
        return self.users_today * self.user_price

    @property
    def user_cost_month(self) -> float:
        return self.users_month * self.user_price


def x_usage(now=None) -> Usage:
    """Tweets and Users read from X today and this month (UTC, as X counts), from the poll
    runs."""
    now = (now or timezone.now()).astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)

    def read_since(moment):
        runs = PollRun.objects.filter(started_at__gte=moment, started_at__lte=now)
        return runs.aggregate(total=Sum("tweets_sampled"))["total"] or 0

    def users_billed_since(moment):
        # X bills the same User once per UTC day: count (account, day) pairs.
        runs = PollRun.objects.filter(
            started_at__gte=moment, started_at__lte=now, audience_read=True
        )
        days = runs.annotate(day=TruncDate("started_at", tzinfo=UTC))
        return days.values("account_id", "day").distinct().count()

    return Usage(
        today=read_since(day),
        month=read_since(month),
        cap=settings.X_MONTHLY_TWEET_CAP,
        price=settings.X_PRICE_PER_TWEET_READ,
        currency=settings.X_PRICE_CURRENCY,
        users_today=users_billed_since(day),
        users_month=users_billed_since(month),
        user_price=settings.X_PRICE_PER_USER_READ,
    )
