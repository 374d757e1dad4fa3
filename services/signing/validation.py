"""Validate the report signature with pyHanko and name the PAdES baseline level reached.

Levels (ETSI EN 319 142-1):
- B-B: a PAdES (ETSI.CAdES.detached) signature that is intact and trusted;
- B-T: plus a signature timestamp token (RFC 3161) that is intact and trusted;
- B-LT: plus validation data in the Document Security Store sufficient to validate
  the signer's and the timestamp authority's chains *without any network access*,
  revocation checked hard (checked at the timestamp's time);
- B-LTA: plus a document timestamp over everything, the DSS included.
Only one approval signature is expected (the Kepala OPD's); later revisions may
add DSS data and document timestamps, nothing else.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from services.signing.certs import TrustSource, cert_to_pem, load_certs
from services.signing.revisions import later_changes

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
PADES_SUBFILTER = "/ETSI.CAdES.detached"


@dataclass
class SignatureCheck:
    """Outcome of pyHanko on one PDF; `ok` means intact, covering the document and trusted."""

    ok: bool
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer_subject: str = ""
    signer_cert_pem: str = ""
    signing_time: dt.datetime | None = None
    problems: list[str] = field(default_factory=list)
    level: str = ""  # B-B / B-T / B-LT / B-LTA, "" when not a valid PAdES signature
    timestamp_time: dt.datetime | None = None
    timestamp_authority: str = ""
    pades: bool = False
    signed_revision_end: int = 0  # bytes covered by the approval signature's revision
    later_updates: str = ""  # "", "LTA_UPDATES" (DSS / timestamps only) or what pyHanko found
    doc_timestamp_fields: list[str] = field(default_factory=list)
    later_changes: list[str] = field(default_factory=list)  # after the signed revision, not DSS / doc timestamps
    notes: list[str] = field(default_factory=list)


def _vc(roots: Sequence[TrustSource], moment: dt.datetime | None, **kw: object) -> ValidationContext:
    return ValidationContext(trust_roots=load_certs(roots), moment=moment, allow_fetching=False, **kw)  # type: ignore[arg-type]


def _signed_revision_end(sig: EmbeddedPdfSignature) -> int:
    br = [int(x) for x in sig.sig_object["/ByteRange"]]
    return br[2] + br[3]


def validate_pdf_bytes(data: bytes, trust_roots: Sequence[TrustSource] = (), *,
                       moment: dt.datetime | None = None) -> SignatureCheck:
    """Validate the (single) approval signature; ``moment`` is the validation time (the office clock's now)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a valid signed PDF"
        return SignatureCheck(ok=False, problems=[f"PDF tidak dapat dibaca: {exc}"])
    approvals = [s for s in sigs if s.sig_object_type == "/Sig"]
    doc_stamps = [s for s in sigs if s.sig_object_type == "/DocTimeStamp"]
    if not approvals:
        return SignatureCheck(ok=False, problems=["PDF tidak memiliki tanda tangan elektronik."])
    sig = approvals[-1]
    try:
        status = validate_pdf_signature(sig, _vc(trust_roots, moment, revocation_mode="soft-fail"))
    except Exception as exc:  # noqa: BLE001 - a broken CMS blob is an invalid signature, not a crash
        return SignatureCheck(ok=False, problems=[f"Tanda tangan rusak: {exc}"])
    cert = status.signing_cert
    mod = status.modification_level
    extended_ok = (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and mod == ModificationLevel.LTA_UPDATES
                   and bool(status.docmdp_ok))
    # pyHanko's policy also rates /Info and XMP updates as "LTA updates"; only DSS and doc timestamps may follow
    later = later_changes(reader, _signed_revision_end(sig)) if extended_ok else []
    extended_ok = extended_ok and not later
    ends_clean = data.rstrip().endswith(b"%%EOF")
    check = SignatureCheck(
        ok=False, intact=bool(status.intact and status.valid), trusted=bool(status.trusted),
        whole_file=len(approvals) == 1 and ends_clean and (
            status.coverage == SignatureCoverageLevel.ENTIRE_FILE or extended_ok),
        signer_subject=cert.subject.human_friendly if cert is not None else "",
        signer_cert_pem=cert_to_pem(cert) if cert is not None else "",
        signing_time=status.signer_reported_dt,
        pades=str(sig.sig_object.get("/SubFilter")) == PADES_SUBFILTER,
        signed_revision_end=_signed_revision_end(sig),
        later_updates="" if status.coverage == SignatureCoverageLevel.ENTIRE_FILE else (mod.name if mod else "?"),
        doc_timestamp_fields=[str(s.field_name) for s in doc_stamps],
    )
    if len(approvals) > 1:
        check.problems.append(f"PDF memuat {len(approvals)} tanda tangan persetujuan; laporan hanya boleh satu.")
    if not check.intact:
        check.problems.append("Isi dokumen tidak cocok dengan tanda tangan (dokumen diubah atau tanda tangan rusak).")
    if not check.whole_file:
        check.problems.append("Tanda tangan tidak mencakup seluruh berkas (ada perubahan setelah ditandatangani)"
                              + (": " + "; ".join(later[:5]) if later else "."))
        if later:
            check.later_updates, check.later_changes = "CHANGED", later
    if not check.trusted:
        check.problems.append("Sertifikat penanda tangan tidak diterbitkan oleh CA yang dipercaya.")
    check.ok = check.intact and check.whole_file and check.trusted
    if check.ok:
        _level(check, status, sig, reader, doc_stamps, trust_roots, moment)
    return check


def _level(check: SignatureCheck, status: object, sig: EmbeddedPdfSignature, reader: PdfFileReader,
           doc_stamps: list[EmbeddedPdfSignature], roots: Sequence[TrustSource], moment: dt.datetime | None) -> None:
    if not check.pades:
        check.notes.append("Tanda tangan berformat adbe.pkcs7.detached (bukan PAdES); tingkat PAdES tidak berlaku.")
        return
    check.level = "B-B"
    ts = getattr(status, "timestamp_validity", None)
    if ts is None:
        check.notes.append("Tanpa stempel waktu (RFC 3161): waktu tanda tangan hanya pengakuan komputer penanda tangan.")
        return
    check.timestamp_time = ts.timestamp
    check.timestamp_authority = ts.signing_cert.subject.human_friendly if ts.signing_cert is not None else ""
    if not (ts.intact and ts.valid and ts.trusted):
        check.notes.append("Stempel waktu ada tetapi tidak sah atau otoritasnya tidak dipercaya.")
        return
    check.level = "B-T"
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # noqa: BLE001 - no /DSS (or a broken one) means no B-LT
        check.notes.append("Tidak ada data validasi jangka panjang (DSS) di dokumen.")
        return
    # only what the document carries: no fetching, revocation checked hard, at the timestamp's time
    offline = dss.as_validation_context({"trust_roots": load_certs(roots), "moment": ts.timestamp,
                                         "allow_fetching": False, "revocation_mode": "hard-fail"})
    try:
        lt = validate_pdf_signature(sig, offline, skip_diff=True)
        lt_ok = bool(lt.intact and lt.valid and lt.trusted and lt.timestamp_validity is not None
                     and lt.timestamp_validity.trusted)
    except Exception:  # noqa: BLE001 - treated as "validation data insufficient"
        lt_ok = False
    if not lt_ok:
        check.notes.append("DSS ada, tetapi data validasinya (sertifikat, CRL/OCSP) tidak cukup untuk B-LT.")
        return
    check.level = "B-LT"
    last = doc_stamps[-1] if doc_stamps else None
    if last is None or _signed_revision_end(last) <= check.signed_revision_end:
        return
    try:
        tst = validate_pdf_timestamp(last, _vc(roots, moment, revocation_mode="soft-fail"))
        if tst.intact and tst.valid and tst.trusted:
            check.level = "B-LTA"
        else:
            check.notes.append("Stempel waktu arsip (dokumen) ada tetapi tidak sah.")
    except Exception as exc:  # noqa: BLE001 - reported, level stays B-LT
        check.notes.append(f"Stempel waktu arsip tidak dapat diperiksa: {exc}")
