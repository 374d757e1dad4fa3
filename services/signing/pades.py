"""PAdES signing of PDF files with pyHanko (PKCS#12 certificates).

`sign_pdf_bytes` adds one PAdES signature (visible stamp with name, NIP and jabatan
in the given box of the last page) at the office clock's time, with an RFC 3161
signature timestamp when a timestamper is given (B-T). Validation lives in
`services.signing.validation`; the names are re-exported here for older callers.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import text as pdf_text
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp import TextStampStyle

from services.clock import Clock
from services.errors import BadInputError
from services.signing.certs import cert_to_pem, load_certs
from services.signing.pdfsig import PdfsigResult, pdfsig_check
from services.signing.validation import SignatureCheck, validate_pdf_bytes

__all__ = [
    "FIELD_NAME", "PdfsigResult", "SignatureCheck", "SignedPdf", "SignerIdentity", "SigningError", "cert_to_pem",
    "load_certs", "load_signer", "pdfsig_check", "sign_pdf_bytes", "validate_pdf_bytes",
]

FIELD_NAME = "TandaTanganKepala"

# pyHanko logs a full traceback for every untrusted chain; our verdict already says it plainly.
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.CRITICAL)


class SigningError(BadInputError):
    """A user-facing signing problem (wrong passphrase, unreadable certificate, ...)."""

    title = "Tanda tangan gagal"


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


def signer_chain(signer: signers.SimpleSigner) -> list[asn1_x509.Certificate]:
    own = signer.signing_cert
    assert own is not None
    return [c for c in signer.cert_registry if c.sha256 != own.sha256]


_ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def stamp_time_text(clock: Clock, timezone: str) -> str:
    """Stamp time in the office's zone (WIB/WITA/WIT); the CMS/PDF signing time itself is an aware instant."""
    now = clock.in_zone(timezone).aware_now()
    return f"{now:%d-%m-%Y %H.%M} {_ZONE_NAMES.get(timezone, timezone)}"


def _style() -> TextStampStyle:
    return TextStampStyle(
        stamp_text="Ditandatangani secara elektronik oleh:\n%(nama)s\nNIP. %(nip)s\n%(jabatan)s\nWaktu: %(waktu)s",
        text_box_style=pdf_text.TextBoxStyle(font_size=7, leading=9),
        border_width=1,
    )


async def _sign(pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, clock: Clock,
                text_params: dict[str, str]) -> bytes:
    """pyHanko's PdfSigner.async_sign_pdf, with the signing time taken from the office clock."""
    session = pdf_signer.init_signing_session(writer)
    session.system_time = clock.aware_now()
    validation_info = await session.perform_presign_validation(writer)
    reserved = await session.estimate_signature_container_size(validation_info, tight=False)
    tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=reserved,
                                       appearance_text_params=text_params)
    digest, output = tbs.digest_tbs_document()
    post = await tbs.perform_signature(
        document_digest=digest.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=session.system_time),
    )
    await post.post_signature_processing(output)
    assert isinstance(output, io.BytesIO)
    return output.getvalue()


def sign_pdf_bytes(
    pdf: bytes,
    p12: bytes,
    passphrase: str,
    identity: SignerIdentity,
    box: tuple[float, float, float, float],
    *,
    clock: Clock,
    reason: str = "Pengesahan laporan rekapitulasi kehadiran bulanan",
    location: str = "",
    timezone: str = "Asia/Jakarta",
    timestamper: TimeStamper | None = None,
    signer: signers.SimpleSigner | None = None,
) -> SignedPdf:
    """Sign ``pdf`` (PAdES B-B, or B-T with ``timestamper``) with a visible stamp in ``box`` on the last page."""
    signer = signer or load_signer(p12, passphrase)
    pages = int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    int_box = (round(box[0]), round(box[1]), round(box[2]), round(box[3]))
    fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=pages - 1,
                                                              box=int_box))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, location=location or None, name=identity.name,
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=_style(), timestamper=timestamper)
    params = {"nama": identity.name, "nip": identity.nip or "-", "jabatan": identity.jabatan or "-",
              "waktu": stamp_time_text(clock, timezone)}
    data = asyncio.run(_sign(pdf_signer, writer, clock, params))
    cert = signer.signing_cert
    assert cert is not None
    return SignedPdf(data=data, sha256=hashlib.sha256(data).hexdigest(), signer_subject=cert.subject.human_friendly,
                     signer_cert_pem=cert_to_pem(cert))
