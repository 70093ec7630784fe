"""python manage.py poll [--account USERNAME] [--all]: one synchronous poll cycle."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import XAccount
from tweets import polling


class Command(BaseCommand):
    help = (
        "Poll due accounts now, in this process, and print one line per account"
        " (requests made, Tweets sampled, rate-limit state)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", metavar="USERNAME", help="poll this account, due or not")
        parser.add_argument("--all", action="store_true", help="poll every active account")

    def handle(self, *args, account=None, all=False, **options):
        accounts = XAccount.objects.filter(state=XAccount.State.ACTIVE).order_by("username")
        if account:
            accounts = XAccount.objects.filter(username__iexact=account.lstrip("@"))
            if not accounts:
                raise CommandError(f"No linked account @{account.lstrip('@')}.")
        elif not all:
            accounts = accounts.filter(next_poll_at__lte=timezone.now())
        if not accounts:
            self.stdout.write("No account is due (use --all to poll every active account).")
        for target in accounts:
            if not target.is_pollable:
                self.stdout.write(f"@{target.username}: skipped ({target.get_state_display()})")
                continue
            for run in polling.poll_account(target):
                self.stdout.write(summary(target, run))


def summary(account: XAccount, run) -> str:
    remaining = "unknown" if run.rate_limit_remaining is None else run.rate_limit_remaining
    line = (
        f"@{account.username} [{run.kind}]: {run.outcome}, {run.requests_made} requests,"
        f" {run.tweets_sampled} Tweets sampled, {run.samples_written} samples written,"
        f" rate limit remaining {remaining}"
    )
    return f"{line} ({run.error})" if run.error else line
