"""How many queries each dashboard read makes (docs/BENCHMARKS.md says why each one is
needed), and a Tweet's one read of its samples: the SQL picks what one pass in Python over
every sample picks, for the series, the gains, the samples table and its first sample.

The history is bench/dataset.py's at a small size: 12 Tweets x 8 days of 5-minute samples
(posted over the 8 days before, so both of a 7-day period's halves have gains), with
rollups, poll runs and the audience, owned by a person in Europe/Berlin.
"""

import re
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import ahead, prepared
from bench import dataset
from dashboard import samples
from tweets.models import Tweet

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def history():
    return dataset.build(tweets=12, days=8)


@pytest.fixture
def owner(client, history):
    client.force_login(history.owner)
    return client


# Every request reads the signed-in person with their profile (the timezone) and the
# accounts they may see, which is also the access check, in one round trip of two
# statements (the session comes from the cache, accounts/backends.py joins the profile and
# sends both): 1 query before the numbers. A page that needs several statements sends them
# in one more round trip (tweets.rollups.read_together). Each entry: the path, the queries
# (round trips), the statements in them. Asked again, a page sends its statements with the
# person's read (accounts/ahead.py): 1 round trip, the same statements.
ACCOUNT_READS = [
    ("/dashboard/api/kpis.json?period=7", 2, 3),  # both periods' sums in one aggregate
    ("/dashboard/api/engagements.json?period=7", 2, 3),  # the same aggregate
    # one row per bucket, the buckets generated in the query
    ("/dashboard/api/series.json?period=7&interval=hour", 2, 3),
    ("/dashboard/api/series.json?period=7&interval=day&metric=engagements", 2, 3),
    ("/dashboard/api/top-tweets.json?period=30", 2, 3),  # latest samples through the key
    ("/dashboard/api/timing.json", 2, 3),  # each Tweet's sample at 24 hours through the key
    # per bucket its net follows, Tweets posted and followers at its end, in one query;
    # impressions of both periods; net follows of both periods: together
    ("/dashboard/api/audience.json?period=7", 2, 5),
    # the impressions series, both periods' sums, the audience (1), the best-time slots,
    # how many were posted with the reposts, the top Tweets, net follows: together
    ("/dashboard/?period=7", 2, 9),
]


def _sent(owner, path) -> tuple[list[str], bytes]:
    """What a request for `path` sent to the database, and its body."""
    with CaptureQueriesContext(connection) as done:
        response = owner.get(path)
    assert response.status_code == 200
    # A page's nonce and CSRF token are new at every request.
    body = re.sub(rb'nonce="[^"]*"|csrfmiddlewaretoken" value="[^"]*"', b"", response.content)
    return [query["sql"] for query in done.captured_queries], body


def test_account_reads_make_the_fewest_queries(owner):
    """Counted once the session has prepared them (accounts/prepared.py): from then on,
    every statement a read sends runs a prepared one."""
    for path, queries, statements in ACCOUNT_READS:
        assert owner.get(path).status_code == 200  # the first one prepares
        ahead.forget_all()  # as the first request for the page in a process
        sent, body = _sent(owner, path)
        assert len(sent) == queries, (path, sent)
        executes = [part for sql in sent for part in sql.split("; ")]
        assert len(executes) == statements, (path, executes)
        assert all(part.startswith("EXECUTE ") for part in executes), (path, sent)
        # Asked again: the same statements, in one round trip, and the same page.
        again, same = _sent(owner, path)
        assert len(again) == 1, (path, again)
        assert sorted(again[0].split("; ")) == sorted(executes), (path, again)
        assert same == body, path


def _tweet_reads(history):
    tweet, video = history.promoted_tweet_ids[0], history.video_tweet_ids[0]
    return [
        # the person, the Tweet (through the accounts they may see), its samples, its
        # media (none are videos)
        (f"/dashboard/tweets/{tweet}/", 4, 1),
        (f"/dashboard/tweets/{video}/", 5, 1),  # and its video's samples
        (f"/dashboard/api/tweets/{tweet}/series.json", 3, 1),
        (f"/dashboard/api/tweets/{tweet}/gains.json", 3, 1),
        (f"/dashboard/api/tweets/{video}/video.json", 4, 0),  # media, their samples
    ]


def test_a_tweets_reads_read_its_samples_once(owner, history):
    for path, queries, sample_reads in _tweet_reads(history):
        assert owner.get(path).status_code == 200  # the first one prepares
        ahead.forget_all()  # as the first request for the page in a process
        sent, body = _sent(owner, path)
        # What each one runs (an EXECUTE of a statement prepared before, or plain SQL).
        statements = [prepared.source(connection, sql) for sql in sent]
        print(path, len(statements), "queries")
        assert len(statements) == queries, (path, statements)
        reads = [sql for sql in statements if "tweets_tweetsample" in sql]
        assert len(reads) == sample_reads, (path, reads)
        # Asked again: the person, then the rest sent ahead with them, in one round trip.
        again, same = _sent(owner, path)
        assert len(again) == 1 and again[0].count("EXECUTE ") == queries, (path, again)
        assert same == body, path


def test_the_tweet_pages_gains_table_lists_every_non_zero_gain_of_gains_json(owner, history):
    tweet = history.promoted_tweet_ids[0]
    gains = owner.get(f"/dashboard/api/tweets/{tweet}/gains.json").json()
    page = owner.get(f"/dashboard/tweets/{tweet}/").content.decode()
    # The gains table is the only one with a single cell per row.
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td></tr>', page)
    expected = [
        (label, f"{gain:,}")
        for label, gain in zip(gains["labels"], gains["gains"], strict=True)
        if gain
    ]
    print(len(gains["gains"]), "buckets,", len(rows), "with a gain")
    assert len(rows) > 24 and rows == expected


# (MAX_POINTS, timezone, page of the samples table)
PICKS = [
    (3000, UTC, 1),  # fewer samples than the limit: every one is kept
    (2000, BERLIN, 3),  # more: the last sample per hour; hourly gains
    (100, BERLIN, 2),  # the last per UTC day; gains per Berlin day
]


def test_the_one_read_picks_what_a_pass_over_every_sample_picks(history, monkeypatch):
    tweet = Tweet.objects.get(pk=history.promoted_tweet_ids[0])
    for limit, tz, page in PICKS:
        monkeypatch.setattr(samples, "MAX_POINTS", limit)
        picked = samples.read(tweet, tz, page, per_page=50)

        params = samples.read_params(tweet, tz, page, per_page=50)
        every = samples._read_in_python(tweet, params, ZoneInfo(params["tz"]))
        print(limit, tz, picked.count, len(picked.thin), len(picked.closing), params)
        assert picked.count == every.count == 2304  # 8 days of 5-minute samples
        assert picked.thin == every.thin
        assert picked.closing == every.closing
        assert picked.page == every.page and len(picked.page) == 50
        assert picked.first == every.first
        assert picked.thin[-1][0] == tweet.last_sampled_at
        assert (len(picked.thin) < picked.count) == (limit < picked.count)


def test_a_videos_one_read_picks_what_a_pass_over_every_sample_picks(history, monkeypatch):
    tweet = Tweet.objects.get(pk=history.video_tweet_ids[0])
    media = [m.pk for m in tweet.media.all()]
    span = tweet.media.get().last_sampled_at - tweet.created_at
    for limit in (3000, 2000, 100):  # every sample, the last per hour, per UTC day
        monkeypatch.setattr(samples, "MAX_POINTS", limit)
        thin = samples.thinning_bucket(span)
        params = {"media": media, "max": limit, "thin": thin}
        picked = samples._video_rows(params)
        every = samples._video_rows_in_python(params)
        print(limit, thin, len(picked), "of 2304")
        assert picked == every and picked[-1]["captured_at"] == tweet.last_sampled_at
        assert (len(picked) < 2304) == (limit < 2304)
        video = samples.tweet_videos(tweet)[0]
        assert video["views"] == picked[-1]["views"]
        # The dataset's last poll is its last sample: no held point after it.
        assert video["views_over_time"]["views"] == [row["views"] for row in picked]


def test_the_overviews_impressions_table_carries_series_json(owner):
    """The rows written in Python (views._series_rows): a row per bucket, its label and the
    organic, promoted, not split and total counts of series.json, formatted."""
    from tweets.metrics import format_count

    body = owner.get("/dashboard/api/series.json?period=7&interval=day").json()
    page = owner.get("/dashboard/?period=7&interval=day").content.decode()
    table = page[page.index("Impressions as a table") :]
    table = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = re.findall(
        r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>'
        r"<td>([^<]*)</td><td>([^<]*)</td></tr>",
        table,
    )
    s = body["series"]
    assert rows == [
        (label, *(format_count(s[n][i]) for n in ("organic", "promoted", "unsplit", "total")))
        for i, label in enumerate(body["labels"])
    ]
    assert len(rows) == 7 and any(row[4] != "—" for row in rows)
