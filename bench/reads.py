"""Reads at scale: the dashboard's pages and JSON over the history bench/dataset.py builds
(1,000 Tweets x 30 days of 5-minute samples, 8.64 million rows; quick: 50 Tweets x 2 days).

Each request goes to Django's WSGI handler, as a WSGI server hands it over (an environ
carrying the signed-in session's cookie): every middleware, the session, the view, the
template or JSON, with DEBUG off: server time, without the network. Beside each one, the
bare SQL that computes the same numbers (written here, independently of the product),
timed the same way in the same run, and how many round trips to the database the request
made, the first time and asked again (accounts/ahead.py), with the statements. The same
request through Django's test Client is timed too: the Client adds its own work (building
the request, copying the response, its cookie jar and signals), about 1 ms, which no
server does, so it is shown apart and not judged.
"""

import io
import sys
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from accounts import ahead
from accounts.models import Profile
from tweets.metrics import ENGAGEMENT_PARTS, ROLLUP_COLUMNS, TWEET_SAMPLE_COLUMNS
from tweets.periods import last_days

from . import dataset
from .core import Figure, summary, timings_ms

FULL = {"tweets": 1000, "days": 30}
QUICK = {"tweets": 50, "days": 2}
ACCOUNT_TARGET_MS = 50
TWEET_PAGE_TARGET_MS = 50
TWEET_SERIES_TARGET_MS = 20
MAX_RATIO = 2.0

# --- the bare SQL: the numbers each request shows, with nothing around them --------------

ROLLUP = "tweets_hourlyrollup"
SAMPLES = "tweets_tweetsample"
ENGAGEMENTS = " + ".join(ENGAGEMENT_PARTS)
TOTALS_SQL = f"""
    SELECT {", ".join(f"sum({c}) FILTER (WHERE bucket >= %(start)s)" for c in ROLLUP_COLUMNS)},
        {", ".join(f"sum({c}) FILTER (WHERE bucket < %(start)s)" for c in ROLLUP_COLUMNS)}
    FROM {ROLLUP}
    WHERE account_id = ANY(%(ids)s) AND context = 'total'
        AND bucket >= %(before)s AND bucket < %(end)s
"""
HOUR_SERIES_SQL = f"""
    SELECT hour, {", ".join(f"sum(impressions) FILTER (WHERE context = '{c}')" for c in (
        "total", "organic", "promoted"))}
    FROM generate_series(%(first_hour)s, %(last_hour)s, interval '1 hour') AS hour
    LEFT JOIN {ROLLUP} ON account_id = ANY(%(ids)s) AND bucket = hour
    GROUP BY hour ORDER BY hour
"""  # fmt: skip
# Local days: the rollups summed per local day (date_trunc at the zone), joined to the days.
DAY_SERIES_SQL = f"""
    SELECT day, total, organic, promoted
    FROM generate_series(%(first_day)s::timestamp, %(last_day)s::timestamp, '1 day') AS day
    LEFT JOIN (
        SELECT date_trunc('day', bucket, %(tz)s) AS start,
            {", ".join(f"sum(impressions) FILTER (WHERE context = '{c}') AS {c}" for c in (
                "total", "organic", "promoted"))}
        FROM {ROLLUP}
        WHERE account_id = ANY(%(ids)s)
            AND bucket >= %(first_day)s::timestamp AT TIME ZONE %(tz)s
            AND bucket < (%(last_day)s::timestamp + interval '1 day') AT TIME ZONE %(tz)s
        GROUP BY 1
    ) AS sums ON sums.start = day AT TIME ZONE %(tz)s
    ORDER BY day
"""  # fmt: skip
# Per local day: net follows, Tweets posted, and the followers at the day's end (each
# account's latest count, one backward step through its (account, captured_at) key).
AUDIENCE_SQL = """
    SELECT day,
        (SELECT sum(net_follows) FROM tweets_audiencehourly
         WHERE account_id = ANY(%(ids)s) AND bucket >= day AT TIME ZONE %(tz)s
             AND bucket < (day + interval '1 day') AT TIME ZONE %(tz)s),
        (SELECT count(*) FROM tweets_tweet
         WHERE account_id = ANY(%(ids)s) AND kind <> 'retweet'
             AND created_at >= day AT TIME ZONE %(tz)s
             AND created_at < (day + interval '1 day') AT TIME ZONE %(tz)s),
        (SELECT sum(followers) FROM unnest(%(ids)s::bigint[]) AS account(id), LATERAL (
             SELECT followers FROM tweets_audiencesample
             WHERE account_id = account.id AND followers IS NOT NULL
                 AND captured_at < (day + interval '1 day') AT TIME ZONE %(tz)s
             ORDER BY captured_at DESC LIMIT 1) AS latest)
    FROM generate_series(%(first_day)s::timestamp, %(last_day)s::timestamp, '1 day') AS day
"""
NET_FOLLOWS_SQL = """
    SELECT sum(net_follows) FILTER (WHERE bucket >= %(start)s),
        sum(net_follows) FILTER (WHERE bucket < %(start)s)
    FROM tweets_audiencehourly
    WHERE account_id = ANY(%(ids)s) AND bucket >= %(before)s AND bucket < %(end)s
"""
TOP_SQL = f"""
    SELECT t.id, t.created_at, t.text, s.*, {ENGAGEMENTS} AS engagements,
        ({ENGAGEMENTS})::float / nullif(impressions, 0) AS rate
    FROM tweets_tweet t JOIN {SAMPLES} s ON s.tweet_id = t.id AND s.captured_at = t.last_sampled_at
    WHERE t.account_id = ANY(%(ids)s) AND t.kind <> 'retweet'
        AND t.created_at >= %(start)s AND t.created_at < %(end)s
    ORDER BY impressions DESC NULLS LAST LIMIT 25
"""
POSTED_SQL = """
    SELECT count(*) FROM tweets_tweet
    WHERE account_id = ANY(%(ids)s) AND kind <> 'retweet'
        AND created_at >= %(start)s AND created_at < %(end)s
"""
# The best time to post: each Tweet's totals at its last sample within 24 hours of posting,
# their medians per local weekday and hour.
TIMING_SQL = f"""
    SELECT extract(isodow FROM local)::int - 1, extract(hour FROM local)::int, count(*),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY impressions),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY rate)
    FROM (
        SELECT t.created_at AT TIME ZONE %(tz)s AS local, s.impressions,
            ({ENGAGEMENTS})::float / nullif(s.impressions, 0) AS rate
        FROM tweets_tweet t CROSS JOIN LATERAL (
            SELECT * FROM {SAMPLES}
            WHERE tweet_id = t.id AND captured_at <= t.created_at + interval '24 hours'
            ORDER BY captured_at DESC LIMIT 1
        ) s
        WHERE t.account_id = ANY(%(ids)s) AND t.kind IN ('original', 'quote')
            AND t.created_at >= %(start)s AND t.created_at < %(end)s
            AND t.last_polled_at >= t.created_at + interval '24 hours'
    ) AS first_day
    WHERE impressions IS NOT NULL
    GROUP BY 1, 2
"""
# A Tweet's closing sample per hour (its series and its gains), its count, its latest page.
TWEET_HOURLY_SQL = f"""
    SELECT DISTINCT ON (date_trunc('hour', captured_at)) captured_at,
        {", ".join(TWEET_SAMPLE_COLUMNS)}
    FROM {SAMPLES} WHERE tweet_id = %(tweet)s
    ORDER BY date_trunc('hour', captured_at), captured_at DESC
"""
TWEET_COUNT_SQL = f"SELECT count(*) FROM {SAMPLES} WHERE tweet_id = %(tweet)s"
TWEET_PAGE_SQL = f"""
    SELECT * FROM {SAMPLES} WHERE tweet_id = %(tweet)s ORDER BY captured_at DESC LIMIT 50
"""
VIDEO_SQL = """
    SELECT DISTINCT ON (media_id, date_trunc('hour', captured_at)) media_id, captured_at, *
    FROM tweets_videosample
    WHERE media_id IN (SELECT media_id FROM tweets_tweet_media WHERE tweet_id = %(tweet)s)
    ORDER BY media_id, date_trunc('hour', captured_at), captured_at DESC
"""


@dataclass
class Read:
    name: str
    path: str
    bare: list[str]  # the statements computing the same numbers
    target_ms: float
    against_bare: bool = True  # account-level reads: also within MAX_RATIO x bare


def _reads(data: dataset.Dataset) -> list[Read]:
    tweet = data.promoted_tweet_ids[len(data.promoted_tweet_ids) // 2]
    video = data.video_tweet_ids[len(data.video_tweet_ids) // 2]
    account = [TOTALS_SQL]
    overview = [
        TOTALS_SQL, DAY_SERIES_SQL, AUDIENCE_SQL, NET_FOLLOWS_SQL, TOP_SQL, POSTED_SQL, TIMING_SQL,
    ]  # fmt: skip
    return [
        Read("overview (30 days)", "/dashboard/", overview, ACCOUNT_TARGET_MS),
        Read("overview (90 days, every Tweet)", "/dashboard/?period=90", overview,
             ACCOUNT_TARGET_MS),
        Read("kpis.json", "/dashboard/api/kpis.json", account, ACCOUNT_TARGET_MS),
        Read("series.json by hour (7 days)", "/dashboard/api/series.json?period=7",
             [HOUR_SERIES_SQL], ACCOUNT_TARGET_MS),
        Read("series.json by hour (30 days)", "/dashboard/api/series.json?interval=hour",
             [HOUR_SERIES_SQL], ACCOUNT_TARGET_MS),
        Read("series.json by day", "/dashboard/api/series.json?interval=day",
             [DAY_SERIES_SQL], ACCOUNT_TARGET_MS),
        Read("engagements.json", "/dashboard/api/engagements.json", account, ACCOUNT_TARGET_MS),
        Read("audience.json", "/dashboard/api/audience.json",
             [AUDIENCE_SQL, NET_FOLLOWS_SQL, TOTALS_SQL], ACCOUNT_TARGET_MS),
        Read("top-tweets.json (90 days)", "/dashboard/api/top-tweets.json?period=90",
             [TOP_SQL], ACCOUNT_TARGET_MS),
        Read("timing.json (90 days)", "/dashboard/api/timing.json", [TIMING_SQL],
             ACCOUNT_TARGET_MS),
        Read("Tweet page", f"/dashboard/tweets/{tweet}/",
             [TWEET_HOURLY_SQL, TWEET_COUNT_SQL, TWEET_PAGE_SQL], TWEET_PAGE_TARGET_MS, False),
        Read("Tweet series.json", f"/dashboard/api/tweets/{tweet}/series.json",
             [TWEET_HOURLY_SQL, TWEET_COUNT_SQL], TWEET_SERIES_TARGET_MS, False),
        Read("Tweet gains.json", f"/dashboard/api/tweets/{tweet}/gains.json",
             [TWEET_HOURLY_SQL], TWEET_SERIES_TARGET_MS, False),
        Read("Tweet video.json", f"/dashboard/api/tweets/{video}/video.json",
             [VIDEO_SQL], TWEET_SERIES_TARGET_MS, False),
    ]  # fmt: skip


def _params(data: dataset.Dataset, path: str) -> dict:
    """The bare SQL's parameters for the period a path asks (its `period`, else 30 days)."""
    tz = Profile.of(data.owner).zone
    days = 90 if "period=90" in path or "timing" in path else 7 if "period=7" in path else 30
    period = last_days(days, tz, timezone.now())
    first_hour = period.start.replace(minute=0, second=0, microsecond=0)
    last = period.end - timedelta(microseconds=1)
    return {
        "ids": [account.pk for account in data.accounts],
        "tz": tz.key,
        "start": period.start,
        "end": period.end,
        "before": period.previous.start,
        "first_hour": first_hour if first_hour >= period.start else first_hour + timedelta(hours=1),
        "last_hour": last.replace(minute=0, second=0, microsecond=0),
        "first_day": period.start.astimezone(tz).date(),
        "last_day": last.astimezone(tz).date(),
        "tweet": int(path.split("/tweets/")[1].split("/")[0]) if "/tweets/" in path else None,
    }


def _bare(statements: list[str], params: dict):
    def run():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    return run


class Server:
    """Django's WSGI handler, called as a WSGI server calls it, for a signed-in person."""

    def __init__(self, cookies: dict[str, str]):
        self.handler = WSGIHandler()
        self.cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())

    def get(self, path: str) -> int:
        """GET `path` over https, read the whole body; the status code."""
        path_info, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "443",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "testserver",
            "HTTP_COOKIE": self.cookie,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status = []
        body = self.handler(environ, lambda line, headers, exc_info=None: status.append(line))
        try:
            b"".join(body)
        finally:
            body.close()
        return int(status[0].split()[0])


def _round_trips(server: Server, path: str) -> tuple[int, int, int]:
    """A request's round trips to the database, counted once its session has prepared the
    statements (the first request on a connection also sends a PREPARE per statement:
    accounts/prepared.py): the first request for the page in a process, then the page
    asked again, whose statements go with the person's read (accounts/ahead.py); and the
    statements sent in that one."""
    server.get(path)
    trips = statements = 0

    def counted(execute, sql, *args):
        nonlocal trips, statements
        trips += 1
        statements += max(sql.count("EXECUTE "), 1)
        return execute(sql, *args)

    found = []
    for forget in (True, False):
        if forget:
            ahead.forget_all()
        trips = statements = 0
        with connection.execute_wrapper(counted):
            status = server.get(path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        found.append((trips, statements))
    (first, _), (again, sent) = found
    return first, again, sent


def measure(data: dataset.Dataset, repeat: int) -> list[Figure]:
    client = Client()
    client.force_login(data.owner)
    server = Server({name: morsel.value for name, morsel in client.cookies.items()})
    figures = []
    for read in _reads(data):
        first, again, statements = _round_trips(server, read.path)
        params = _params(data, read.path)
        timings_ms(lambda path=read.path: server.get(path), 0)  # two more to warm up
        # Interleaved, so a burst of load on the machine hits all four alike. The page
        # asked again (its statements sent ahead with the person's read), and the first
        # request for it in a process (nothing remembered: two round trips).
        view, bare, through_client, first_time = [], [], [], []
        for _ in range(repeat):
            view += timings_ms(lambda path=read.path: server.get(path), 1, warmup=0)
            bare += timings_ms(_bare(read.bare, params), 1, warmup=0)
            through_client += timings_ms(
                lambda path=read.path: client.get(path, secure=True), 1, warmup=0
            )
            ahead.forget_all()
            first_time += timings_ms(lambda path=read.path: server.get(path), 1, warmup=0)
        view, bare, through_client = summary(view), summary(bare), summary(through_client)
        first_time = summary(first_time)
        ratio = view["p95"] / bare["p95"]
        within = view["p95"] < read.target_ms and (not read.against_bare or ratio <= MAX_RATIO)
        target = f"p95 < {read.target_ms} ms" + (
            f" and <= {MAX_RATIO:g}x bare" if read.against_bare else ""
        )
        bare_name = "bare SQL for the same numbers"
        judged = "the page asked again (judged above)"
        # The judged figure, then those reported beside it, each against its own baseline.
        for name, value, unit, baseline, baseline_name, *judgement in (
            ("p95 server time", view["p95"], "ms", bare["p95"], bare_name, target, within),
            ("p50 server time", view["p50"], "ms", bare["p50"], bare_name),
            ("p95 server time, the first request for the page in a process",
             first_time["p95"], "ms", view["p95"], judged),
            ("p95 through the test Client", through_client["p95"], "ms", view["p95"],
             "the WSGI handler (server time)"),
            ("round trips to the database, the page asked again", again, "round trips",
             len(read.bare), "bare SQL statements (no session, user, accounts or timezone)"),
            ("statements in them", statements, "statements", None, ""),
            ("round trips, the first request for the page in a process", first, "round trips",
             None, ""),
        ):  # fmt: skip
            if unit == "ms":
                value, baseline = round(value, 1), round(baseline, 1)
            figures.append(
                Figure(
                    "reads",
                    f"{read.name}: {name}",
                    value,
                    unit,
                    baseline,
                    baseline_name,
                    *judgement,
                )
            )
    return figures


def run(quick: bool) -> list[Figure]:
    start = time.perf_counter()
    data = dataset.build(**(QUICK if quick else FULL))
    built = time.perf_counter() - start
    dataset.settle()
    # The plain static storage: the manifest one needs collectstatic, and its lookups cost
    # the same dictionary access.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    storages = {**settings.STORAGES, "staticfiles": plain}
    # As the test Client does: a server would close a connection older than CONN_MAX_AGE
    # after a request, and the next one would open it again; the bare SQL never does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False, STORAGES=storages):
            figures = measure(data, repeat=3 if quick else 50)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return [
        Figure("reads", "TweetSample rows read against", data.tweet_samples, "rows"),
        Figure("reads", "dataset build (binary COPY)", round(built, 1), "s"),
        *figures,
    ]
