"""The account's audience: its own public_metrics (followers and the rest), read from
GET /2/users/me during a poll and stored like Tweet samples.

The rule for when a poll reads them (one extra request at most, never every poll):

1. at most once per AUDIENCE_INTERVAL per account (the last run that read them says when);
2. not when the token's known users/me window has fewer than USERS_ME_RESERVE requests
   left (X allows 75 per 15 minutes; linking and re-linking need some too);
3. one attempt only: a 5xx, a timeout or a 429 on users/me skips the audience for this
   poll and leaves the Tweets' poll alone; a malformed answer fails the poll like any other.

Samples are written only when a value changed, NULL where X gave nothing. Net follows per
hour (AudienceHourly) are the change in followers against the latest earlier sample that
has a count, in the hour of the later sample; a sample without one gains nothing.
"""

import logging
from datetime import datetime, timedelta

from django.db.models import F, Max

from accounts.models import XAccount
from xapi.client import BadResponse, RateLimited, ServerError, XClient

from .models import AudienceHourly, AudienceSample, PollRun

logger = logging.getLogger(__name__)

AUDIENCE_INTERVAL = timedelta(hours=1)
USERS_ME_RESERVE = 10
USER_FIELDS = ("public_metrics",)
# AudienceSample column -> X's public_metrics field.
WIRE_NAMES = {
    "followers": "followers_count",
    "following": "following_count",
    "tweets": "tweet_count",
    "listed": "listed_count",
    "likes": "like_count",
}


def audience_due(account: XAccount, client: XClient, now: datetime) -> bool:
    """Whether this poll may read the account's public_metrics (rules 1 and 2 above)."""
    last = PollRun.objects.filter(account=account, audience_read=True).aggregate(
        last=Max("started_at")
    )["last"]
    if last is not None and now - last < AUDIENCE_INTERVAL:
        return False
    window = client.known_rate_limit("users_me")
    return window is None or window.reset <= now or window.remaining >= USERS_ME_RESERVE


def audience_values(user: dict, account: XAccount) -> dict:
    """AudienceSample columns from a users/me `data` object; None where X gave nothing."""
    if str(user.get("id")) != account.x_user_id:
        raise BadResponse("users/me answered for another user")
    metrics = user.get("public_metrics")
    if metrics is None:
        metrics = {}
    if not isinstance(metrics, dict):
        raise BadResponse("users/me public_metrics is not an object")
    values = {}
    for column, wire in WIRE_NAMES.items():
        value = metrics.get(wire)
        if value is not None and (type(value) is not int or value < 0):
            raise BadResponse(f"{wire} is not a count: {value!r}")
        values[column] = value
    return values


def read_audience(client: XClient, account: XAccount) -> dict | None:
    """One users/me request (rule 3): the sample's values, or None when X could not answer."""
    try:
        user = client.me(USER_FIELDS, max_attempts=1)
    except (RateLimited, ServerError) as exc:
        logger.warning("Audience of @%s not read this poll: %s", account.username, exc)
        return None
    return audience_values(user, account)


def write_audience(account: XAccount, values: dict, instant: datetime) -> bool:
    """Store one read inside the poll's transaction (the caller holds the account's row
    lock). Returns whether a sample was written."""
    samples = AudienceSample.objects.filter(account=account)
    latest = samples.order_by("-captured_at").values("captured_at", *AudienceSample.COLUMNS)
    latest = latest.first()
    if latest is not None and (
        latest["captured_at"] >= instant
        or all(latest[c] == values[c] for c in AudienceSample.COLUMNS)
    ):
        return False
    AudienceSample.objects.create(account=account, captured_at=instant, **values)
    if values["followers"] is None:
        return True
    before = (
        samples.filter(captured_at__lt=instant, followers__isnull=False)
        .order_by("-captured_at")
        .values_list("followers", flat=True)
        .first()
    )
    if before is not None and values["followers"] != before:
        bucket = instant.replace(minute=0, second=0, microsecond=0)
        AudienceHourly.objects.get_or_create(account=account, bucket=bucket)
        AudienceHourly.objects.filter(account=account, bucket=bucket).update(
            net_follows=F("net_follows") + (values["followers"] - before)
        )
    return True
