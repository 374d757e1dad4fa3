"""The signature checks `presensi-opd verify` prints: pyHanko, the PAdES level, and poppler's pdfsig.

pdfsig's "Not total document signed" is a failure line of its own, except when
pyHanko's difference analysis shows that everything after the signed revision is
validation data (DSS) or document timestamps, which is what B-LT / B-LTA add.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from services.signing.certs import TrustSource
from services.signing.pdfsig import PdfsigResult, pdfsig_check
from services.signing.validation import SignatureCheck, validate_pdf_bytes

LEVEL_TEXT = {
    "B-B": "B-B (tanda tangan dasar, tanpa stempel waktu)",
    "B-T": "B-T (dengan stempel waktu RFC 3161)",
    "B-LT": "B-LT (stempel waktu + data validasi jangka panjang: sertifikat, CRL/OCSP di DSS)",
    "B-LTA": "B-LTA (B-LT + stempel waktu arsip atas seluruh dokumen)",
}


@dataclass
class SignatureReport:
    check: SignatureCheck
    lines: list[tuple[bool, str]] = field(default_factory=list)
    pdfsig: PdfsigResult | None = None

    @property
    def level(self) -> str:
        return self.check.level


def _ranges_end(text: str) -> int | None:
    found = re.findall(r"\[(\d+) - (\d+)\]", text)
    return int(found[-1][1]) if found else None


def signature_report(data: bytes, trust_roots: Sequence[TrustSource], *, moment: dt.datetime | None = None,
                     use_pdfsig: bool = True) -> SignatureReport:
    check = validate_pdf_bytes(data, trust_roots, moment=moment)
    rep = SignatureReport(check)
    add = rep.lines.append
    add((check.intact, "Isi dokumen cocok dengan tanda tangan elektronik" if check.intact
         else "Isi dokumen TIDAK cocok dengan tanda tangan (diubah setelah ditandatangani)"))
    if check.whole_file and check.later_updates:
        add((True, "Tanda tangan mencakup laporan; tambahan sesudahnya hanya data validasi (DSS) / stempel waktu "
                   "arsip"))
    else:
        add((check.whole_file, "Tanda tangan mencakup seluruh berkas" if check.whole_file
             else "Ada bagian berkas di luar tanda tangan / perubahan setelah penandatanganan"
             + (": " + "; ".join(check.later_changes[:5]) if check.later_changes else "")))
    if trust_roots:
        add((check.trusted, f"Sertifikat penanda tangan tepercaya: {check.signer_subject}" if check.trusted
             else f"Sertifikat penanda tangan TIDAK tepercaya: {check.signer_subject or '-'}"))
    if check.timestamp_time is not None and check.level in ("B-T", "B-LT", "B-LTA"):
        add((True, f"Stempel waktu {check.timestamp_time:%d-%m-%Y %H:%M:%S} UTC oleh "
                   f"{check.timestamp_authority or '-'}"))
    if not (use_pdfsig and trust_roots):
        return rep
    offline: PdfsigResult | None = None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "laporan.pdf"
        path.write_bytes(data)
        res = pdfsig_check(path, trust_roots)
        if res.available and res.signature_valid and not res.certificate_trusted:
            offline = pdfsig_check(path, trust_roots, ocsp=False)  # was it only the online OCSP check?
    rep.pdfsig = res
    if not res.available:
        add((False, f"Validator independen pdfsig tidak tersedia: {res.output}"))
        return rep
    stamps = [s for s in res.signatures if s.field_name in check.doc_timestamp_fields]
    approvals = [s for s in res.signatures if s not in stamps]
    if not approvals:
        add((False, "pdfsig tidak menemukan tanda tangan"))
        return rep
    for sig in stamps:
        add((True, f"pdfsig (poppler): #{sig.number} adalah stempel waktu arsip ({sig.field_name}); pdfsig tidak "
                   "memeriksa jenis ini, pyHanko memeriksanya"))
    trusted_offline = {s.number for s in (offline.signatures if offline else []) if s.valid and s.trusted}
    embedded_revinfo = check.level in ("B-LT", "B-LTA")
    for sig in approvals:
        ok = sig.valid and sig.trusted
        if not ok and sig.valid and sig.number in trusted_offline:
            add((embedded_revinfo, f"pdfsig (poppler): tanda tangan #{sig.number} valid; cek OCSP daring tidak "
                 "berhasil (server OCSP tidak terjangkau), tanpa cek daring sertifikat tepercaya" + (
                     "; status pencabutan diambil dari DSS dokumen (diperiksa pyHanko)" if embedded_revinfo else
                     "; dokumen tidak memuat data validasi (B-LT), status pencabutan tidak dapat dipastikan")))
            continue
        add((ok, f"pdfsig (poppler): tanda tangan #{sig.number} " + (
            "valid dan sertifikat tepercaya" if ok else "TIDAK valid atau sertifikat tidak tepercaya")))
        if not sig.total_document_signed:
            benign = check.whole_file and check.later_updates == "LTA_UPDATES"
            add((benign, f"pdfsig (poppler): tanda tangan #{sig.number} tidak mencakup seluruh dokumen "
                         "(Not total document signed)" + ("; menurut pyHanko tambahan sesudahnya hanya data validasi "
                                                          "(DSS) / stempel waktu arsip" if benign else "")))
    end = _ranges_end(approvals[-1].text)
    if check.signed_revision_end and end is not None:
        same = end == check.signed_revision_end
        add((same, f"pdfsig dan pyHanko sepakat tentang bagian yang ditandatangani (bita 0–{end})" if same
             else f"pdfsig (bita s.d. {end}) dan pyHanko (s.d. {check.signed_revision_end}) TIDAK sepakat"))
    return rep
