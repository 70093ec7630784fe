"""Signals the poller sends, so apps above tweets (alerts) can act on a poll without
tweets importing them."""

from django.dispatch import Signal

# Sent once a PollRun is finished, whatever its outcome, with `run` (the PollRun). After an
# ok poll, the Tweets it sampled have `last_sampled_at` at or after the run's start.
poll_finished = Signal()
