"""Billed reads as X counts them, against the sandbox's own GET /2/usage/tweets.

Accounts are polled on the product's schedule over a simulated week (quick: two days with
one small account and a coarser schedule), the product's clock and the sandbox's moved
together. Every UTC day, the Posts the product counted as billed (tweets/billing.py) must
equal what the sandbox billed (each Post once per UTC day, failed requests free). Billed
reads per live Tweet per day stand beside the bare count of every Tweet X returned (what
billing without X's daily dedup would charge: the poll runs' Tweets read).
"""

from datetime import UTC, timedelta

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.test.utils import override_settings

from bench.core import Figure
from bench.xsandbox import EPOCH, PolledSandbox

# An evening start, so the first UTC midnight comes after a few hours of polls.
START = EPOCH + timedelta(days=2, hours=8)
PRIVATE_WINDOW = timedelta(days=30)
FULL = {
    "days": 7,
    "config": {"generated_users": 1, "live_tweets": 300},
    # Retweets, promoted Tweets and videos; and the scale run's 300-live-Tweet account.
    "accounts": ("sandbox_demo", "sandbox_gen0001"),
    "schedule": None,  # the default: 5 minutes to 6 h, hourly to 7 days, 6-hourly to 30
}
QUICK = {
    "days": 2,  # from an evening: one whole UTC day between two partial ones
    "config": {"generated_users": 1, "live_tweets": 10},
    "accounts": ("sandbox_gen0001",),
    "schedule": [
        (timedelta(hours=6), timedelta(hours=1)),
        (timedelta(days=7), timedelta(hours=3)),
        (timedelta(days=30), timedelta(hours=12)),
    ],
}


def live_tweets(world, user_ids, moment) -> int:
    return sum(
        1
        for user_id in user_ids
        for t in world.timeline(user_id, moment)
        if t.kind != "retweet" and moment - t.created_at < PRIVATE_WINDOW
    )


def simulate(plan: dict) -> list[Figure]:
    from tweets import polling
    from tweets.models import BilledReads, PollRun
    from tweets.schedule import Schedule

    end = START + timedelta(days=plan["days"])
    with PolledSandbox(START, **plan["config"]) as run:
        accounts = [run.link(name) for name in plan["accounts"]]
        step = Schedule.from_settings().discovery_interval
        now, polls = START, 0
        while now < end:
            run.move_to(now)
            for account in accounts:
                account.refresh_from_db()
                runs = polling.poll_account(account)
                polls += 1
                failed = [r.error for r in runs if r.outcome != PollRun.Outcome.OK]
                if failed:
                    raise RuntimeError(f"@{account.username} at {now}: {failed}")
            now += step
        ours = {
            row["day"]: row["n"]
            for row in BilledReads.objects.values("day").annotate(n=Sum("tweets"))
        }
        theirs = {day: n for day, n in run.x_billed(plan["days"] + 2).items() if n}
        read = {
            row["day"]: row["n"]
            for row in PollRun.objects.annotate(day=TruncDate("started_at", tzinfo=UTC))
            .values("day")
            .annotate(n=Sum("tweets_sampled"))
        }
        users = [a.x_user_id for a in accounts]
        live = (live_tweets(run.world, users, START) + live_tweets(run.world, users, end)) / 2
    # Whole UTC days only: the first and last are polled for part of the day.
    whole = [day for day in ours if START.date() < day < end.date()]
    billed = sum(ours.values())
    print(f"  billing: {polls} polls; ours per day {ours}; the sandbox's {theirs}", flush=True)
    name = f"{len(accounts)} account(s), {live:,.0f} live Tweets, {plan['days']} days"
    return [
        Figure(
            "billing",
            f"Posts billed, counted by the product ({name})",
            billed,
            "Posts",
            baseline=sum(theirs.values()),
            baseline_name="the sandbox's GET /2/usage/tweets",
            target="= X's count, every UTC day",
            ok=ours == theirs,
        ),
        Figure(
            "billing",
            f"billed reads per live Tweet per day ({name})",
            round(sum(ours[day] for day in whole) / live / len(whole), 3),
            "reads/Tweet/day",
            baseline=round(sum(read.get(day, 0) for day in whole) / live / len(whole), 3),
            baseline_name="every Tweet read counted (no daily dedup), whole UTC days",
        ),
    ]


def run(quick: bool) -> list[Figure]:
    plan = QUICK if quick else FULL
    if plan["schedule"] is None:
        return simulate(plan)
    with override_settings(POLL_SCHEDULE=plan["schedule"]):
        return simulate(plan)
