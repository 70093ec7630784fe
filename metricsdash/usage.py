"""What the admin health page reads about X: each account's rate-limit budget, the Posts
X bills this day and month (each Tweet once per UTC day, tweets/billing.py) against the
plan's monthly cap, per account and in total, beside X's own count from
GET /2/usage/tweets where an app bearer token is configured, and the billed User reads
(each account's own profile, read for its followers)."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, date

from django.conf import settings
from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.tokens import budget_key
from tweets.models import BilledReads, PollRun
from xapi.client import BearerAuth, CacheRateBudget, XAPIError, XClient

logger = logging.getLogger(__name__)

RATE_ENDPOINTS = ("users_tweets", "tweets_lookup", "users_me")
WARN_SHARE = 0.8
# X's count is read while the health page waits: a slow X must not hold it for long.
USAGE_TIMEOUT = (3.0, 5.0)


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
class AccountUsage:
    username: str
    today: int
    month: int


@dataclass(frozen=True)
class XCount:
    """X's own count of the Posts it billed (GET /2/usage/tweets), or why it is unknown."""

    today: int | None = None
    month: int | None = None
    error: str = ""


@dataclass(frozen=True)
class Usage:
    today: int  # Posts billed today (UTC), each Tweet once a day
    month: int
    cap: int
    price: float
    currency: str
    users_today: int = 0  # billed User reads: accounts whose profile was read, per UTC day
    users_month: int = 0
    user_price: float = 0.0
    accounts: list[AccountUsage] = field(default_factory=list)  # most read this month first
    x: XCount | None = None  # None: no app bearer token configured

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


def x_reported(today: date) -> XCount:
    """Posts X says it billed today and this month (one request, the app's bearer token)."""
    client = XClient(
        settings.X_API_URL,
        BearerAuth(settings.X_BEARER_TOKEN),
        timeout=USAGE_TIMEOUT,
        max_attempts=1,
    )
    try:
        with client:
            daily = client.usage(days=today.day).daily
    except XAPIError as exc:
        logger.warning("GET /2/usage/tweets failed: %s", exc)
        return XCount(error=str(exc))
    month = sum(n for day, n in daily.items() if (day.year, day.month) == (today.year, today.month))
    return XCount(today=daily.get(today, 0), month=month)


def x_usage(now=None, *, accounts_shown: int = 50) -> Usage:
    """Posts and Users X bills today and this month (UTC, as X counts): Posts from the
    billed-reads counters, Users from the poll runs that read followers."""
    now = (now or timezone.now()).astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)

    billed = BilledReads.objects.filter(day__gte=month.date(), day__lte=day.date())
    per_account = (
        billed.values("account__username")
        .annotate(today=Sum("tweets", filter=Q(day=day.date())), month=Sum("tweets"))
        .order_by("-month", "account__username")
    )
    totals = billed.aggregate(today=Sum("tweets", filter=Q(day=day.date())), month=Sum("tweets"))

    def users_billed_since(moment):
        # X bills the same User once per UTC day: count (account, day) pairs.
        runs = PollRun.objects.filter(
            started_at__gte=moment, started_at__lte=now, audience_read=True
        )
        days = runs.annotate(day=TruncDate("started_at", tzinfo=UTC))
        return days.values("account_id", "day").distinct().count()

    return Usage(
        today=totals["today"] or 0,
        month=totals["month"] or 0,
        cap=settings.X_MONTHLY_TWEET_CAP,
        price=settings.X_PRICE_PER_TWEET_READ,
        currency=settings.X_PRICE_CURRENCY,
        users_today=users_billed_since(day),
        users_month=users_billed_since(month),
        user_price=settings.X_PRICE_PER_USER_READ,
        accounts=[
            AccountUsage(row["account__username"], row["today"] or 0, row["month"])
            for row in per_account[:accounts_shown]
        ],
        x=x_reported(day.date()) if settings.X_BEARER_TOKEN else None,
    )
