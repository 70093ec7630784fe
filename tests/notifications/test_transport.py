"""Posting to the address that passed the rules (notifications/transport.py): TLS is still
checked for the host name, IPv6 works, and the Host header names the host."""

import datetime
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import transaction

from notifications import tasks
from notifications.delivery import Message, notify
from notifications.models import Delivery

from .conftest import email_off, webhook

pytestmark = pytest.mark.django_db

MESSAGE = Message(kind="test", title="t", text="t", url="https://metrics.example.com/")


def certificate(tmp_path, name: str) -> tuple[ssl.SSLContext, str]:
    """A self-signed certificate for `name`: (the server's TLS context, the PEM path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=36500))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path)


def send_to(user, url) -> Delivery:
    email_off(user)
    webhook(user, url)
    with transaction.atomic():
        [delivery] = notify([user], MESSAGE, "test:transport")
    tasks.send_delivery(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def test_https_to_the_checked_address_verifies_the_host_name(alice, receivers, tmp_path, settings):
    context, ca = certificate(tmp_path, "localhost")
    receiver = receivers(tls=context)
    settings.ALERT_WEBHOOK_CA_BUNDLE = ca
    url = f"https://localhost:{receiver.port}/hooks/metricsdash"
    delivery = send_to(alice, url)
    assert (delivery.status, delivery.last_status_code) == ("sent", 200)
    [request] = receiver.requests
    assert request.headers["Host"] == f"localhost:{receiver.port}"


def test_a_certificate_for_another_name_gets_nothing(alice, receivers, tmp_path, settings):
    context, ca = certificate(tmp_path, "other.example")
    receiver = receivers(tls=context)
    settings.ALERT_WEBHOOK_CA_BUNDLE = ca
    delivery = send_to(alice, f"https://localhost:{receiver.port}/hooks/metricsdash")
    assert delivery.status == "pending"  # retried later, in case it is fixed
    assert "SSLError" in delivery.last_error and "localhost" in delivery.last_error
    assert receiver.requests == []


def test_an_unknown_ca_gets_nothing(alice, receivers, tmp_path):
    context, _ = certificate(tmp_path, "localhost")
    receiver = receivers(tls=context)
    delivery = send_to(alice, f"https://localhost:{receiver.port}/hooks/metricsdash")
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert receiver.requests == []


def test_ipv6(alice, receivers):
    receiver = receivers(host="::1")
    delivery = send_to(alice, receiver.url)
    assert delivery.status == "sent"
    [request] = receiver.requests
    assert request.headers["Host"] == f"[::1]:{receiver.port}"
    assert request.path == "/hooks/metricsdash"
