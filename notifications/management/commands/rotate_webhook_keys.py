"""python manage.py rotate_webhook_keys: re-encrypt every alert webhook's URL and secret
under the first TOKEN_ENCRYPTION_KEYS key, as rotate_token_keys does for X tokens.

Rotate keys by prepending a new key, running both commands, then dropping the old key.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.crypto import UnreadableRow, rotate_column
from notifications.models import Destination


class Command(BaseCommand):
    help = "Re-encrypt every alert webhook's URL and secret under the first key."

    def handle(self, *args, **options):
        try:
            rotated = rotate_column(Destination.objects.all(), "credentials")
        except UnreadableRow as exc:
            raise CommandError(
                f"No configured key opens webhook destination {exc.row.pk};"
                " keep the old key in TOKEN_ENCRYPTION_KEYS until rotation is done."
            ) from exc
        self.stdout.write(f"Re-encrypted {rotated} webhook destination(s) under the first key.")
