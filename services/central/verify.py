"""Verify a submitted monthly report: hash, signature, signer certificate, trust, the whole bundle.

Works on a local signed PDF file or on a submission fetched from the central DB,
and returns a `Verdict` whose `text()` is what `presensi-opd verify` prints. For a bundle
(schema c0002) every file is re-hashed, the manifest is checked against the row, the SPTJM and
the surat pengantar must list the files they vouch for, and the Excel recap must hold exactly the
employees of the summary lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.central.client import FILE_KINDS, FILE_LABELS, CentralSubmission, connect, fetch_submission
from services.signing.pades import SignatureCheck, load_certs


@dataclass
class Verdict:
    ok: bool
    subject: str  # what was checked ("berkas X" / "kiriman pusat ...")
    checks: list[tuple[bool, str]] = field(default_factory=list)
    sha256: str = ""
    signer_subject: str = ""
    level: str = ""  # PAdES baseline level reached (B-B / B-T / B-LT / B-LTA), "" when none
    moment: dt.datetime | None = None  # validation time (the office clock's now)

    def add(self, ok: bool, text: str) -> None:
        self.checks.append((ok, text))

    def text(self) -> str:
        head = "SAH — dokumen utuh dan tanda tangan valid" if self.ok else "TIDAK SAH — lihat pemeriksaan yang gagal"
        from services.signing.verdict import LEVEL_TEXT

        lines = [f"Verifikasi {self.subject}", f"Hasil: {head}",
                 f"Tingkat PAdES: {LEVEL_TEXT.get(self.level, 'tidak tercapai') if self.ok else 'tidak tercapai'}"]
        lines += [f"  [{'OK' if ok else 'GAGAL'}] {t}" for ok, t in self.checks]
        return "\n".join(lines)


def _check_pdf(
    verdict: Verdict, data: bytes, trust_roots: Sequence[bytes | str | Path], use_pdfsig: bool
) -> SignatureCheck:
    from services.signing.verdict import signature_report  # signing owns the signature checks

    if not trust_roots:
        verdict.add(False, "Tidak ada sertifikat CA tepercaya yang diberikan (--trust); rantai sertifikat tidak diperiksa.")
    report = signature_report(data, trust_roots, moment=verdict.moment, use_pdfsig=use_pdfsig)
    verdict.signer_subject = report.check.signer_subject
    verdict.level = report.level
    for ok, text in report.lines:
        verdict.add(ok, text)
    verdict.ok = all(ok for ok, _t in verdict.checks)
    return report.check


def verify_file(
    path: Path | str,
    trust_roots: Sequence[bytes | str | Path] = (),
    *,
    expected_sha256: str | None = None,
    use_pdfsig: bool = True,
    moment: dt.datetime | None = None,
) -> Verdict:
    """Verify a local signed PDF (optionally against the sha256 recorded when it was signed)."""
    path = Path(path)
    verdict = Verdict(ok=False, subject=f"berkas {path}", moment=moment)
    try:
        data = path.read_bytes()
    except OSError as exc:
        verdict.add(False, f"Berkas tidak dapat dibaca: {exc}")
        return verdict
    verdict.sha256 = hashlib.sha256(data).hexdigest()
    if expected_sha256:
        same = verdict.sha256 == expected_sha256.lower()
        verdict.add(same, f"sha256 berkas cocok dengan catatan ({verdict.sha256[:16]}…)" if same
                    else f"sha256 berkas {verdict.sha256[:16]}… BERBEDA dari catatan {expected_sha256[:16]}…")
    _check_pdf(verdict, data, trust_roots, use_pdfsig)
    return verdict


def verify_submission(
    url: str,
    opd_code: str,
    year: int,
    month: int,
    revision: int | None = None,
    *,
    password: str | None = None,
    trust_roots: Sequence[bytes | str | Path] = (),
    use_pdfsig: bool = True,
    moment: dt.datetime | None = None,
) -> Verdict:
    """Fetch a submission from the central DB (as the connecting role may see it) and verify it."""
    rev_text = f"revisi {revision}" if revision else "revisi terbaru"
    verdict = Verdict(ok=False, subject=f"kiriman pusat {opd_code} {year}-{month:02d} ({rev_text})", moment=moment)
    conn = connect(url, password)
    try:
        sub = fetch_submission(conn, opd_code, year, month, revision)
    finally:
        conn.close()
    if sub is None:
        verdict.add(False, "Kiriman tidak ditemukan (atau akun ini tidak berhak melihatnya).")
        return verdict
    return verify_central_submission(sub, trust_roots, use_pdfsig=use_pdfsig, verdict=verdict)


def verify_central_submission(
    sub: CentralSubmission,
    trust_roots: Sequence[bytes | str | Path] = (),
    *,
    use_pdfsig: bool = True,
    verdict: Verdict | None = None,
) -> Verdict:
    """Verify a fetched submission: the bundle first, then the signed recap PDF and its certificate."""
    verdict = verdict or Verdict(ok=False, subject=f"kiriman pusat {sub.opd_code} {sub.year}-{sub.month:02d}")
    verdict.subject += f", revisi {sub.revision}, dikirim {sub.submitted_at:%Y-%m-%d %H:%M %Z} oleh {sub.submitted_by}"
    verdict.sha256 = hashlib.sha256(sub.signed_pdf).hexdigest()
    same = verdict.sha256 == sub.sha256
    verdict.add(same, f"sha256 PDF cocok dengan yang tercatat ({sub.sha256[:16]}…)" if same
                else f"sha256 PDF {verdict.sha256[:16]}… BERBEDA dari yang tercatat {sub.sha256[:16]}…")
    _check_bundle(verdict, sub)
    check_cert = _check_pdf(verdict, sub.signed_pdf, trust_roots, use_pdfsig)
    stored, embedded = _certs(sub.signer_cert_pem), _certs(check_cert.signer_cert_pem)
    same_cert = bool(stored and embedded and stored[0].dump() == embedded[0].dump())
    verdict.add(same_cert, "Sertifikat yang tercatat sama dengan sertifikat di dalam tanda tangan" if same_cert
                else "Sertifikat yang tercatat BERBEDA dari sertifikat di dalam tanda tangan")
    verdict.ok = all(ok for ok, _t in verdict.checks)
    return verdict


def _certs(pem: str) -> list:
    """The certificate(s) in a PEM text; a malformed text counts as none (a failed check, never a crash)."""
    if not pem:
        return []
    try:
        return load_certs([pem.encode()])
    except ValueError:
        return []


def _pdf_keywords(data: bytes) -> dict[str, str]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    from services.reports.submission_docs import parse_keywords

    try:
        return parse_keywords(" ".join(PdfFileReader(io.BytesIO(data), strict=False).document_meta_view.keywords))
    except Exception:  # noqa: BLE001 - an unreadable PDF simply lists nothing
        return {}


def _xlsx_nips(data: bytes) -> list[str] | None:
    from openpyxl import load_workbook

    try:
        ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        return [str(r[1]) for r in ws.iter_rows(min_col=1, max_col=2, values_only=True)
                if isinstance(r[0], int) and r[1] is not None]
    except Exception:  # noqa: BLE001 - not a workbook: reported as a failed check
        return None


def _check_bundle(verdict: Verdict, sub: CentralSubmission) -> None:
    if not sub.manifest:
        verdict.add(True, "Kiriman format lama (hanya PDF rekap, tanpa bundel SPTJM/Excel/pengantar)")
        return
    for kind in FILE_KINDS:
        data = sub.files.get(kind)
        recorded = sub.file_sha256.get(kind, "")
        ok = data is not None and hashlib.sha256(data).hexdigest() == recorded
        verdict.add(ok, f"{FILE_LABELS[kind]}: sha256 cocok ({recorded[:16]}…)" if ok
                    else f"{FILE_LABELS[kind]}: berkas hilang atau sha256 BERBEDA dari yang tercatat")
    manifest_ok = hashlib.sha256(sub.manifest.encode("utf-8")).hexdigest() == sub.bundle_sha256
    try:
        m: dict[str, Any] = json.loads(sub.manifest)
    except ValueError:
        m = {}
    listed = {k: (m.get("files", {}).get(k) or {}).get("sha256") for k in FILE_KINDS}
    head = m.get("audit_head") or {}
    consistent = (listed == {k: sub.file_sha256.get(k) for k in FILE_KINDS}
                  and (m.get("opd"), m.get("year"), m.get("month"), m.get("revision"))
                  == (sub.opd_code, sub.year, sub.month, sub.revision)
                  and head.get("event_id") == sub.audit_head_id and head.get("hash") == sub.audit_head_hash)
    verdict.add(manifest_ok and consistent,
                f"Manifes bundel utuh (sha256 {sub.bundle_sha256[:16]}…) dan sesuai isi kiriman; jejak audit OPD "
                f"sampai kejadian #{sub.audit_head_id} ({sub.audit_head_hash[:12]}…)" if manifest_ok and consistent
                else "Manifes bundel TIDAK cocok dengan sha256-nya atau dengan isi kiriman")
    for kind, needs in (("sptjm_pdf", ("recap_pdf", "recap_xlsx")),
                        ("pengantar_pdf", ("recap_pdf", "recap_xlsx", "sptjm_pdf"))):
        words = _pdf_keywords(sub.files.get(kind, b""))
        ok = all(words.get(n) == sub.file_sha256.get(n) for n in needs)
        verdict.add(ok, f"{FILE_LABELS[kind]} menyebut sidik jari berkas yang dinyatakannya" if ok
                    else f"{FILE_LABELS[kind]} TIDAK menyebut sidik jari berkas kiriman ini")
    nips = _xlsx_nips(sub.files.get("recap_xlsx", b""))
    wanted = sorted(str(x.get("nip")) for x in sub.summary)
    ok = nips is not None and sorted(nips) == wanted
    verdict.add(ok, f"Rekap Excel memuat {len(wanted)} pegawai, sama dengan ringkasan kiriman" if ok
                else "Rekap Excel TIDAK memuat pegawai yang sama dengan ringkasan kiriman")
