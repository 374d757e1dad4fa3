"""Local outbox for central submissions: queue offline, retry with backoff, idempotent.

`enqueue_submission` builds (once) the signed report's submission bundle (services.central.bundle:
signed recap PDF, Excel recap, SPTJM, surat pengantar, audit-chain head) and turns it into an
OutboxItem (key = OPD, period, revision, sha256 of the bundle manifest). `flush_outbox` sends
every due item; when the server cannot be reached the item stays "pending" with
``next_attempt_at`` pushed back (30 s, 1 min, 2 min, ... up to 1 h). A refusal by the server marks
it "failed". Every time comes from the database's office clock (``db.clock``).

Connection settings: the URL without password in Setting "central.url"; the
password in keyring (kind "central", name = the database user).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from services.auth import audit
from services.auth.users import AuthError, CurrentUser
from services.central.admin import with_params
from services.central.bundle import BundleError, build_bundle, load_bundle
from services.central.client import (
    CentralUnreachable,
    SubmissionPayload,
    SubmissionRefused,
    connect,
    submit,
)
from services.central.login_url import login_parts, put_url, read_url, remember_password, saved_password
from services.changes import Changes
from services.errors import NotFoundError, UserError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.store.db import Database
from services.store.models import Opd, OutboxItem, Period, Report, SubmissionBundle

SETTING_URL = "central.url"
BACKOFF_FIRST_S = 30
BACKOFF_MAX_S = 3600


class OutboxError(UserError):
    pass


def backoff_seconds(attempts: int) -> int:
    """Delay after the n-th failed attempt (n >= 1): 30 s doubling, capped at one hour."""
    return min(BACKOFF_FIRST_S * 2 ** max(0, attempts - 1), BACKOFF_MAX_S)


# ------------------------------------------------------------------ settings


def central_url(db: Database) -> str | None:
    with db.session() as s:
        return read_url(s, SETTING_URL)


def configure_central(db: Database, url: str, user: CurrentUser, password: str | None = None,
                      ca_file: str | Path | None = None) -> str:
    """Save the URL (never with a password) and, optionally, the password in keyring.

    ca_file: the CA that signed the central server's certificate (production). It is stored in the URL
    as ``sslrootcert`` with ``sslmode=verify-full``; client.connect then also requires SCRAM-SHA-256.
    """
    user.require("admin")
    info = login_parts(url, example="postgresql://opd_x@host/bkpsdm")
    if ca_file:
        info["sslrootcert"], info["sslmode"] = str(Path(ca_file).resolve()), "verify-full"
        url = with_params(url, sslrootcert=str(info["sslrootcert"]), sslmode="verify-full")
    if info.get("sslrootcert"):
        _check_ca_file(Path(str(info["sslrootcert"])))
    with db.transaction() as s:
        old = put_url(s, SETTING_URL, url)
        waiting = s.execute(select(func.count(OutboxItem.id)).where(OutboxItem.status != "sent")).scalar() or 0
        audit.record(s, user.username, "central.configure", "setting", SETTING_URL,
                     {"url": url, "previous_url": old, "queued_items": waiting})
    # say it plainly: whatever waits in the outbox now goes to the new address
    moved = (f" Alamat sebelumnya: {old}; {waiting} kiriman di antrean kini dikirim ke alamat baru."
             if old and old != url and waiting else (f" Alamat sebelumnya: {old}." if old and old != url else ""))
    if password:
        remember_password(url, password)
        return f"Alamat disimpan; kata sandi disimpan di keyring.{moved}"
    return f"Alamat disimpan.{moved}"


def _check_ca_file(path: Path) -> None:
    try:
        text = path.read_bytes()[:1_000_000]
    except OSError as exc:
        raise OutboxError(f"Berkas CA server pusat {path} tidak dapat dibaca: {exc.strerror or exc}") from None
    if b"-----BEGIN CERTIFICATE-----" not in text:
        raise OutboxError(f"Berkas CA server pusat {path.name} bukan sertifikat PEM (-----BEGIN CERTIFICATE-----).")


central_password = saved_password  # the OPD login's password kept in keyring, if any


# ------------------------------------------------------------------- enqueue


def payload_for(db: Database, report_id: int) -> SubmissionPayload:
    """The central payload of a signed report whose bundle exists (see services.central.bundle)."""
    with db.session() as s:
        report = s.get(Report, report_id)
        if report is None:
            raise OutboxError(f"Laporan id {report_id} tidak ditemukan.")
        if report.status not in ("signed", "queued", "submitted") or not report.signed_sha256:
            raise OutboxError(f"Laporan revisi {report.revision} belum ditandatangani.")
        period = s.get(Period, report.period_id)
        opd = s.get(Opd, period.opd_id) if period else None
        if period is None or opd is None:
            raise OutboxError("Periode/OPD laporan tidak ditemukan.")
        bundle = s.execute(select(SubmissionBundle).where(SubmissionBundle.report_id == report_id)).scalar()
        if bundle is None:
            raise OutboxError(f"Bundel kiriman laporan revisi {report.revision} belum dibuat.")
        return SubmissionPayload(
            opd_code=opd.code, year=period.year, month=period.month, revision=report.revision,
            reason=report.reason, sha256=report.signed_sha256, signer_subject=report.signer_subject,
            signer_cert_pem=report.signer_cert_pem, summary=json.loads(report.summary_json or "[]"),
            bundle_sha256=bundle.bundle_sha256, manifest=bundle.manifest_json,
            file_sha256={"recap_pdf": bundle.recap_pdf_sha256, "recap_xlsx": bundle.xlsx_sha256,
                         "sptjm_pdf": bundle.sptjm_sha256, "pengantar_pdf": bundle.pengantar_sha256},
            audit_head_id=bundle.audit_head_id, audit_head_hash=bundle.audit_head_hash,
        )


def enqueue_submission(db: Database, report_id: int, user: CurrentUser, *, pengantar_number: str = "") -> int:
    """Bundle (once) and queue a signed report for the central DB; returns the OutboxItem id (same id on repeat)."""
    if not (user.has("operator") or user.has("signer")):
        raise AuthError("Mengirim laporan memerlukan peran Operator atau Penanda tangan.")
    build_bundle(db, report_id, user, pengantar_number=pengantar_number)
    payload = payload_for(db, report_id)
    key = payload.key()
    with db.transaction() as s:
        item = s.execute(select(OutboxItem).where(OutboxItem.idempotency_key == key)).scalar_one_or_none()
        if item is not None:
            return item.id
        item = OutboxItem(report_id=report_id, idempotency_key=key, payload_json=payload.to_json(),
                          status="pending", next_attempt_at=db.clock.now())
        s.add(item)
        report = s.get(Report, report_id)
        assert report is not None
        if report.status == "signed":
            report.status = "queued"
        s.flush()
        audit.record(s, user.username, "report.enqueue", "outbox_item", item.id,
                     {"report_id": report_id, "key": key})
        return item.id


def recipient_name(opd: Opd) -> str:
    """'BKPSDM Kab. Kotawaringin Timur' from the OPD's region ('PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR')."""
    region = (opd.region_name or "").strip()
    region = region[len("PEMERINTAH "):] if region.upper().startswith("PEMERINTAH ") else region
    for long, short in (("KABUPATEN ", "Kab. "), ("KOTA ", "Kota "), ("PROVINSI ", "Prov. ")):
        if region.upper().startswith(long):
            return f"BKPSDM {short}{region[len(long):].title()}"
    return f"BKPSDM {region.title()}" if region else "BKPSDM"


def _server_label(url: str) -> str:
    """host/database of the central URL (the user name and any password are not shown)."""
    import psycopg

    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "yang diatur di Pengaturan"
    return f"{info.get('host', 'localhost')}/{info.get('dbname', '')}"


def submission_confirmation_text(db: Database, report_id: int) -> str:
    """What "Kirim ke BKPSDM" will do, to whom, and that it cannot be taken back (shown before sending)."""
    from services.calendar.names import BULAN

    with db.session() as s:
        report = s.get(Report, report_id)
        if report is None:
            raise NotFoundError(f"Laporan id {report_id} tidak ditemukan.")
        period = s.get(Period, report.period_id)
        assert period is not None
        opd = s.get(Opd, period.opd_id)
        assert opd is not None
        to = recipient_name(opd)
        label = f"{BULAN[period.month - 1]} {period.year}"
    url = central_url(db)
    where = (f"server pusat {_server_label(url)}" if url else
             "antrean kiriman (server pusat belum diatur; terkirim otomatis setelah diatur)")
    return (f"Laporan {label} (revisi {report.revision}) beserta rekap Excel, SPTJM dan surat pengantar akan "
            f"dikirim ke {to} melalui {where}; tidak dapat ditarik kembali. Perbaikan setelah ini hanya "
            "lewat revisi baru yang ditandatangani dan dikirim lagi.")


def retry_item(db: Database, item_id: int, user: CurrentUser) -> None:
    """Make a pending or failed item due now (the "Coba lagi" button)."""
    with db.transaction() as s:
        item = s.get(OutboxItem, item_id)
        if item is None:
            raise OutboxError(f"Antrean id {item_id} tidak ditemukan.")
        if item.status == "sent":
            return
        item.status = "pending"
        item.next_attempt_at = db.clock.now()
        audit.record(s, user.username, "outbox.retry", "outbox_item", item_id, {})


# --------------------------------------------------------------------- flush


@dataclass
class FlushResult:
    sent: int = 0
    already_there: int = 0
    still_queued: int = 0
    failed: int = 0
    messages: list[str] = field(default_factory=list)
    also: Changes = field(default_factory=Changes)  # e.g. BKPSDM decisions fetched after sending

    @property
    def changes(self) -> Changes:
        moved = bool(self.sent or self.already_there or self.failed or self.still_queued)
        return Changes(reports=moved, periods=bool(self.sent or self.already_there)) | self.also

    def summary(self) -> str:
        parts = [f"{self.sent} terkirim"]
        if self.already_there:
            parts.append(f"{self.already_there} sudah ada di pusat")
        parts.append(f"{self.still_queued} masih dalam antrean")
        if self.failed:
            parts.append(f"{self.failed} ditolak")
        return ", ".join(parts) + "."


def _due_items(db: Database, now: dt.datetime, force: bool) -> list[tuple[int, int, str]]:
    with db.session() as s:
        stmt = select(OutboxItem.id, OutboxItem.report_id, OutboxItem.payload_json).where(
            OutboxItem.status == "pending"
        )
        if not force:
            stmt = stmt.where((OutboxItem.next_attempt_at.is_(None)) | (OutboxItem.next_attempt_at <= now))
        return [tuple(r) for r in s.execute(stmt.order_by(OutboxItem.id))]  # type: ignore[misc]


def _postpone(db: Database, item_id: int, error: str, now: dt.datetime) -> None:
    with db.transaction() as s:
        item = s.get(OutboxItem, item_id)
        assert item is not None
        item.attempts += 1
        item.last_error = error
        item.next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(item.attempts))


def _mark_failed(db: Database, item_id: int, error: str, username: str) -> None:
    with db.transaction() as s:
        item = s.get(OutboxItem, item_id)
        assert item is not None
        item.attempts += 1
        item.status = "failed"
        item.last_error = error
        audit.record(s, username, "outbox.refused", "outbox_item", item_id, {"error": error})


def _mark_sent(db: Database, item_id: int, report_id: int, outcome_id: int, submitted_at: dt.datetime,
               existed: bool, username: str) -> None:
    with db.transaction() as s:
        item = s.get(OutboxItem, item_id)
        assert item is not None
        item.attempts += 1
        item.status = "sent"
        item.last_error = ""
        item.sent_at = db.clock.now()
        report = s.get(Report, report_id)
        if report is not None:
            report.status = "submitted"
            period = s.get(Period, report.period_id)
            if period is not None:
                period.status = "submitted"
        audit.record(s, username, "report.submitted", "outbox_item", item_id,
                     {"central_id": outcome_id, "submitted_at": submitted_at.isoformat(), "existed": existed})


def flush_outbox(
    db: Database,
    *,
    url: str | None = None,
    password: str | None = None,
    username: str = "system",
    force: bool = False,
    connect_timeout: int = 5,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> FlushResult:
    """Send every due pending item. Never raises for network trouble: the items stay queued."""
    now = db.clock.now()
    result = FlushResult()
    items = _due_items(db, now, force)
    if not items:
        result.messages.append("Tidak ada kiriman yang jatuh tempo di antrean.")
        return result
    url = url or central_url(db)
    if not url:
        msg = "Alamat server pusat (BKPSDM) belum diatur di Pengaturan; kiriman tetap di antrean."
        with db.transaction() as s:
            for item_id, _rid, _p in items:
                s.get(OutboxItem, item_id).last_error = msg  # type: ignore[union-attr]
        result.still_queued = len(items)
        result.messages.append(msg)
        return result
    if password is None:
        password = central_password(url)
    progress(0, len(items), "Menghubungi server pusat")
    try:
        conn = connect(url, password, timeout=connect_timeout)
    except CentralUnreachable as exc:
        for item_id, _rid, _p in items:
            _postpone(db, item_id, str(exc), now)
        result.still_queued = len(items)
        result.messages.append(f"{exc} Kiriman tetap di antrean dan dicoba lagi otomatis.")
        return result
    try:
        for done, (item_id, report_id, payload_json) in enumerate(items):
            cancel.raise_if_cancelled()
            payload = SubmissionPayload.from_json(payload_json)
            label = f"{payload.year}-{payload.month:02d} revisi {payload.revision}"
            progress(done, len(items), f"Mengirim laporan {label}")
            try:
                bundle = load_bundle(db, report_id)
            except (BundleError, NotFoundError) as exc:
                _mark_failed(db, item_id, str(exc), username)
                result.failed += 1
                result.messages.append(f"{label}: {exc}")
                continue
            if bundle.bundle_sha256 != payload.bundle_sha256:
                msg = f"Bundel {label} berubah sejak masuk antrean; tidak dikirim."
                _mark_failed(db, item_id, msg, username)
                result.failed += 1
                result.messages.append(msg)
                continue
            try:
                outcome = submit(conn, payload, bundle.files)
            except SubmissionRefused as exc:
                _mark_failed(db, item_id, str(exc), username)
                result.failed += 1
                result.messages.append(f"{label}: {exc}")
                continue
            except CentralUnreachable as exc:
                _postpone(db, item_id, str(exc), now)
                result.still_queued += 1
                result.messages.append(f"{label}: {exc}")
                continue
            _mark_sent(db, item_id, report_id, outcome.submission_id, outcome.submitted_at, outcome.existed, username)
            if outcome.existed:
                result.already_there += 1
                result.messages.append(f"{label}: sudah ada di server pusat (id {outcome.submission_id}).")
            else:
                result.sent += 1
                result.messages.append(f"{label}: terkirim (id pusat {outcome.submission_id}).")
        progress(len(items), len(items), "Selesai")
    finally:
        conn.close()
    return result


@dataclass(frozen=True)
class OutboxRow:
    id: int
    report_id: int
    label: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    last_error: str


def outbox_rows(db: Database, opd_id: int | None = None) -> list[OutboxRow]:
    """Outbox items, newest first, for the Laporan Bulanan screen and `submit --list`."""
    with db.session() as s:
        rows = []
        q = select(OutboxItem, Report, Period).join(Report, Report.id == OutboxItem.report_id).join(
            Period, Period.id == Report.period_id)
        if opd_id is not None:
            q = q.where(Period.opd_id == opd_id)
        for item, report, period in s.execute(q.order_by(OutboxItem.id.desc())):
            rows.append(OutboxRow(item.id, report.id, f"{period.year}-{period.month:02d} r{report.revision}",
                                  item.status, item.attempts, item.next_attempt_at, item.sent_at, item.last_error))
        return rows
