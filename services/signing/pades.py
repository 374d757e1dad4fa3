"""PAdES signing and validation of PDF files with pyHanko (PKCS#12 certificates).

`sign_pdf_bytes` adds one visible PAdES signature (name, NIP, jabatan) in the given
box of the last page. `validate_pdf_bytes` checks the signature with pyHanko's
validator; `pdfsig_check` asks poppler's independent `pdfsig` with a throw-away
NSS database that trusts the given CA certificates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import text as pdf_text
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from services.errors import UserError

FIELD_NAME = "TandaTanganKepala"

# pyHanko logs a full traceback for every untrusted chain; our verdict already says it plainly.
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.CRITICAL)


class SigningError(UserError):
    """A user-facing signing problem (wrong passphrase, unreadable certificate, ...)."""


@dataclass(frozen=True)
class SignerIdentity:
    name: str
    nip: str
    jabatan: str


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    sha256: str
    signer_subject: str
    signer_cert_pem: str


def load_signer(p12: bytes, passphrase: str) -> signers.SimpleSigner:
    try:
        return signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=passphrase.encode("utf-8"))
    except ValueError:
        raise SigningError("Sertifikat PKCS#12 tidak dapat dibuka: kata sandi salah atau berkas rusak.") from None


def cert_to_pem(cert: asn1_x509.Certificate) -> str:
    return asn1_pem.armor("CERTIFICATE", cert.dump()).decode("ascii")


def load_certs(pems: Sequence[bytes | str | Path]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM/DER bytes or file paths (a file may hold several PEM blocks)."""
    out: list[asn1_x509.Certificate] = []
    for item in pems:
        data = Path(item).read_bytes() if isinstance(item, Path) else (item.encode() if isinstance(item, str) else item)
        if asn1_pem.detect(data):
            out.extend(asn1_x509.Certificate.load(der) for _t, _h, der in asn1_pem.unarmor(data, multiple=True))
        else:
            out.append(asn1_x509.Certificate.load(data))
    return out


def sign_pdf_bytes(
    pdf: bytes,
    p12: bytes,
    passphrase: str,
    identity: SignerIdentity,
    box: tuple[float, float, float, float],
    *,
    reason: str = "Pengesahan laporan rekapitulasi kehadiran bulanan",
    location: str = "",
    timezone: str = "Asia/Jakarta",
    signed_at: dt.datetime,
) -> SignedPdf:
    """Sign ``pdf`` (PAdES baseline B) with a visible stamp in ``box`` on the last page."""
    signer = load_signer(p12, passphrase)
    reader_pages = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"]
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(
        writer, fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=int(reader_pages) - 1, box=box)
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location or None,
        name=identity.name,
    )
    style = TextStampStyle(
        stamp_text=(
            "Ditandatangani secara elektronik oleh:\n%(nama)s\nNIP. %(nip)s\n%(jabatan)s\nWaktu: %(waktu)s"
        ),
        text_box_style=pdf_text.TextBoxStyle(font_size=7, leading=9),
        border_width=1,
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=style)
    out = pdf_signer.sign_pdf(
        writer,
        appearance_text_params={"nama": identity.name, "nip": identity.nip or "-", "jabatan": identity.jabatan or "-",
                                "waktu": _local_time_text(signed_at, timezone)},
    )
    data = out.getvalue()
    cert = signer.signing_cert
    return SignedPdf(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        signer_subject=cert.subject.human_friendly,
        signer_cert_pem=cert_to_pem(cert),
    )


_ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def _local_time_text(signed_at: dt.datetime, timezone: str) -> str:
    """Stamp time (office-local, naive) in the office's zone (WIB/WITA/WIT); the CMS signing time stays UTC."""
    return f"{signed_at:%d-%m-%Y %H.%M} {_ZONE_NAMES.get(timezone, timezone)}"


@dataclass
class SignatureCheck:
    """Outcome of one validator on one PDF; `ok` means intact, covering the whole file and trusted."""

    ok: bool
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer_subject: str = ""
    signer_cert_pem: str = ""
    signing_time: dt.datetime | None = None
    problems: list[str] = field(default_factory=list)


def validate_pdf_bytes(data: bytes, trust_roots: Sequence[bytes | str | Path] = ()) -> SignatureCheck:
    """Validate the (single) signature with pyHanko; trust only the given CA certificates."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a valid signed PDF"
        return SignatureCheck(ok=False, problems=[f"PDF tidak dapat dibaca: {exc}"])
    if not sigs:
        return SignatureCheck(ok=False, problems=["PDF tidak memiliki tanda tangan elektronik."])
    roots = load_certs(trust_roots)
    vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    sig = sigs[-1]
    try:
        status = validate_pdf_signature(sig, vc)
    except Exception as exc:  # noqa: BLE001 - a broken CMS blob is an invalid signature, not a crash
        return SignatureCheck(ok=False, problems=[f"Tanda tangan rusak: {exc}"])
    cert = status.signing_cert
    whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE" and len(sigs) == 1
    check = SignatureCheck(
        ok=False,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_file=whole,
        signer_subject=cert.subject.human_friendly if cert is not None else "",
        signer_cert_pem=cert_to_pem(cert) if cert is not None else "",
        signing_time=status.signer_reported_dt,
    )
    if not check.intact:
        check.problems.append("Isi dokumen tidak cocok dengan tanda tangan (dokumen diubah atau tanda tangan rusak).")
    if not check.whole_file:
        check.problems.append("Tanda tangan tidak mencakup seluruh berkas (ada perubahan setelah ditandatangani).")
    if not check.trusted:
        check.problems.append("Sertifikat penanda tangan tidak diterbitkan oleh CA yang dipercaya.")
    check.ok = check.intact and check.whole_file and check.trusted
    return check


@dataclass(frozen=True)
class PdfsigResult:
    available: bool
    signature_valid: bool
    certificate_trusted: bool
    output: str


def pdfsig_check(pdf_path: Path, trust_roots: Sequence[bytes | str | Path]) -> PdfsigResult:
    """Run poppler's `pdfsig` with a temporary NSS database trusting ``trust_roots``."""
    pdfsig, certutil = shutil.which("pdfsig"), shutil.which("certutil")
    if not pdfsig or not certutil:
        missing = "pdfsig (poppler-utils)" if not pdfsig else "certutil (libnss3-tools)"
        return PdfsigResult(False, False, False, f"{missing} tidak terpasang")
    with tempfile.TemporaryDirectory(prefix="presensi-nss-") as tmp:
        nss = f"sql:{tmp}"
        subprocess.run([certutil, "-N", "-d", nss, "--empty-password"], check=True, capture_output=True)
        for i, cert in enumerate(load_certs(trust_roots)):
            ca_file = Path(tmp) / f"ca{i}.der"
            ca_file.write_bytes(cert.dump())
            subprocess.run(
                [certutil, "-A", "-d", nss, "-n", f"ca{i}", "-t", "CT,C,C", "-i", str(ca_file)],
                check=True, capture_output=True,
            )
        proc = subprocess.run([pdfsig, "-nssdir", nss, str(pdf_path)], capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    return PdfsigResult(
        available=True,
        signature_valid="Signature Validation: Signature is Valid." in out,
        certificate_trusted="Certificate Validation: Certificate is Trusted." in out,
        output=out,
    )
