"""A weekly report goes out through real SMTP, and what arrives is checked part by part.

The data is real: an account linked with tokens the sandbox issued, polled three times
over a week. The numbers in the message are compared with SQL of our own over the raw
samples (not tweets/rollups.py, not the rollups).
"""

import csv
import io
import os
import re
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from reports import tasks
from reports.models import ReportDelivery, ReportSubscription
from reports.sending import schedule
from tweets import polling
from tweets.models import Tweet, TweetSample

from .conftest import set_timezone

pytestmark = pytest.mark.django_db

BERLIN_MONDAY_8AM = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)  # 08:00 CET
WEEK = (datetime(2026, 11, 1, 23, tzinfo=UTC), datetime(2026, 11, 8, 23, tzinfo=UTC))
WEEK_BEFORE = (datetime(2026, 10, 25, 23, tzinfo=UTC), WEEK[0])
ENGAGEMENT_PARTS = (
    "likes",
    "retweets",
    "replies",
    "quotes",
    "bookmarks",
    "url_clicks",
    "profile_clicks",
)


def tweet_gains(account_id, column, start, end, *, by_berlin_day=False):
    """Gains of one sample column attributed to [start, end): each sample's increase over
    the Tweet's previous one at its capture hour; a first sample counts from zero at the
    hour the Tweet was posted."""
    day = "(date_trunc('hour', moment) AT TIME ZONE 'Europe/Berlin')::date"
    select = f"{day}, SUM(delta)" if by_berlin_day else "COALESCE(SUM(delta), 0)"
    group = "GROUP BY 1 ORDER BY 1" if by_berlin_day else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {select} FROM (
                SELECT s.{column} - COALESCE(LAG(s.{column}) OVER w, 0) AS delta,
                       CASE WHEN LAG(s.captured_at) OVER w IS NULL THEN t.created_at
                            ELSE s.captured_at END AS moment
                FROM tweets_tweetsample s JOIN tweets_tweet t ON t.id = s.tweet_id
                WHERE t.account_id = %s AND s.{column} IS NOT NULL AND t.kind <> 'retweet'
                WINDOW w AS (PARTITION BY s.tweet_id ORDER BY s.captured_at)
            ) d
            WHERE date_trunc('hour', moment) >= %s AND date_trunc('hour', moment) < %s {group}
            """,
            [account_id, start, end],
        )
        rows = cursor.fetchall()
    return {d: int(v) for d, v in rows} if by_berlin_day else int(rows[0][0])


def video_view_gains(account_id, start, end) -> int:
    """Video views gained in [start, end); a first sample counts at the video's first
    posting (the earliest Tweet carrying it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH posted AS (
                SELECT tm.media_id, MIN(t.created_at) AS first_posted
                FROM tweets_tweet_media tm JOIN tweets_tweet t ON t.id = tm.tweet_id
                WHERE t.account_id = %s GROUP BY tm.media_id
            )
            SELECT COALESCE(SUM(delta), 0) FROM (
                SELECT v.views - COALESCE(LAG(v.views) OVER w, 0) AS delta,
                       CASE WHEN LAG(v.captured_at) OVER w IS NULL THEN p.first_posted
                            ELSE v.captured_at END AS moment
                FROM tweets_videosample v JOIN posted p ON p.media_id = v.media_id
                WHERE v.views IS NOT NULL
                WINDOW w AS (PARTITION BY v.media_id ORDER BY v.captured_at)
            ) d WHERE date_trunc('hour', moment) >= %s AND date_trunc('hour', moment) < %s
            """,
            [account_id, start, end],
        )
        return int(cursor.fetchone()[0])


def top_tweets_sql(account_id, start, end):
    """Tweets posted in [start, end) by their latest sample's impressions (top five)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (t.id) t.id, s.impressions
            FROM tweets_tweet t JOIN tweets_tweetsample s ON s.tweet_id = t.id
            WHERE t.account_id = %s AND t.created_at >= %s AND t.created_at < %s
              AND t.kind <> 'retweet'
            ORDER BY t.id, s.captured_at DESC
            """,
            [account_id, start, end],
        )
        rows = cursor.fetchall()
    return sorted(rows, key=lambda row: (-row[1], row[0]))[:5]


def net_follows_sql(account_id, start, end) -> int:
    """Followers gained less lost in [start, end): each count's change over the account's
    previous count, at the hour it was read."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COALESCE(SUM(delta), 0) FROM (
                SELECT followers - LAG(followers) OVER (ORDER BY captured_at) AS delta,
                       captured_at
                FROM tweets_audiencesample WHERE account_id = %s AND followers IS NOT NULL
            ) d
            WHERE delta IS NOT NULL
              AND date_trunc('hour', captured_at) >= %s AND date_trunc('hour', captured_at) < %s
            """,
            [account_id, start, end],
        )
        return int(cursor.fetchone()[0])


def best_slot_by_hand(account, end) -> tuple[str, int, int] | None:
    """The local (Berlin) weekday and hour whose originals and quotes, polled past 24 hours,
    had the highest median impressions at their last sample by 24 hours (3 Tweets at least)."""
    berlin = ZoneInfo("Europe/Berlin")
    by_slot = {}
    tweets = Tweet.objects.filter(
        account=account,
        kind__in=["original", "quote"],
        created_at__gte=end - timedelta(days=90),
        created_at__lt=end,
    )
    for tweet in tweets:
        if tweet.last_polled_at < tweet.created_at + timedelta(hours=24):
            continue
        sample = (
            TweetSample.objects.filter(
                tweet=tweet, captured_at__lte=tweet.created_at + timedelta(hours=24)
            )
            .order_by("-captured_at")
            .first()
        )
        if sample is None or sample.impressions is None:
            continue
        local = tweet.created_at.astimezone(berlin)
        by_slot.setdefault((local.weekday(), local.hour), []).append(sample.impressions)
    ranked = sorted(
        (
            (-statistics.median(v), day, hour, len(v))
            for (day, hour), v in by_slot.items()
            if len(v) >= 3
        )
    )
    if not ranked:
        return None
    negative, day, hour, count = ranked[0]
    names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return f"{names[day]} {hour:02d}:00-{(hour + 1) % 24:02d}:00", int(-negative), count


def number(text: str) -> int:
    return int(text.replace(",", ""))


def kpi_line(text: str, label: str) -> tuple[int, str | None]:
    match = re.search(rf"^- {label}: ([\d,]+)(?: \((.+)\))?$", text, re.M)
    assert match, f"no {label} line in the text part"
    return number(match.group(1)), match.group(2)


def percent_change(current: int, previous: int) -> str:
    change = round((current - previous) / previous * 100)
    return f"+{change} %" if change > 0 else f"\N{MINUS SIGN}{-change} %"


@pytest.fixture
def week_of_data(clock, link, alice):
    """@sandbox_demo linked by alice (Europe/Berlin), polled on 3 and 9 November."""
    set_timezone(alice, "Europe/Berlin")
    account = link("sandbox_demo")
    polling.poll_account(account)  # Tue 3 Nov 12:00 UTC: the last 30 days of Tweets
    clock.advance(5 * 3600)
    polling.poll_account(account)
    clock.move_to(datetime(2026, 11, 9, 6, 30, tzinfo=UTC))
    polling.poll_account(account)
    return account


def test_weekly_report_arrives_over_smtp_with_the_databases_numbers(
    week_of_data, clock, smtp, eager, settings_for_reports, alice
):
    account = week_of_data
    subscription = ReportSubscription.objects.create(
        user=alice, frequency="weekly", local_hour=8, enabled=True
    )
    schedule(subscription)
    subscription.save()
    assert subscription.next_send_at == BERLIN_MONDAY_8AM

    clock.move_to(BERLIN_MONDAY_8AM)
    assert tasks.send_due_reports() == 1

    assert len(smtp.envelopes) == 1
    envelope, message = smtp.envelopes[0], smtp.messages[0]
    assert envelope.rcpt_tos == ["alice@example.com"]
    delivery = ReportDelivery.objects.get()
    assert delivery.status == "sent" and delivery.attempts == 1

    # --- headers ---------------------------------------------------------------------
    label = "2 November \N{EN DASH} 8 November 2026"
    subject = message["Subject"].strip()  # Django folds an encoded subject onto line two
    assert subject.startswith(f"Your weekly X report, {label}: ")
    assert message["To"] == "alice@example.com"
    assert message["Message-ID"] == delivery.message_id
    unsubscribe = re.fullmatch(
        r"<(https://metrics\.example\.com/reports/unsubscribe/[^/>]+/)>",
        message["List-Unsubscribe"].strip(),
    )
    assert unsubscribe, message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # --- structure: text and HTML alternatives, the chart inline, the CSV attached ------
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text_part, related = alternative.get_payload()
    assert text_part.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"
    assert image.get_content_disposition() == "inline"
    png = image.get_content()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    content_id = image["Content-ID"].strip(" <>")
    html = html_part.get_content()
    if os.environ.get("REPORT_DUMP"):  # REPORT_DUMP=dir keeps what arrived, to look at
        dump = Path(os.environ["REPORT_DUMP"])
        dump.mkdir(parents=True, exist_ok=True)
        (dump / "report.eml").write_bytes(envelope.original_content)
        (dump / "report.html").write_text(html.replace(f"cid:{content_id}", "chart.png"))
        (dump / "chart.png").write_bytes(png)
    assert f'src="cid:{content_id}"' in html
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_filename() == "metricsdash-weekly-2026-11-02.csv"
    text = text_part.get_content().replace("\r\n", "\n")
    assert unsubscribe.group(1) in text and unsubscribe.group(1) in html
    assert "https://metrics.example.com/dashboard/" in text
    assert 'href="https://metrics.example.com/dashboard/"' in html

    # --- numbers: the message against SQL over the raw samples -------------------------
    impressions = tweet_gains(account.pk, "impressions", *WEEK)
    before = tweet_gains(account.pk, "impressions", *WEEK_BEFORE)
    engagements = sum(tweet_gains(account.pk, c, *WEEK) for c in ENGAGEMENT_PARTS)
    link_clicks = tweet_gains(account.pk, "url_clicks", *WEEK)
    profile_clicks = tweet_gains(account.pk, "profile_clicks", *WEEK)
    video_views = video_view_gains(account.pk, *WEEK)
    print(
        f"\nweek {label}: impressions {impressions:,} (week before {before:,}),"
        f" engagements {engagements:,}, link clicks {link_clicks:,},"
        f" profile clicks {profile_clicks:,}, video views {video_views:,}"
    )
    assert impressions > 0 and before > 0 and engagements > 0 and video_views > 0

    assert kpi_line(text, "Impressions") == (impressions, percent_change(impressions, before))
    assert kpi_line(text, "Engagements")[0] == engagements
    assert kpi_line(text, "Link clicks")[0] == link_clicks
    assert kpi_line(text, "Profile clicks")[0] == profile_clicks
    assert kpi_line(text, "Video views")[0] == video_views
    # Net follows: each follower count's change over the previous one, in the week.
    follows = net_follows_sql(account.pk, *WEEK)
    world = clock.control.world
    reads = [datetime(2026, 11, 3, 12, tzinfo=UTC), datetime(2026, 11, 3, 17, tzinfo=UTC)]
    assert follows == world.followers(account.x_user_id, reads[1]) - world.followers(
        account.x_user_id, reads[0]
    )
    print(f"net follows {follows:,}")
    assert follows != 0
    net = re.search(r"^- Net follows: (\N{MINUS SIGN}|-)?([\d,]+)$", text, re.M)
    assert net and (-1 if net.group(1) else 1) * number(net.group(2)) == follows
    per_thousand = re.search(r"^- Follows per 1,000 impressions: (-?[\d.,]+)$", text, re.M)
    assert per_thousand.group(1) == f"{follows * 1000 / impressions:,.1f}"
    assert re.search(rf"Net follows</td>\s*<td[^>]*>{follows:,}</td>", html)

    # The best time to post needs Tweets sampled in their first day and after it, three in a
    # slot: these three polls leave no slot with enough, so the line is left out.
    assert best_slot_by_hand(account, WEEK[1]) is None
    assert "Best time to post" not in text and "Best time to post" not in html
    rate = re.search(r"^- Engagement rate: ([\d.]+) %", text, re.M).group(1)
    assert rate == f"{engagements / impressions * 100:.1f}"
    assert f"{impressions:,} impressions" in subject
    # The same numbers in the HTML, so a client showing only HTML shows them too.
    for value in (impressions, engagements, link_clicks, video_views):
        assert f">{value:,}<" in html

    # Top five Tweets posted in the week, in order, with their impressions.
    top = top_tweets_sql(account.pk, *WEEK)
    listed = [number(n) for n in re.findall(r": ([\d,]+) impressions, ", text)]
    print("top five Tweets (id, impressions):", top)
    assert listed == [impressions for _, impressions in top]

    # The CSV: one row per Berlin day, summing to the SQL's day by day.
    rows = list(csv.DictReader(io.StringIO(attachment.get_content())))
    assert len(rows) == 7 and {row["account"] for row in rows} == {"sandbox_demo"}
    per_day = tweet_gains(account.pk, "impressions", *WEEK, by_berlin_day=True)
    from_csv = {row["day (Europe/Berlin)"][:10]: int(row["impressions"]) for row in rows}
    assert {str(day): value for day, value in per_day.items() if value} == {
        day: value for day, value in from_csv.items() if value
    }
    assert sum(from_csv.values()) == impressions
    assert sum(int(row["video views"]) for row in rows) == video_views

    # Images blocked: the alt text says what the chart shows, and both parts list its
    # numbers day by day.
    assert f'alt="Chart: impressions per day, {label}: {impressions:,} in total' in html
    for day, value in per_day.items():
        assert re.search(rf"^{day:%a %d %b}\s+{value:,}$", text, re.M), day
        assert f'<td>{day:%a %d %b}</td><td align="right">{value:,}</td>' in html
