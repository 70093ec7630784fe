"""Webhook URLs and secrets at rest: unreadable in the database, re-encrypted by
rotate_webhook_keys under the first TOKEN_ENCRYPTION_KEYS key."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from notifications.models import Destination

from .conftest import webhook

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/services/T0/B0/the-secret-part"


def raw(destination) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM notifications_destination WHERE id = %s", [destination.pk]
        )
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_url_and_secret(settings, alice, capsys):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old_key]
    destination, secret = webhook(alice, URL)
    assert "the-secret-part" not in raw(destination) and secret not in raw(destination)

    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_webhook_keys")
    assert "Re-encrypted 1 webhook destination(s)" in capsys.readouterr().out

    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    destination = Destination.objects.get(pk=destination.pk)
    assert (destination.url, destination.secret) == (URL, secret)
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(raw(destination).encode())
