"""Fixtures for the alert tests: an account with a history polled as the worker would,
and a way to walk the clock through the world's postings."""

from datetime import timedelta

import pytest

from alerts import tasks
from tweets import polling
from tweets.models import PollRun

# Samples at these ages of every Tweet posted while the test walks the clock: within the
# first polling slots, as the beat's 5-minute polls would take them.
YOUNG_AGES = (timedelta(minutes=2), timedelta(minutes=7))


class Walk:
    """Polls an account at the instants a test names, moving both clocks there, and runs
    the alerts check each poll's task would (alerts.tasks.check_poll) in this process,
    unless `check` is off (a worker runs it)."""

    def __init__(self, clock, account, check=True):
        self.clock = clock
        self.account = account
        self.check = check
        self.world = clock.control.world
        self.user = clock.control.user(account.username)

    def poll(self, at=None) -> PollRun:
        if at is not None:
            self.clock.move_to(at)
        self.account.refresh_from_db()
        run = polling.poll_account(self.account, now=self.clock.now())[0]
        if self.check:
            tasks.check_poll(run.pk)
        return run

    def postings(self, until):
        """The user's Tweets (not Retweets) posted after now and up to `until`, oldest first."""
        now = self.clock.now()
        return [
            t
            for t in reversed(self.world.timeline(self.user.id, until))
            if t.created_at > now and t.kind != "retweet"
        ]

    def through(self, until) -> None:
        """Poll each Tweet posted until `until` at YOUNG_AGES (in time order)."""
        instants = sorted({t.created_at + age for t in self.postings(until) for age in YOUNG_AGES})
        for instant in instants:
            if instant > self.clock.now():
                self.poll(instant)


@pytest.fixture
def walk(clock, link):
    """walk(username) -> a Walk over a freshly linked account, polled once (its first poll
    discovers the last 30 days)."""

    def start(username="sandbox_demo", owner=None, check=True):
        walker = Walk(clock, link(username, owner=owner), check)
        walker.poll()
        return walker

    return start
