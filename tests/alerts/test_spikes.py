"""Spike and threshold rules against the sandbox's world, polled with a frozen clock.

The account's history is walked as the beat would poll it: every Tweet posted is sampled
in its first polling slots (tests/alerts/conftest.py), so "usual" has references.
"""

import statistics
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from alerts import detection, tasks
from alerts.models import Alert, AlertRule
from notifications.models import Delivery
from tweets.models import Tweet, TweetSample

pytestmark = pytest.mark.django_db

K = 5


def usual_by_hand(tweet: Tweet, at: datetime) -> tuple[float, int]:
    """The median impressions, at the Tweet's age at `at`, of the 20 latest earlier Tweets
    of its kind that have a sample by that age (independent of alerts/detection.py)."""
    age = at - tweet.created_at
    values = []
    earlier = (
        Tweet.objects.filter(
            account=tweet.account, kind=tweet.kind, created_at__lte=tweet.created_at
        )
        .exclude(pk=tweet.pk)
        .order_by("-created_at")
    )
    for ref in earlier:
        sample = (
            TweetSample.objects.filter(tweet=ref, captured_at__lte=ref.created_at + age)
            .order_by("-captured_at")
            .first()
        )
        if sample is not None and sample.impressions is not None:
            values.append(sample.impressions)
        if len(values) == detection.REFERENCES:
            break
    return (statistics.median(values) if values else 0.0), len(values)


@pytest.fixture
def history(walk, clock, alice):
    """@sandbox_demo linked, a spike rule (k = 5) and a day of its Tweets walked."""
    walker = walk()
    rule = AlertRule.objects.create(
        account=walker.account, kind=AlertRule.Kind.SPIKE, factor=K, created_by=alice
    )
    walker.through(clock.now() + timedelta(days=1))
    return walker, rule


def test_a_tweet_that_takes_off_alerts_once_within_one_polling_slot(history, clock):
    walker, rule = history
    made = clock.control.control(
        "POST", "takeoff", {"username": "sandbox_demo", "next": True, "factor": 30}
    )
    posted = datetime.fromisoformat(made["created_at"])
    assert clock.control.world.tweet(made["tweet_id"], posted).kind == "original"
    walker.through(posted - timedelta(seconds=1))  # the Tweets posted before it, as usual
    first_poll = posted + timedelta(minutes=2)  # the first poll after its posting

    run = walker.poll(first_poll)

    alert = Alert.objects.get(rule=rule, tweet_id=int(made["tweet_id"]))
    tweet = alert.tweet
    sample = TweetSample.objects.get(tweet=tweet)  # its first, taken by this poll
    usual, references = usual_by_hand(tweet, sample.captured_at)
    assert (alert.value, alert.usual, alert.references) == (sample.impressions, usual, references)
    assert references >= detection.MIN_REFERENCES
    assert alert.value >= K * alert.usual
    assert alert.created_at - posted <= timedelta(minutes=5)  # within one polling slot
    assert alert.recipients == "alice"
    assert "times its usual impressions" in alert.title
    deliveries = Delivery.objects.filter(key=alert.key)
    assert [(d.destination.user.username, d.destination.kind) for d in deliveries] == [
        ("alice", "email")
    ]
    assert deliveries[0].message["kind"] == "spike"
    assert deliveries[0].message["url"].endswith(f"/dashboard/tweets/{tweet.pk}/")

    # A replayed check, a replayed poll at the same instant, and later polls add nothing.
    assert tasks.check_poll(run.pk) == 0
    walker.poll(first_poll)
    walker.through(posted + timedelta(hours=2))
    assert Alert.objects.filter(rule=rule, tweet=tweet).count() == 1
    assert Delivery.objects.filter(key=alert.key).count() == 1
    print(
        f"takeoff x30: {alert.value} impressions at {first_poll - posted} against a usual "
        f"{alert.usual:g} (median of {alert.references}); 1 alert, 1 delivery"
    )


def test_a_normal_tweet_raises_nothing(history, clock):
    walker, _ = history
    world, now = clock.control.world, clock.now()
    normal = next(
        t
        for t in walker.postings(now + timedelta(days=1))
        if t.kind == "original" and world.timing_factor(t) == 1
    )
    walker.through(normal.created_at + timedelta(minutes=10))
    tweet = Tweet.objects.get(pk=int(normal.id))
    ratios = []
    for sample in TweetSample.objects.filter(tweet=tweet):
        usual, references = usual_by_hand(tweet, sample.captured_at)
        assert references >= detection.MIN_REFERENCES  # it was judged, with enough history
        ratios.append(sample.impressions / usual)
    assert len(ratios) >= 2 and max(ratios) < K
    assert not Alert.objects.filter(tweet=tweet).exists()
    print(f"a normal Tweet at {', '.join(f'{r:.2f}' for r in ratios)} times its usual: no alert")


def test_the_sql_and_the_orm_find_the_same_tweets(history, clock):
    walker, _ = history
    account, since, now = walker.account, clock.control.world.epoch, clock.now()
    # k = 0.01 (below what the form allows) finds every Tweet with enough references; each
    # young Tweet's latest value is a threshold it has just crossed, unless it stood still.
    first_poll = since + timedelta(days=2)  # the clock fixture starts there
    young = Tweet.objects.filter(account=account, first_seen_at__gt=first_poll)
    latest = [t.samples.get(captured_at=t.last_sampled_at).impressions for t in young[:8]]
    rules = [AlertRule(account=account, kind="spike", factor=Decimal("0.01"))]
    rules += [AlertRule(account=account, kind="threshold", threshold=n) for n in latest]
    found = Counter()
    for rule in AlertRule.objects.bulk_create(rules):
        in_sql = sorted(detection.findings(rule, since, now))
        assert sorted(detection.findings_in_python(rule, since, now)) == in_sql, rule.describe()
        found[rule.kind] += len(in_sql)
    assert found["spike"] >= 2 and found["threshold"] >= 4, found
    print(f"found by both the SQL and the ORM: {dict(found)}")


def test_a_threshold_rule_alerts_once_per_tweet_that_crosses(walk, clock, alice):
    walker = walk()
    rule = AlertRule.objects.create(
        account=walker.account, kind=AlertRule.Kind.THRESHOLD, threshold=2000, created_by=alice
    )
    start = clock.now()
    walker.through(start + timedelta(hours=30))
    crossed = set()
    for tweet in Tweet.objects.filter(account=walker.account, first_seen_at__gt=start).exclude(
        kind=Tweet.Kind.RETWEET
    ):
        values = [0, *tweet.samples.order_by("captured_at").values_list("impressions", flat=True)]
        if any(a < 2000 <= b for a, b in pairwise(values)):
            crossed.add(tweet.pk)
    alerts = Alert.objects.filter(rule=rule)
    assert crossed and sorted(a.tweet_id for a in alerts) == sorted(crossed)
    assert all(a.value >= 2000 for a in alerts)
    assert Delivery.objects.filter(key__in=[a.key for a in alerts]).count() == len(crossed)
    walker.poll(clock.now())  # a replay at the same instant
    assert Alert.objects.filter(rule=rule).count() == len(crossed)
    found_old = Tweet.objects.filter(account=walker.account, first_seen_at=start).count()
    print(
        f"threshold 2,000: {len(crossed)} new Tweets crossed in 30 h, {alerts.count()} alerts;"
        f" none for the {found_old} Tweets the first poll found"
    )


def test_a_disabled_rule_and_another_accounts_rule_raise_nothing(history, clock, link, bob):
    walker, rule = history
    AlertRule.objects.filter(pk=rule.pk).update(enabled=False)
    made = clock.control.control(
        "POST", "takeoff", {"username": "sandbox_demo", "next": True, "factor": 30}
    )
    posted = datetime.fromisoformat(made["created_at"])
    other = link("sandbox_newcomer", owner=bob)
    AlertRule.objects.create(account=other, kind=AlertRule.Kind.THRESHOLD, threshold=1)
    walker.through(posted + timedelta(minutes=10))
    assert not Alert.objects.filter(tweet_id=int(made["tweet_id"])).exists()
    assert not Alert.objects.filter(account=other).exists()
