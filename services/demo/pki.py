"""Demo/test PKI: a root CA, signer certificates, a timestamp authority, CRL and OCSP.

It stands in for BSrE's CA, the BSSN timestamp authority and their revocation
services in the demo and in tests. Every date comes from the given ``Clock`` so a
test on a ``FrozenClock`` gets certificates valid around the frozen time (not the
wall clock). Certificates carry CRL distribution point and OCSP URLs under
``base_url`` when one is set (see ``services.demo.pki_server``), which is what
lets a signature reach PAdES B-LT. Nothing generated here is ever committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp as asn1_tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from services.clock import Clock

# Revocation data is published with a generous window: pdfsig checks it against the
# wall clock while tests run on a frozen one (and CI under libfaketime, weeks later).
REVOCATION_WINDOW = dt.timedelta(days=120)


def _name(common_name: str, org: str, serial: str = "", email: str = "") -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


def _key_usage(**on: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


@dataclass
class IssuedCert:
    """A certificate with its private key (and the CA chain above it)."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: list[x509.Certificate]

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def p12(self, passphrase: str) -> bytes:
        cn = self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        return pkcs12.serialize_key_and_certificates(
            name=str(cn).encode("utf-8"), key=self.key, cert=self.cert, cas=self.chain,
            encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
        )

    def asn1_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        der = self.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
        return asn1_keys.PrivateKeyInfo.load(der)


@dataclass
class DemoPki:
    """A one-level CA (root signs end-entity certificates directly) plus TSA, CRL and OCSP."""

    clock: Clock
    name: str = "CA Demo Presensi OPD"
    organisation: str = "Balai Sertifikasi Elektronik (DEMO)"
    base_url: str = ""  # http://127.0.0.1:PORT of the PKI server; "" = no revocation URLs in certificates
    key_size: int = 2048
    root: IssuedCert = field(init=False)
    tsa: IssuedCert = field(init=False)
    revoked: dict[int, dt.datetime] = field(default_factory=dict)
    issued: dict[int, x509.Certificate] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        now = self.clock.utcnow()
        key = rsa.generate_private_key(public_exponent=65537, key_size=self.key_size)
        subject = _name(self.name, self.organisation)
        cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=365)).not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        self.root = IssuedCert(key, cert, [])
        self.tsa = self.issue("Timestamp Authority Demo (setara TSA BSSN)", tsa=True)

    # ------------------------------------------------------------------ issuing
    @property
    def root_pem(self) -> bytes:
        return self.root.cert_pem

    def issue(
        self,
        common_name: str,
        *,
        serial: str = "",
        email: str = "",
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        tsa: bool = False,
    ) -> IssuedCert:
        """An end-entity certificate (signer by default, TSA with ``tsa=True``), valid around the clock's now."""
        now = self.clock.utcnow()
        start = not_before or now - dt.timedelta(days=30)
        end = not_after or now + dt.timedelta(days=730)
        key = rsa.generate_private_key(public_exponent=65537, key_size=self.key_size)
        builder = (
            x509.CertificateBuilder().subject_name(_name(common_name, self.organisation, serial, email))
            .issuer_name(self.root.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()),
                           critical=False)
        )
        if tsa:
            builder = builder.add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        else:
            # NSS (pdfsig) checks signer certificates with the e-mail signer usage
            builder = builder.add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                                            critical=False)
        if self.base_url:
            builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(f"{self.base_url}/crl/root.crl")],
                relative_name=None, reasons=None, crl_issuer=None)]), critical=False)
            builder = builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(f"{self.base_url}/ocsp"))]),
                critical=False)
        cert = builder.sign(self.root.key, hashes.SHA256())
        with self._lock:
            self.issued[cert.serial_number] = cert
        return IssuedCert(key, cert, [self.root.cert])

    def issue_tls_server(self, host: str = "localhost", ips: tuple[str, ...] = ("127.0.0.1",)) -> IssuedCert:
        """A TLS server certificate (e.g. for a test PostgreSQL) naming ``host`` and ``ips``."""
        import ipaddress

        now = self.clock.utcnow()
        key = rsa.generate_private_key(public_exponent=65537, key_size=self.key_size)
        names: list[x509.GeneralName] = [x509.DNSName(host)]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        cert = (
            x509.CertificateBuilder().subject_name(_name(host, self.organisation))
            .issuer_name(self.root.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(_key_usage(digital_signature=True, key_encipherment=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.root.key, hashes.SHA256())
        )
        return IssuedCert(key, cert, [self.root.cert])

    def revoke(self, cert: x509.Certificate) -> None:
        with self._lock:
            self.revoked[cert.serial_number] = self.clock.utcnow() - dt.timedelta(seconds=1)

    # ------------------------------------------------------------------ services
    def crl_der(self) -> bytes:
        now = self.clock.utcnow()
        builder = (
            x509.CertificateRevocationListBuilder().issuer_name(self.root.cert.subject)
            .last_update(now - dt.timedelta(days=1)).next_update(now + REVOCATION_WINDOW)
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()),
                           critical=False)
        )
        with self._lock:
            revoked = dict(self.revoked)
        for serial, when in revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
        return builder.sign(self.root.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def ocsp_response_der(self, request_der: bytes) -> bytes:
        """Answer an OCSP request for a certificate this CA issued, signed by the CA itself."""
        try:
            req = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
                serialization.Encoding.DER)
        with self._lock:
            cert = self.issued.get(req.serial_number)
        if cert is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
                serialization.Encoding.DER)
        now = self.clock.utcnow()
        with self._lock:
            revoked_at = self.revoked.get(cert.serial_number)
        status = ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert, issuer=self.root.cert, algorithm=hashes.SHA1(), cert_status=status,
            this_update=now - dt.timedelta(days=1), next_update=now + REVOCATION_WINDOW,
            revocation_time=revoked_at, revocation_reason=None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, self.root.cert)
        for ext in req.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                builder = builder.add_extension(ext.value, critical=False)
        return builder.sign(self.root.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def timestamp_response_der(self, request_der: bytes) -> bytes:
        """RFC 3161: answer a TimeStampReq with a token signed by the TSA certificate at the clock's time."""
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        try:
            req = asn1_tsp.TimeStampReq.load(request_der)
            _ = req["message_imprint"]["hashed_message"].native
        except (ValueError, TypeError, KeyError):
            return asn1_tsp.TimeStampResp({"status": {"status": "rejection",
                                                      "fail_info": asn1_tsp.PKIFailureInfo({"bad_data_format"})}}
                                          ).dump()
        stamper = DummyTimeStamper(
            tsa_cert=self.tsa.asn1_cert(), tsa_key=self.tsa.asn1_key(),
            certs_to_embed=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(self.root.cert.public_bytes(serialization.Encoding.DER))]),
            fixed_dt=self.clock.utcnow(),
        )
        return stamper.request_tsa_response(req).dump()

    def fingerprint(self) -> str:
        return hashlib.sha256(self.root.cert.public_bytes(serialization.Encoding.DER)).hexdigest()
