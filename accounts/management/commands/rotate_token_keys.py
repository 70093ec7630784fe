"""python manage.py rotate_token_keys: re-encrypt every stored token under the first key.

Rotate keys by prepending a new key to TOKEN_ENCRYPTION_KEYS, running this command, then
dropping the old key.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.crypto import InvalidToken, rotate
from accounts.models import XAccount


class Command(BaseCommand):
    help = "Re-encrypt every linked account's tokens under the first TOKEN_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        rotated = 0
        with transaction.atomic():
            for account in XAccount.objects.select_for_update().exclude(tokens_encrypted=""):
                try:
                    account.tokens_encrypted = rotate(account.tokens_encrypted)
                except InvalidToken as exc:
                    raise CommandError(
                        f"No configured key opens the tokens of account {account.pk};"
                        " keep the old key in TOKEN_ENCRYPTION_KEYS until rotation is done."
                    ) from exc
                account.save(update_fields=["tokens_encrypted"])
                rotated += 1
        self.stdout.write(f"Re-encrypted the tokens of {rotated} account(s) under the first key.")
