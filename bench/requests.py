"""Requests per poll against the documented bound (docs/API.md, "Requests per poll").

Accounts of about 10, 1,000 and 3,000 live Tweets (quick: 10 and @sandbox_demo's 250) are
polled through the product's own poller against a sandbox, first poll included, then 5
minutes, an hour and a day later. Each poll's requests come from the sandbox's request
log; the bound is computed apart, from the sandbox's world and the Tweets stored:

    max(1, ceil(new / 100))      discovery pages: Tweets posted since the newest known
                                 (first poll: the last 30 days), every kind
  + ceil(looked up / 100)        the new own Tweets younger than 30 days, and those due
  + ceil(paid reach moved / 100) looked-up Tweets whose promoted counts changed since
                                 their last sample (the world says which)
  + 1 users/me                   when the followers were last read an hour ago or more
  sweep: ceil(public due / 100)  Tweets 30 to 90 days old not read for a day

The sweep right after a first poll has nothing to ask: its figure must be 0.
"""

import math
from datetime import timedelta

from bench.core import Figure
from bench.xsandbox import EPOCH, PolledSandbox

START = EPOCH + timedelta(days=2)
PRIVATE_WINDOW = timedelta(days=30)
TIMELINE_CAP = 3200
V2_ENDPOINTS = ("users_tweets", "tweets_lookup", "tweet_lookup", "users_me")
# (label, sandbox config, username): a generated account posts about live_tweets in 30 days
# (12 and 950 give 10 and 1,005 live Tweets at START in this world).
ACCOUNTS = {
    "10": ({"generated_users": 1, "live_tweets": 12}, "sandbox_gen0001"),
    "250": ({}, "sandbox_demo"),
    "1,000": ({"generated_users": 1, "live_tweets": 950}, "sandbox_gen0001"),
    "3,000": ({}, "sandbox_big"),
}
QUICK = ("10", "250")
FULL = ("10", "1,000", "3,000")
LATER = (timedelta(minutes=5), timedelta(hours=1), timedelta(days=1))


def batches(n: int) -> int:
    return math.ceil(n / 100)


class Bound:
    """The documented bound for the next poll of one account, from the world and the DB."""

    def __init__(self, run: PolledSandbox, account):
        self.run, self.account = run, account
        self.user = run.world.user(account.x_user_id)
        self.audience_read_at = None

    def poll(self, now) -> dict[str, int]:
        from tweets.models import Tweet
        from tweets.schedule import Schedule

        world, account = self.run.world, self.account
        account.refresh_from_db()
        timeline = world.timeline(self.user.id, now)[:TIMELINE_CAP]
        if account.newest_tweet_id:
            new = [t for t in timeline if int(t.id) > account.newest_tweet_id]
        else:
            since = now - PRIVATE_WINDOW + timedelta(minutes=1)
            new = [t for t in timeline if t.created_at >= since]
        schedule = Schedule.from_settings()
        stored = {
            t.id: t
            for t in Tweet.objects.filter(
                account=account, created_at__gte=now - schedule.horizon
            ).exclude(kind=Tweet.Kind.RETWEET)
        }
        looked = {
            int(t.id) for t in new if t.kind != "retweet" and now - t.created_at < PRIVATE_WINDOW
        }
        looked |= {tid for tid, t in stored.items() if schedule.private_due(t, now)}
        paid = 0
        for tid in looked:
            tweet = world.tweet(str(tid), now)
            if tweet is None or not tweet.promoted:
                continue
            reach = world.tweet_metrics(tweet, now)["promoted_metrics"]
            last = stored[tid].last_sampled_at if tid in stored else None
            if any(reach.values()) and (
                last is None or reach != world.tweet_metrics(tweet, last)["promoted_metrics"]
            ):
                paid += 1
        users_me = self.audience_read_at is None or now - self.audience_read_at >= timedelta(
            hours=1
        )
        if users_me:
            self.audience_read_at = now
        sweep_due = (
            account.last_public_sweep_at is None
            or now - account.last_public_sweep_at >= schedule.public_interval
        )
        public = [t for t in stored.values() if schedule.public_due(t, now)]
        return {
            "poll": max(1, batches(len(new))) + batches(len(looked)) + batches(paid) + users_me,
            "sweep": batches(len(public)) if sweep_due else 0,
            "new": len(new),
            "looked": len(looked),
            "paid": paid,
        }


def measure(label: str) -> list[Figure]:
    from tweets import polling
    from tweets.models import PollRun

    config, username = ACCOUNTS[label]
    figures = []
    with PolledSandbox(START, **config) as run:
        account = run.link(username)
        bound = Bound(run, account)
        live = sum(
            1
            for t in run.world.timeline(bound.user.id, START)
            if t.kind != "retweet" and START - t.created_at < PRIVATE_WINDOW
        )
        name = f"@{username} ({live:,} live Tweets)"
        later = {"made": 0, "bound": 0}
        for step, offset in enumerate((timedelta(0), *LATER)):
            now = START + offset
            run.move_to(now)
            expected = bound.poll(now)
            run.forget_requests()
            account.refresh_from_db()
            runs = polling.poll_account(account)
            failed = [r.error for r in runs if r.outcome != PollRun.Outcome.OK]
            if failed:
                raise RuntimeError(f"{name}: a poll failed: {failed}")
            made = run.requests_made()
            total = sum(made.get(e, 0) for e in V2_ENDPOINTS)
            sweep = runs[1].requests_made if len(runs) > 1 else 0
            if total != sum(r.requests_made for r in runs):
                raise RuntimeError(f"{name}: the runs count {runs}, the sandbox {made}")
            print(f"  {name} +{offset}: {made} vs bound {expected}", flush=True)
            if step == 0:
                figures += [
                    Figure(
                        "requests",
                        f"first poll, {name}",
                        total - sweep,
                        "requests",
                        baseline=expected["poll"],
                        baseline_name=(
                            f"bound: {expected['new']:,} new, {expected['looked']:,} looked up,"
                            f" {expected['paid']} with paid reach, users/me"
                        ),
                        target="= bound",
                        ok=total - sweep == expected["poll"],
                    ),
                    Figure(
                        "requests",
                        f"the sweep right after the first poll, {name}",
                        sweep,
                        "requests",
                        target="= 0 (nothing it already knows)",
                        ok=sweep == expected["sweep"] == 0,
                    ),
                ]
            else:
                later["made"] += total
                later["bound"] += expected["poll"] + expected["sweep"]
        figures.append(
            Figure(
                "requests",
                f"polls 5 min, 1 h and 1 day later (with the sweep), {name}",
                later["made"],
                "requests",
                baseline=later["bound"],
                baseline_name="bound, summed",
                target="= bound",
                ok=later["made"] == later["bound"],
            )
        )
    return figures


def run(quick: bool) -> list[Figure]:
    figures = []
    for label in QUICK if quick else FULL:
        figures += measure(label)
    return figures
