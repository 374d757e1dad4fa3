"""Certificate helpers and the signer-certificate checks done before every signature.

`check_signer_certificate` refuses, with a message naming the problem, a certificate
that is expired or not yet valid at the office clock's time, or that does not chain
to a configured trusted root (the BSrE root or the demo CA).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from services.errors import BadInputError

TrustSource = bytes | str | Path


class CertificateRefused(BadInputError):
    """The signer certificate cannot be used now (expired, not yet valid, untrusted, revoked)."""

    title = "Sertifikat tidak dapat dipakai"


def cert_to_pem(cert: asn1_x509.Certificate) -> str:
    return asn1_pem.armor("CERTIFICATE", cert.dump()).decode("ascii")


def load_certs(pems: Sequence[TrustSource]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM/DER bytes, PEM text or file paths (a file may hold several PEM blocks)."""
    out: list[asn1_x509.Certificate] = []
    for item in pems:
        if isinstance(item, Path):
            data = item.read_bytes()
        elif isinstance(item, str):
            data = item.encode("ascii") if "-----BEGIN" in item else Path(item).read_bytes()
        else:
            data = item
        if asn1_pem.detect(data):
            out.extend(asn1_x509.Certificate.load(der) for _t, _h, der in asn1_pem.unarmor(data, multiple=True))
        else:
            out.append(asn1_x509.Certificate.load(data))
    return out


def subject_text(cert: asn1_x509.Certificate) -> str:
    return cert.subject.human_friendly


def _fmt(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%d-%m-%Y %H:%M UTC")


def check_signer_certificate(
    cert: asn1_x509.Certificate,
    chain: Sequence[asn1_x509.Certificate],
    trust_roots: Sequence[TrustSource],
    moment: dt.datetime,
) -> None:
    """Raise CertificateRefused unless ``cert`` is valid at ``moment`` and chains to one of ``trust_roots``."""
    who = subject_text(cert)
    not_before = cert["tbs_certificate"]["validity"]["not_before"].native
    not_after = cert["tbs_certificate"]["validity"]["not_after"].native
    if moment < not_before:
        raise CertificateRefused(
            f"Sertifikat penanda tangan ({who}) belum berlaku: berlaku mulai {_fmt(not_before)}, "
            f"sekarang {_fmt(moment)}. Periksa jam komputer atau gunakan sertifikat lain.")
    if moment > not_after:
        raise CertificateRefused(
            f"Sertifikat penanda tangan ({who}) sudah kedaluwarsa pada {_fmt(not_after)}. "
            "Perpanjang sertifikat di BSrE (atau CA daerah) lalu tanda tangani lagi.")
    roots = load_certs(trust_roots)
    if not roots:
        raise CertificateRefused(
            "Belum ada sertifikat akar tepercaya yang diatur (Pengaturan → Tanda tangan → Akar tepercaya); "
            "tanda tangan tidak dibuat karena rantai sertifikat tidak dapat diperiksa.")
    vc = ValidationContext(trust_roots=roots, other_certs=list(chain), moment=moment, allow_fetching=False,
                           revocation_mode="soft-fail")
    validator = CertificateValidator(cert, intermediate_certs=list(chain), validation_context=vc)
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))
    except PathBuildingError:
        names = ", ".join(subject_text(r) for r in roots)
        raise CertificateRefused(
            f"Sertifikat penanda tangan ({who}, diterbitkan oleh {cert.issuer.human_friendly}) tidak berantai ke "
            f"akar tepercaya yang diatur ({names}).") from None
    except RevokedError:
        raise CertificateRefused(f"Sertifikat penanda tangan ({who}) telah dicabut oleh penerbitnya.") from None
    except (ExpiredError, NotYetValidError) as exc:
        raise CertificateRefused(f"Rantai sertifikat penanda tangan ({who}) tidak berlaku saat ini: {exc}") from None
    except InsufficientRevinfoError:
        return  # soft-fail: no revocation info offline is not a refusal
    except PathValidationError as exc:
        raise CertificateRefused(f"Sertifikat penanda tangan ({who}) tidak sah: {exc}") from None
