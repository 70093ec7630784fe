"""Tokens at rest: MultiFernet under TOKEN_ENCRYPTION_KEYS (the first key encrypts, every
key decrypts), so keys can be rotated without downtime."""

import base64
import hashlib
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        # The embedded demo runs with nothing configured: derive one key from SECRET_KEY.
        # Production refuses to start without TOKEN_ENCRYPTION_KEYS (settings.py).
        digest = hashlib.sha256(f"metricsdash-tokens:{secret_key}".encode()).digest()
        keys = (base64.urlsafe_b64encode(digest).decode(),)
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS must be comma-separated Fernet keys (32 url-safe base64 bytes)."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt_tokens(tokens: dict) -> str:
    """Encrypt a dict of token material into one opaque string."""
    return fernet().encrypt(json.dumps(tokens, sort_keys=True).encode()).decode()


def decrypt_tokens(ciphertext: str) -> dict:
    """The dict `encrypt_tokens` was given; {} for an empty column.

    Raises InvalidToken when no configured key opens it.
    """
    if not ciphertext:
        return {}
    return json.loads(fernet().decrypt(ciphertext.encode()))


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the first key (MultiFernet.rotate keeps the original timestamp)."""
    return fernet().rotate(ciphertext.encode()).decode() if ciphertext else ciphertext


class UnreadableRow(Exception):
    """No configured key opens this row's ciphertext (rotate_column changed nothing)."""

    def __init__(self, row):
        super().__init__(f"no configured key opens {type(row).__name__} {row.pk}")
        self.row = row


def rotate_column(queryset, field: str) -> int:
    """Re-encrypt `field` under the first key on every row of `queryset` that holds one, in
    one transaction with the rows locked; returns how many. UnreadableRow when no key opens
    a row: the transaction rolls back, so a half-rotated table never stays behind."""
    rotated = 0
    with transaction.atomic():
        for row in queryset.select_for_update().exclude(**{field: ""}):
            try:
                setattr(row, field, rotate(getattr(row, field)))
            except InvalidToken as exc:
                raise UnreadableRow(row) from exc
            row.save(update_fields=[field])
            rotated += 1
    return rotated


__all__ = [
    "InvalidToken",
    "UnreadableRow",
    "decrypt_tokens",
    "encrypt_tokens",
    "rotate",
    "rotate_column",
]
