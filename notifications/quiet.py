"""Quiet hours: alerts raised inside them wait until the hour the person chose to hear
again, in their timezone, on the day it falls (so a DST change moves the instant, not the
hour on the clock)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from accounts.models import Profile

from .models import QuietHours


def end_of_quiet(start: int, end: int, zone: ZoneInfo, now: datetime) -> datetime | None:
    """When quiet hours [start, end) in `zone` end, if `now` is inside them; else None."""
    if start == end:
        return None
    local = now.astimezone(zone)
    wraps = start > end  # e.g. 22 to 7: across midnight
    inside = (local.hour >= start or local.hour < end) if wraps else start <= local.hour < end
    if not inside:
        return None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    # The end hour as the clock shows it that day; in a spring-forward gap, just after it.
    return datetime(day.year, day.month, day.day, end, tzinfo=zone).astimezone(UTC)


def quiet_until(user, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if `now` is inside them; else None."""
    hours = QuietHours.objects.filter(user=user).first()
    if hours is None:
        return None
    return end_of_quiet(hours.start, hours.end, Profile.of(user).zone, now)
