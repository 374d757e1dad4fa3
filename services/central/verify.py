"""Verify a submitted monthly report: hash, signature, signer certificate, trust.

Works on a local signed PDF file or on a submission fetched from the central DB,
and returns a `Verdict` whose `text()` is what `presensi-opd verify` prints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from services.central.client import connect, fetch_submission
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
    verdict.subject += f", revisi {sub.revision}, dikirim {sub.submitted_at:%Y-%m-%d %H:%M %Z} oleh {sub.submitted_by}"
    verdict.sha256 = hashlib.sha256(sub.signed_pdf).hexdigest()
    same = verdict.sha256 == sub.sha256
    verdict.add(same, f"sha256 PDF cocok dengan yang tercatat ({sub.sha256[:16]}…)" if same
                else f"sha256 PDF {verdict.sha256[:16]}… BERBEDA dari yang tercatat {sub.sha256[:16]}…")
    check_cert = _check_pdf(verdict, sub.signed_pdf, trust_roots, use_pdfsig)
    stored = load_certs([sub.signer_cert_pem.encode()]) if sub.signer_cert_pem else []
    embedded = load_certs([check_cert.signer_cert_pem.encode()]) if check_cert.signer_cert_pem else []
    same_cert = bool(stored and embedded and stored[0].dump() == embedded[0].dump())
    verdict.add(same_cert, "Sertifikat yang tercatat sama dengan sertifikat di dalam tanda tangan" if same_cert
                else "Sertifikat yang tercatat BERBEDA dari sertifikat di dalam tanda tangan")
    verdict.ok = all(ok for ok, _t in verdict.checks)
    return verdict
