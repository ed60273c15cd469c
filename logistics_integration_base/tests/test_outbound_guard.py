"""Calls to customer systems: checked destination, pinned connection, TLS by
name, no redirects. Real sockets and TLS on loopback."""

import datetime
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from odoo.tests import TransactionCase, tagged

from ..lib import errors, url_guard
from ..models.logistics_endpoint import OUTBOUND_ALLOW_LIST_PARAM
from .http_peer import HttpPeer

CERT_NAME = "localhost"


def _self_signed(folder):
    """A certificate for `localhost` (its own CA) and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERT_NAME)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(CERT_NAME)]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = Path(folder, "cert.pem"), Path(folder, "key.pem")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


class TlsReceiver(HttpPeer):
    """An https receiver on 127.0.0.1; `hosts`: the Host header of each call."""

    def __init__(self, cert_path, key_path):
        super().__init__(tls=(cert_path, key_path))

    @property
    def hosts(self):
        return [request["headers"]["Host"] for request in self.requests]


@tagged("post_install", "-at_install")
class TestOutboundGuard(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = tempfile.TemporaryDirectory()
        cls.addClassCleanup(folder.cleanup)
        cls.cert_path, cls.key_path = _self_signed(folder.name)

    def _allow(self, entries):
        self.env["ir.config_parameter"].set_param(OUTBOUND_ALLOW_LIST_PARAM, entries)

    def _endpoint(self, url, system="customer"):
        return self.env["logistics.endpoint"].create(
            {
                "name": "Customer receiver",
                "code": "receiver_%s" % system,
                "system": system,
                "base_url": url,
                "ca_bundle_path": self.cert_path,
                "max_attempts": 1,
            }
        )

    def test_pinned_https_call_verifies_the_host_name(self):
        if url_guard.resolve(CERT_NAME, 443)[0] != "127.0.0.1":
            self.skipTest("localhost does not resolve to 127.0.0.1 first here")
        self._allow("localhost")
        with TlsReceiver(self.cert_path, self.key_path) as receiver:
            endpoint = self._endpoint("https://localhost:%s/in" % receiver.port)
            response = endpoint._request("POST", "", "corr-1", json={"a": 1})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(receiver.hosts, ["localhost:%s" % receiver.port])

    def test_certificate_of_another_name_is_refused(self):
        # The address is allowed, but the certificate is not 127.0.0.1's.
        self._allow("127.0.0.1")
        with TlsReceiver(self.cert_path, self.key_path) as receiver:
            endpoint = self._endpoint("https://127.0.0.1:%s/in" % receiver.port)
            with self.assertRaises(errors.IntegrationError):
                endpoint._request("POST", "", "corr-2", json={})
        self.assertEqual(receiver.hosts, [])

    def test_customer_endpoint_without_allow_list_is_not_called(self):
        with TlsReceiver(self.cert_path, self.key_path) as receiver:
            endpoint = self._endpoint("https://localhost:%s/in" % receiver.port)
            with self.assertRaises(errors.PermanentError) as caught:
                endpoint._request("POST", "", "corr-3", json={})
        self.assertIn("loopback", caught.exception.message)
        self.assertEqual(receiver.hosts, [])

    def test_admin_configured_systems_are_not_guarded(self):
        # A TMS on the company's own network is configured by an admin.
        with TlsReceiver(self.cert_path, self.key_path) as receiver:
            endpoint = self._endpoint(
                "https://localhost:%s/in" % receiver.port, system="tms"
            )
            response = endpoint._request("POST", "", "corr-4", json={})
        self.assertEqual(response.status_code, 200)
