"""python manage.py rotate_webhook_keys: re-encrypt every alert webhook's URL and secret
under the first TOKEN_ENCRYPTION_KEYS key, as rotate_token_keys does for X tokens.

Rotate keys by prepending a new key, running both commands, then dropping the old key.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.crypto import InvalidToken, rotate
from notifications.models import Destination


class Command(BaseCommand):
    help = "Re-encrypt every alert webhook's URL and secret under the first key."

    def handle(self, *args, **options):
        rotated = 0
        with transaction.atomic():
            for destination in Destination.objects.select_for_update().exclude(credentials=""):
                try:
                    destination.credentials = rotate(destination.credentials)
                except InvalidToken as exc:
                    raise CommandError(
                        f"No configured key opens webhook destination {destination.pk};"
                        " keep the old key in TOKEN_ENCRYPTION_KEYS until rotation is done."
                    ) from exc
                destination.save(update_fields=["credentials"])
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} webhook destination(s) under the first key.")
