"""A serving certificate for the simulated cluster, signed by its own small CA.

kubectl (client-go) sends a kubeconfig's bearer token only over TLS (kubernetes/kubectl#744:
`getUserIdentificationPartialConfig` sets it for TLS connections only), so the simulator
serves HTTPS. The CA lands in `<cert-dir>/ca.crt`; a kubeconfig carries it as
`certificate-authority-data`. Files are reused while valid, so kubeconfigs survive restarts.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALIDITY = datetime.timedelta(days=365)


@dataclass(frozen=True)
class ServingCert:
    ca_file: Path
    cert_file: Path
    key_file: Path

    @property
    def ca_pem(self) -> bytes:
        return self.ca_file.read_bytes()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _still_valid(cert_file: Path) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    except (OSError, ValueError):
        return False
    remaining = cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC)
    return remaining > datetime.timedelta(days=1)


def ensure_serving_cert(
    cert_dir: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> ServingCert:
    cert_dir.mkdir(parents=True, exist_ok=True)
    paths = ServingCert(cert_dir / "ca.crt", cert_dir / "apiserver.crt", cert_dir / "apiserver.key")
    if all(p.exists() for p in (paths.ca_file, paths.cert_file, paths.key_file)) and _still_valid(
        paths.cert_file
    ):
        return paths
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("pull-policy-labs-sim-ca"))
        .issuer_name(_name("pull-policy-labs-sim-ca"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("pull-policy-labs-sim"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths.key_file.write_bytes(_pem_key(key))
    paths.key_file.chmod(0o600)
    paths.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return paths
