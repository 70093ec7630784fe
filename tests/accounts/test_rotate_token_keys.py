"""Tokens at rest: unreadable in the database, and re-encrypted by rotate_token_keys."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from accounts.models import XAccount

pytestmark = pytest.mark.django_db

SECRETS = {"access_token": "access-token-value-0001", "refresh_token": "refresh-token-value-0002"}


def raw_column(account) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tokens_encrypted FROM accounts_xaccount WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def make_account(owner, n):
    account = XAccount(
        owner=owner, x_user_id=str(1000 + n), username=f"user{n}", auth_kind="oauth2"
    )
    account.set_tokens(SECRETS)
    account.save()
    return account


def test_rotate_re_encrypts_every_row_under_the_first_key(settings, django_user_model, capsys):
    owner = django_user_model.objects.create_user("alice")
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old_key]
    accounts = [make_account(owner, n) for n in range(3)]
    before = [raw_column(a) for a in accounts]
    for value in before:
        assert "token-value" not in value
        assert Fernet(old_key).decrypt(value.encode())

    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_token_keys")
    assert "3 account(s)" in capsys.readouterr().out

    settings.TOKEN_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    for account, old_value in zip(accounts, before, strict=True):
        value = raw_column(account)
        assert value != old_value
        assert Fernet(new_key).decrypt(value.encode())
        with pytest.raises(InvalidToken):
            Fernet(old_key).decrypt(value.encode())
        account.refresh_from_db()
        assert account.get_tokens() == SECRETS


def test_rotate_refuses_rows_no_key_opens(settings, django_user_model):
    owner = django_user_model.objects.create_user("alice")
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    make_account(owner, 1)
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(Exception, match="keep the old key"):
        call_command("rotate_token_keys")
