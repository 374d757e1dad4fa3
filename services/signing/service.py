"""Sign a generated monthly Report with the signer's PKCS#12 certificate.

The certificate passphrase comes from the caller (dialog / prompt) or from keyring
(kind "certificate", name = the .p12 file's absolute path); nothing is ever stored
in plain text. The visible stamp shows the signer's name, NIP and jabatan and is
placed in the report's signature area (services.reports.monthly.signature_box).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from services import secrets
from services.auth import audit
from services.auth.users import CurrentUser
from services.changes import Changes
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.reports.monthly import relative_file, resolve_file, signature_box
from services.signing.pades import SignerIdentity, SigningError, sign_pdf_bytes
from services.store.db import Database
from services.store.models import Employee, Opd, Period, Report, Setting

SECRET_KIND = "certificate"
SETTING_P12 = "signing.p12_path."  # + username: the signer's last used certificate file
SETTING_TRUST = "signing.trust_roots"  # ';'-separated PEM files of trusted CAs (for verify)


class PassphraseRequired(SigningError):
    """No passphrase given and none remembered in keyring: ask the user."""


@dataclass(frozen=True)
class SignResult:
    report_id: int
    signed_path: Path
    signed_sha256: str
    signer_subject: str
    remembered: bool
    message: str

    @property
    def changes(self) -> Changes:
        return Changes(reports=True, periods=True)


def passphrase_key(p12_path: Path) -> str:
    return str(Path(p12_path).resolve())


def remembered_passphrase(p12_path: Path) -> str | None:
    return secrets.get_secret(SECRET_KIND, passphrase_key(p12_path))


def get_setting(db: Database, key: str) -> str | None:
    with db.session() as s:
        row = s.get(Setting, key)
        return row.value if row else None


def set_setting(db: Database, key: str, value: str, username: str) -> None:
    with db.transaction() as s:
        row = s.get(Setting, key)
        old = row.value if row else None
        if row is None:
            s.add(Setting(key=key, value=value))
        else:
            row.value = value
        if old != value:
            audit.record(s, username, "setting.set", "setting", key, {"value": value})


def trust_roots_from_settings(db: Database) -> list[Path]:
    raw = get_setting(db, SETTING_TRUST) or ""
    return [Path(p) for p in raw.split(";") if p.strip() and Path(p).is_file()]


def _identity(db: Database, user: CurrentUser) -> SignerIdentity:
    with db.session() as s:
        emp = s.get(Employee, user.employee_id) if user.employee_id else None
        if emp is not None:
            return SignerIdentity(name=emp.name, nip=emp.nip, jabatan=emp.jabatan)
        opd = s.execute(select(Opd).limit(1)).scalar_one_or_none()
        return SignerIdentity(name=user.full_name, nip="", jabatan=f"Kepala {opd.name}" if opd else "")


def sign_report(
    db: Database,
    report_id: int,
    user: CurrentUser,
    p12_path: Path | str,
    passphrase: str | None = None,
    *,
    remember: bool = False,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> SignResult:
    """PAdES-sign a draft report; marks Report "signed" and its Period "signed" (audited)."""
    user.require("signer")
    p12_path = Path(p12_path)
    progress(0, 3, "Membuka sertifikat")
    if not p12_path.is_file():
        raise SigningError(f"Berkas sertifikat tidak ditemukan: {p12_path}")
    from_keyring = False
    if passphrase is None:
        passphrase = remembered_passphrase(p12_path)
        from_keyring = passphrase is not None
    if passphrase is None:
        raise PassphraseRequired("Masukkan kata sandi sertifikat (tidak tersimpan di keyring).")
    with db.session() as s:
        report = s.get(Report, report_id)
        if report is None:
            raise SigningError(f"Laporan id {report_id} tidak ditemukan.")
        if report.status != "draft":
            raise SigningError(f"Laporan revisi {report.revision} sudah berstatus '{report.status}'.")
        pdf_path = resolve_file(db, report.pdf_path)
        expected_sha = report.pdf_sha256
        opd = s.get(Opd, s.get(Period, report.period_id).opd_id)  # type: ignore[union-attr]
        city = opd.city if opd else ""
        timezone = opd.timezone if opd else "Asia/Jakarta"
    try:
        pdf = pdf_path.read_bytes()
    except OSError as exc:
        raise SigningError(f"Berkas laporan tidak dapat dibaca: {pdf_path} ({exc})") from None
    if hashlib.sha256(pdf).hexdigest() != expected_sha:
        raise SigningError(
            f"Berkas laporan {pdf_path.name} berubah sejak dibuat (sha256 tidak cocok). Buat ulang laporannya."
        )
    cancel.raise_if_cancelled()
    progress(1, 3, "Menandatangani dokumen")
    mediabox = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][-1]["/MediaBox"]
    page_size = (float(mediabox[2]) - float(mediabox[0]), float(mediabox[3]) - float(mediabox[1]))
    try:
        signed = sign_pdf_bytes(pdf, p12_path.read_bytes(), passphrase, _identity(db, user), signature_box(page_size),
                                location=city, timezone=timezone, signed_at=db.clock.in_zone(timezone).now())
    except SigningError:
        if from_keyring:
            raise SigningError(
                "Kata sandi sertifikat yang tersimpan di keyring tidak cocok lagi; masukkan kata sandi baru."
            ) from None
        raise
    cancel.raise_if_cancelled()
    progress(2, 3, "Menyimpan dokumen bertanda tangan")
    target = pdf_path.with_name(pdf_path.stem + "_ttd.pdf")
    tmp = target.with_suffix(".pdf.tmp")
    tmp.write_bytes(signed.data)
    with db.transaction() as s:
        report = s.get(Report, report_id)
        assert report is not None
        if report.status != "draft":
            tmp.unlink(missing_ok=True)
            raise SigningError("Laporan ini baru saja ditandatangani oleh sesi lain.")
        report.signed_pdf_path = relative_file(db, target)
        report.signed_sha256 = signed.sha256
        report.signer_subject = signed.signer_subject
        report.signer_cert_pem = signed.signer_cert_pem
        report.signed_at = db.clock.now()
        report.signed_by = user.username
        report.status = "signed"
        period = s.get(Period, report.period_id)
        if period is not None and period.status in ("locked", "signed"):
            period.status = "signed"
        audit.record(s, user.username, "report.sign", "report", report_id,
                     {"revision": report.revision, "signed_sha256": signed.sha256, "subject": signed.signer_subject})
        row = s.get(Setting, SETTING_P12 + user.username)
        if row is None:
            s.add(Setting(key=SETTING_P12 + user.username, value=str(p12_path.resolve())))
        else:
            row.value = str(p12_path.resolve())
        os.replace(tmp, target)
    remembered, message = False, "Laporan berhasil ditandatangani."
    if remember and not from_keyring:
        try:
            secrets.set_secret(SECRET_KIND, passphrase_key(p12_path), passphrase)
            remembered = True
            message += " Kata sandi sertifikat disimpan di keyring."
        except secrets.SecretStoreUnavailable as exc:
            message += f" {exc}"
    progress(3, 3, "Selesai")
    return SignResult(report_id, target, signed.sha256, signed.signer_subject, remembered or from_keyring, message)


def install_test_certificate(db: Database, folder: Path, username: str = "kepala",
                             passphrase: str = "rahasia-uji") -> tuple[Path, Path, bool]:
    """Demo/test only: make a test CA + signer .p12 in ``folder`` and set them up for ``username``.

    The CA becomes the trusted root for verification, the .p12 the user's default certificate,
    and the passphrase goes to keyring when one is available. Returns (p12, CA PEM, remembered).
    """
    from services.signing.testca import make_test_certificates

    with db.session() as s:
        from services.store.models import User

        u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        emp = s.get(Employee, u.employee_id) if u is not None and u.employee_id else None
        name = emp.name if emp else (u.full_name if u else "Kepala OPD (UJI)")
        nip = emp.nip if emp else ""
    # demo certificates outlive the demo by far: validators check them at the real date, years later
    certs = make_test_certificates(signer_name=name, signer_nip=nip, passphrase=passphrase,
                                   valid_from=db.clock.utcnow() - dt.timedelta(days=1), valid_days=20 * 365)
    p12, ca = certs.write(folder)
    set_setting(db, SETTING_TRUST, str(ca.resolve()), "system")
    set_setting(db, SETTING_P12 + username, str(p12.resolve()), "system")
    try:
        secrets.set_secret(SECRET_KIND, passphrase_key(p12), passphrase)
        remembered = True
    except secrets.SecretStoreUnavailable:
        remembered = False
    return p12, ca, remembered
