"""Sign a generated monthly Report through any backend, the same way every time.

1. Only a signer (the Kepala OPD's own login) signs; the report must be a draft whose
   frozen PDF still has the sha256 recorded when it was generated.
2. A report with an attempt whose outcome is unknown (a sign call sent to the esign
   server that got no answer) is not signed again until a signer resolves it.
3. The backend's certificate checks run first (expired / not yet valid / foreign root
   refused at the office clock's time), then the signature is made, then the result is
   checked again: the frozen bytes are its first revision unchanged, the signature
   validates against the trusted roots, the signer certificate passes the checks.
4. The signature is extended to the configured level (B-LT: DSS; B-LTA: archive
   timestamp) and the level reached is stored on the Report.

Passphrases and TOTP codes come from the caller for one call and are never stored
(the .p12 passphrase may be remembered in keyring on request, as before).
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from services import secrets
from services.auth import audit
from services.auth.users import CurrentUser
from services.calendar.names import BULAN
from services.changes import Changes
from services.errors import ConflictError, NotFoundError, UserError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.reports.monthly import relative_file, resolve_file, signature_box
from services.signing.backends import Credential, LocalP12Backend, SigningBackend, SignRequest
from services.signing.certs import check_signer_certificate, load_certs
from services.signing.esign_client import EsignOutcomeUnknown, Secret
from services.signing.ltv import add_archive_timestamp, add_ltv, signature_certificates
from services.signing.pades import SignerIdentity, SigningError
from services.signing.settings import (  # noqa: F401 - re-exported for older callers
    SETTING_P12,
    SETTING_TRUST,
    get_setting,
    load_settings,
    set_setting,
    trust_roots_from_settings,
)
from services.signing.timestamping import HttpTimeStamper
from services.signing.validation import LEVELS, validate_pdf_bytes
from services.store.db import Database
from services.store.models import Employee, Opd, Period, Report, SigningAttempt
from services.timefmt import tanggal_jam

SECRET_KIND = "certificate"


class PassphraseRequired(SigningError):
    """No passphrase given and none remembered in keyring: ask the user."""


class SigningOutcomeUnknown(UserError):
    """The report has a sign attempt with unknown outcome; check it before signing again."""

    title = "Status tanda tangan tidak diketahui"


@dataclass(frozen=True)
class SignResult:
    report_id: int
    signed_path: Path
    signed_sha256: str
    signer_subject: str
    remembered: bool
    message: str
    level: str = ""
    backend: str = ""
    notes: tuple[str, ...] = ()
    changes: Changes = field(default_factory=lambda: Changes(reports=True, periods=True))


@dataclass(frozen=True)
class PendingAttempt:
    attempt_id: int
    backend: str
    username: str
    started_at: str
    outcome: str
    message: str


def passphrase_key(p12_path: Path) -> str:
    return str(Path(p12_path).resolve())


def remembered_passphrase(p12_path: Path) -> str | None:
    return secrets.get_secret(SECRET_KIND, passphrase_key(p12_path))


def identity_of(db: Database, user: CurrentUser) -> SignerIdentity:
    with db.session() as s:
        emp = s.get(Employee, user.employee_id) if user.employee_id else None
        if emp is not None:
            return SignerIdentity(name=emp.name, nip=emp.nip, jabatan=emp.jabatan)
        opd = s.execute(select(Opd).limit(1)).scalar_one_or_none()
        return SignerIdentity(name=user.full_name, nip="", jabatan=f"Kepala {opd.name}" if opd else "")


def pending_attempt(db: Database, report_id: int) -> PendingAttempt | None:
    """The attempt that blocks signing (outcome unknown, or still marked running), if any."""
    with db.session() as s:
        row = s.execute(select(SigningAttempt).where(SigningAttempt.report_id == report_id,
                                                     SigningAttempt.outcome.in_(("unknown", "running")))
                        .order_by(SigningAttempt.id.desc()).limit(1)).scalar_one_or_none()
        if row is None:
            return None
        return PendingAttempt(row.id, row.backend, row.username, f"{tanggal_jam(row.started_at)}", row.outcome,
                              row.message)


def resolve_unknown_attempt(db: Database, report_id: int, user: CurrentUser, note: str) -> Changes:
    """The signer checked the esign server (or BSrE) and states the document was not signed there."""
    user.require("signer")
    note = note.strip()
    if len(note) < 10:
        raise SigningError("Tuliskan hasil pemeriksaan Anda (minimal 10 karakter), misalnya "
                           "'dicek di riwayat server esign, dokumen belum ditandatangani'.")
    with db.transaction() as s:
        rows = s.execute(select(SigningAttempt).where(SigningAttempt.report_id == report_id,
                                                      SigningAttempt.outcome.in_(("unknown", "running")))).scalars()
        count = 0
        for row in rows:
            row.outcome, row.resolved_by, row.resolution = "resolved", user.username, note
            row.resolved_at = db.clock.now()
            count += 1
        if not count:
            raise NotFoundError("Tidak ada upaya tanda tangan berstatus tidak diketahui untuk laporan ini.")
        audit.record(s, user.username, "report.sign_unknown_resolved", "report", report_id, {"note": note})
    return Changes(reports=True)


@dataclass(frozen=True)
class _Draft:
    pdf: bytes
    pdf_path: Path
    revision: int
    year: int
    month: int
    location: str
    timezone: str


def _load_draft(db: Database, report_id: int) -> _Draft:
    with db.session() as s:
        report = s.get(Report, report_id)
        if report is None:
            raise NotFoundError(f"Laporan id {report_id} tidak ditemukan.")
        if report.status != "draft":
            raise SigningError(f"Laporan revisi {report.revision} sudah berstatus '{report.status}'.")
        period = s.get(Period, report.period_id)
        assert period is not None
        opd = s.get(Opd, period.opd_id)
        pdf_path = resolve_file(db, report.pdf_path)
        expected, revision, year, month = report.pdf_sha256, report.revision, period.year, period.month
    try:
        pdf = pdf_path.read_bytes()
    except OSError as exc:
        raise SigningError(f"Berkas laporan tidak dapat dibaca: {pdf_path} ({exc})") from None
    if hashlib.sha256(pdf).hexdigest() != expected:
        raise SigningError(f"Berkas laporan {pdf_path.name} berubah sejak dibuat (sha256 tidak cocok). "
                           "Buat ulang laporannya.")
    return _Draft(pdf, pdf_path, revision, year, month, opd.city if opd else "",
                  opd.timezone if opd else "Asia/Jakarta")


def confirmation_text(db: Database, report_id: int, user: CurrentUser, certificate: str) -> str:
    d = _load_draft(db, report_id)
    return (f"Laporan bulan {BULAN[d.month - 1]} {d.year} (revisi {d.revision}) akan ditandatangani oleh "
            f"{identity_of(db, user).name} dengan {certificate}; tidak dapat dibatalkan.")


def _request(db: Database, user: CurrentUser, d: _Draft) -> SignRequest:
    reader = PdfFileReader(io.BytesIO(d.pdf))
    pages = int(reader.root["/Pages"]["/Count"])
    box = reader.root["/Pages"]["/Kids"][-1]["/MediaBox"]
    size = (float(box[2]) - float(box[0]), float(box[3]) - float(box[1]))
    return SignRequest(pdf=d.pdf, identity=identity_of(db, user), box=signature_box(size), page_count=pages,
                       page_size=size, clock=db.clock, location=d.location, timezone=d.timezone)


def _start_attempt(db: Database, report_id: int, user: CurrentUser, backend: str) -> int:
    with db.transaction() as s:
        blocking = s.execute(select(SigningAttempt).where(
            SigningAttempt.report_id == report_id, SigningAttempt.outcome.in_(("unknown", "running")))).first()
        if blocking is not None:
            raise SigningOutcomeUnknown(
                "Upaya tanda tangan sebelumnya untuk laporan ini berstatus TIDAK DIKETAHUI (server esign tidak "
                "menjawab). Periksa dulu di server esign / admin TTE apakah dokumen sudah ditandatangani: bila "
                "sudah, impor PDF bertanda tangan itu; bila belum, nyatakan hasil pemeriksaan Anda (tombol "
                "'Sudah saya periksa') lalu tanda tangani lagi.")
        row = SigningAttempt(report_id=report_id, backend=backend, username=user.username, outcome="running")
        s.add(row)
        s.flush()
        audit.record(s, user.username, "report.sign_attempt", "report", report_id, {"backend": backend})
        return row.id


def _finish_attempt(db: Database, attempt_id: int, outcome: str, message: str) -> None:
    with db.transaction() as s:
        row = s.get(SigningAttempt, attempt_id)
        assert row is not None
        row.outcome, row.message, row.finished_at = outcome, message[:2000], db.clock.now()


def check_signed_result(db: Database, frozen: bytes, signed: bytes) -> tuple[str, str, str]:
    """The signed file holds the frozen report unchanged as its first revision, validates, and its
    signer certificate passes the checks at the office clock's time. Returns (level, subject, cert PEM)."""
    if not signed.startswith(frozen) or len(signed) <= len(frozen):
        raise SigningError("PDF bertanda tangan tidak memuat laporan yang dibekukan tanpa perubahan: isi yang "
                           "ditandatangani berbeda dengan laporan ini. Tanda tangan tidak disimpan.")
    trust = load_settings(db).trust_paths()
    moment = db.clock.utcnow()
    check = validate_pdf_bytes(signed, trust, moment=moment)
    if not check.ok:
        raise SigningError("Tanda tangan pada PDF hasil tidak sah: " + " ".join(check.problems))
    sig = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures
    approval = [s for s in sig if s.sig_object_type == "/Sig"][-1]
    certs = signature_certificates(approval.signed_data)
    signer = approval.signer_cert
    check_signer_certificate(signer, [c for c in certs if c.sha256 != signer.sha256], trust,
                             check.timestamp_time or moment)
    return check.level, check.signer_subject, check.signer_cert_pem


def _extend(db: Database, data: bytes, level: str) -> tuple[bytes, str, list[str]]:
    """Extend a B-T signature to the configured target (B-LT, B-LTA) as far as the validation data allows."""
    cfg = load_settings(db)
    target = cfg.target_level if cfg.target_level in LEVELS else "B-LT"
    notes: list[str] = []
    moment = db.clock.utcnow()
    trust = cfg.trust_paths()
    if level == "B-T" and LEVELS.index(target) >= LEVELS.index("B-LT"):
        lt = add_ltv(data, trust, moment)
        notes += lt.problems
        if lt.added:
            data = lt.data
    reached = validate_pdf_bytes(data, trust, moment=moment).level
    if reached == "B-LT" and target == "B-LTA":
        if not cfg.tsa_url:
            notes.append("B-LTA memerlukan alamat TSA di Pengaturan; tanda tangan berhenti di B-LT.")
        else:
            lta = add_archive_timestamp(data, HttpTimeStamper(cfg.tsa_url), trust, moment)
            notes += lta.problems
            data = lta.data
            reached = validate_pdf_bytes(data, trust, moment=moment).level
    if LEVELS.index(reached or "B-B") < LEVELS.index(target):
        notes.append(f"Tingkat yang dicapai {reached}, target {target}.")
    return data, reached, notes


def sign_report_with(
    db: Database,
    report_id: int,
    user: CurrentUser,
    backend: SigningBackend,
    credential: Credential,
    *,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> SignResult:
    """Sign a draft report with ``backend``; marks Report and Period "signed" (audited)."""
    user.require("signer")
    draft = _load_draft(db, report_id)
    if pending_attempt(db, report_id) is not None:
        _start_attempt(db, report_id, user, backend.key)  # raises SigningOutcomeUnknown with the explanation
    progress(0, 4, "Memeriksa sertifikat")
    cfg = load_settings(db)
    backend.prepare(credential, cfg.trust_paths(), db.clock.utcnow())
    cancel.raise_if_cancelled()
    request = _request(db, user, draft)
    attempt = _start_attempt(db, report_id, user, backend.key)
    progress(1, 4, "Menandatangani dokumen")
    try:
        signed = backend.sign(request, credential)
    except EsignOutcomeUnknown as exc:
        _finish_attempt(db, attempt, "unknown", str(exc))
        raise
    except BaseException as exc:
        _finish_attempt(db, attempt, "failed", str(exc) or exc.__class__.__name__)
        raise
    progress(2, 4, "Memeriksa hasil dan menambah data validasi")
    try:
        level, subject, cert_pem = check_signed_result(db, draft.pdf, signed)
        data, level, notes = _extend(db, signed, level)
    except BaseException as exc:
        _finish_attempt(db, attempt, "failed", str(exc) or exc.__class__.__name__)
        raise
    progress(3, 4, "Menyimpan dokumen bertanda tangan")
    result = store_signed(db, report_id, user, draft.pdf_path, data, subject, cert_pem, level, backend.key, attempt)
    progress(4, 4, "Selesai")
    message = f"Laporan berhasil ditandatangani ({backend.label}); tingkat PAdES {level}."
    return SignResult(report_id, result[0], result[1], subject, False, message, level, backend.key, tuple(notes))


def store_signed(db: Database, report_id: int, user: CurrentUser, pdf_path: Path, data: bytes, subject: str,
                 cert_pem: str, level: str, backend: str, attempt: int | None) -> tuple[Path, str]:
    target = pdf_path.with_name(pdf_path.stem + "_ttd.pdf")
    tmp = target.with_suffix(".pdf.tmp")
    tmp.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    with db.transaction() as s:
        report = s.get(Report, report_id)
        assert report is not None
        if report.status != "draft":
            tmp.unlink(missing_ok=True)
            raise ConflictError("Laporan ini baru saja ditandatangani oleh sesi lain.")
        report.signed_pdf_path = relative_file(db, target)
        report.signed_sha256, report.signer_subject, report.signer_cert_pem = sha, subject, cert_pem
        report.signed_at, report.signed_by, report.status = db.clock.now(), user.username, "signed"
        report.signature_level, report.signing_backend = level, backend
        period = s.get(Period, report.period_id)
        if period is not None and period.status in ("locked", "signed"):
            period.status = "signed"
        for row in s.execute(select(SigningAttempt).where(SigningAttempt.report_id == report_id,
                                                          SigningAttempt.outcome.in_(("unknown", "running")))
                             ).scalars():
            row.outcome = "ok" if row.id == attempt else "resolved"
            row.finished_at = db.clock.now()
            if row.id != attempt:
                row.resolved_by, row.resolved_at = user.username, db.clock.now()
                row.resolution = "PDF bertanda tangan diimpor"
        audit.record(s, user.username, "report.sign", "report", report_id,
                     {"revision": report.revision, "signed_sha256": sha, "subject": subject, "level": level,
                      "backend": backend})
        os.replace(tmp, target)
    return target, sha


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
    """Local PKCS#12 signing (the passphrase may come from keyring); timestamp from the configured TSA."""
    user.require("signer")
    p12_path = Path(p12_path)
    if not p12_path.is_file():
        raise SigningError(f"Berkas sertifikat tidak ditemukan: {p12_path}")
    from_keyring = passphrase is None
    if passphrase is None:
        passphrase = remembered_passphrase(p12_path)
    if passphrase is None:
        raise PassphraseRequired("Masukkan kata sandi sertifikat (tidak tersimpan di keyring).")
    backend = LocalP12Backend(p12_path, load_settings(db).tsa_url)
    try:
        res = sign_report_with(db, report_id, user, backend, Credential(passphrase=Secret(passphrase)),
                               progress=progress, cancel=cancel)
    except SigningError as exc:
        if from_keyring and "kata sandi salah" in str(exc):
            raise SigningError("Kata sandi sertifikat yang tersimpan di keyring tidak cocok lagi; "
                               "masukkan kata sandi baru.") from None
        raise
    set_setting(db, SETTING_P12 + user.username, str(p12_path.resolve()), user.username)
    remembered, message = from_keyring, res.message
    if remember and not from_keyring:
        try:
            secrets.set_secret(SECRET_KIND, passphrase_key(p12_path), passphrase)
            remembered = True
            message += " Kata sandi sertifikat disimpan di keyring."
        except secrets.SecretStoreUnavailable as exc:
            message += f" {exc}"
    return SignResult(res.report_id, res.signed_path, res.signed_sha256, res.signer_subject, remembered, message,
                      res.level, res.backend, res.notes)


BACKEND_LABELS = {"p12": "sertifikat .p12", "esign": "server esign BSrE", "elsewhere": "aplikasi lain"}


def signature_info(db: Database, report_id: int) -> tuple[str, str]:
    """(PAdES level, backend label) of a signed report, for the screens."""
    with db.session() as s:
        rep = s.get(Report, report_id)
        if rep is None:
            return "", ""
        return rep.signature_level, BACKEND_LABELS.get(rep.signing_backend, rep.signing_backend)


def trusted_root_subjects(db: Database) -> list[str]:
    return [c.subject.human_friendly for c in load_certs(load_settings(db).trust_paths())]

