"""A small test CA and signer PKCS#12, generated in code for tests and the demo.

Real deployments use a certificate from the regional CA (BSrE or a Perkada-appointed
CA). Nothing generated here is ever committed: callers write the files to a temp or
data folder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class TestCertificates:
    ca_cert_pem: bytes
    signer_cert_pem: bytes
    p12: bytes  # signer key + cert + CA cert, encrypted with `passphrase`
    passphrase: str

    def write(self, folder: Path, stem: str = "penandatangan") -> tuple[Path, Path]:
        """Write <stem>.p12 and test-ca.pem into folder; returns (p12 path, CA path)."""
        folder.mkdir(parents=True, exist_ok=True)
        p12_path = folder / f"{stem}.p12"
        ca_path = folder / "test-ca.pem"
        p12_path.write_bytes(self.p12)
        p12_path.chmod(0o600)
        ca_path.write_bytes(self.ca_cert_pem)
        return p12_path, ca_path


def _name(common_name: str, org: str, serial: str = "") -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


def make_test_certificates(
    signer_name: str = "Kepala Dinas Uji",
    signer_nip: str = "",
    organisation: str = "Pemerintah Daerah (UJI COBA)",
    passphrase: str = "rahasia-uji",
    key_size: int = 2048,
    valid_days: int = 730,
    *,
    valid_from: dt.datetime,
) -> TestCertificates:
    """Certificates valid from ``valid_from`` (aware; the caller's clock, a few minutes back)."""
    now = valid_from
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    ca_name = _name("CA Uji Presensi OPD", organisation)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=valid_days * 2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name, organisation, signer_nip))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # digitalSignature + nonRepudiation, and emailProtection EKU: NSS (pdfsig) checks
        # signer certificates with the e-mail signer usage
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        name=signer_name.encode("utf-8"),
        key=key,
        cert=cert,
        cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    return TestCertificates(
        ca_cert_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
        signer_cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        p12=p12,
        passphrase=passphrase,
    )
