"""python manage.py rotate_token_keys: re-encrypt every stored token under the first key.

Rotate keys by prepending a new key to TOKEN_ENCRYPTION_KEYS, running this command, then
dropping the old key.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.crypto import UnreadableRow, rotate_column
from accounts.models import XAccount


class Command(BaseCommand):
    help = "Re-encrypt every linked account's tokens under the first TOKEN_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        try:
            rotated = rotate_column(XAccount.objects.all(), "tokens_encrypted")
        except UnreadableRow as exc:
            raise CommandError(
                f"No configured key opens the tokens of account {exc.row.pk};"
                " keep the old key in TOKEN_ENCRYPTION_KEYS until rotation is done."
            ) from exc
        self.stdout.write(f"Re-encrypted the tokens of {rotated} account(s) under the first key.")
