"""Database side of the push receiver.

Every function that writes takes the Session of one write transaction opened by
:func:`write_transaction` (``BEGIN IMMEDIATE`` on SQLite: the write lock is taken
first and waited for with the busy timeout, instead of failing with "database is
locked" when a read snapshot cannot be upgraded). The receiver calls them from its
single writer thread, so one process never has two push writes in flight.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.devices.punches import insert_punches, ts_text
from services.devices.push_protocol import CommandResult, ParsedAttlog, ParsedOperlog, info_summary, shown
from services.store.db import Database
from services.store.models import Device, ImportBatch, Opd, PushCommand, PushDevice, PushDeviceUser
from services.store.writer import WRITER_LOCK_KEY
from services.tabular import ascii_digits

DRIFT_WINDOW = dt.timedelta(hours=12)
FRESH_UPLOAD_S = 900  # an upload whose newest record is older than this says nothing about the device clock
COMMANDS_PER_POLL = 10
COMMAND_RESEND_AFTER = dt.timedelta(minutes=5)
COMMAND_MAX_ATTEMPTS = 3


class PushRefused(Exception):
    """A request the receiver answers with a non-OK status (the device keeps its data and retries)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Session]:
    """One write unit of work that takes SQLite's write lock up front (waits up to the busy timeout)."""
    with db.transaction() as s:
        if db.engine.dialect.name == "sqlite":
            s.connection().exec_driver_sql("BEGIN IMMEDIATE")
        else:  # the same one-writer rule across PCs (services.store.writer)
            s.connection().exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")
        yield s


@dataclass(frozen=True)
class DeviceView:
    """What a request needs to know about a serial (no ORM object leaves the writer's session)."""

    id: int
    serial: str
    status: str
    timezone: str
    attlog_stamp: str
    operlog_stamp: str
    device_id: int | None


def _view(pd: PushDevice) -> DeviceView:
    return DeviceView(pd.id, pd.serial, pd.status, pd.timezone, pd.attlog_stamp, pd.operlog_stamp, pd.device_id)


def find(session: Session, serial: str) -> PushDevice | None:
    return session.execute(select(PushDevice).where(PushDevice.serial == serial)).scalar_one_or_none()


def lookup(session: Session, serial: str) -> DeviceView | None:
    pd = find(session, serial)
    return _view(pd) if pd is not None else None


def register_contact(session: Session, serial: str, remote: str, push_version: str, now: dt.datetime,
                     max_pending: int) -> DeviceView:
    """The device called in: remember when and from where; an unknown serial becomes pending."""
    pd = find(session, serial)
    if pd is None:
        pending = session.execute(select(func.count()).select_from(PushDevice)
                                  .where(PushDevice.status == "pending")).scalar_one()
        if pending >= max_pending:
            raise PushRefused(403, f"Ditolak: sudah {pending} mesin menunggu persetujuan; "
                                   "terima atau tolak dulu di layar Perangkat.")
        opd = session.execute(select(Opd.id, Opd.timezone).order_by(Opd.id).limit(1)).first()
        pd = PushDevice(serial=serial, status="pending", timezone=opd[1] if opd else "Asia/Jakarta",
                        opd_id=opd[0] if opd else None, first_seen_at=now,
                        last_status="menunggu persetujuan administrator")
        session.add(pd)
    pd.last_seen_at, pd.remote_addr = now, remote[:64]
    if push_version:
        pd.push_version = shown(push_version, 20)
    session.flush()
    return _view(pd)


def note_refused(session: Session, serial: str, table: str, now: dt.datetime) -> None:
    pd = find(session, serial)
    if pd is None:
        return
    pd.refused_posts += 1
    pd.last_seen_at = now
    word = "ditolak" if pd.status == "rejected" else "menunggu persetujuan"
    pd.last_status = f"{word}: {pd.refused_posts} kiriman ({shown(table, 12)}) ditahan di mesin"


@dataclass(frozen=True)
class StoreResult:
    lines: int
    new: int
    duplicate: int
    rejected: int
    batch_id: int
    drift_seconds: float | None = None


def _update_drift(pd: PushDevice, parsed: ParsedAttlog, now_zone: dt.datetime) -> None:
    """Device clock minus office clock, estimated from realtime uploads.

    With ``Realtime=1`` a device uploads a punch seconds after it happens, so the newest record's time minus
    the arrival time is the drift minus a small latency. The largest such lead over a window is the estimate;
    a backlog upload (newest record older than FRESH_UPLOAD_S) is ignored, so a slow clock is measured only
    up to that bound, while a fast clock of any size shows as records from the future.
    """
    if not parsed.records:
        return
    lead = (max(r.ts for r in parsed.records) - now_zone).total_seconds()
    if lead < -FRESH_UPLOAD_S:
        return
    start = pd.drift_window_start
    if pd.drift_seconds is None or start is None or now_zone - start > DRIFT_WINDOW:
        pd.drift_seconds, pd.drift_window_start = lead, now_zone
    else:
        pd.drift_seconds = max(pd.drift_seconds, lead)


def store_attlog(session: Session, view: DeviceView, parsed: ParsedAttlog, stamp: str, now: dt.datetime,
                 now_zone: dt.datetime) -> StoreResult:
    """Punches + batch + stamp + status in the caller's transaction (the reply OK comes after its commit).

    ``now`` is the office clock (row stamps), ``now_zone`` the same instant in the device's zone (drift).
    """
    batch = ImportBatch(kind="push", source=view.serial, username=f"push:{view.serial}", started_at=now)
    session.add(batch)
    session.flush()
    rows = [(r.pin, ts_text(r.ts), r.state, r.verify) for r in parsed.records]
    new = insert_punches(session, source="device", serial=view.serial, tz=view.timezone, batch_id=batch.id, rows=rows)
    duplicate = len(rows) - new
    batch.new_count, batch.duplicate_count, batch.rejected_count = new, duplicate, parsed.rejected
    batch.errors = "\n".join(parsed.errors)
    batch.finished_at = now
    pd = session.get(PushDevice, view.id)
    assert pd is not None
    if ascii_digits(stamp.strip()):
        pd.attlog_stamp = stamp.strip()[:20]
    pd.records_stored += new
    pd.last_upload_at = pd.last_seen_at = now
    pd.last_status = (f"OK: {new} baru, {duplicate} sudah ada, {parsed.rejected} ditolak "
                      f"({now:%d-%m-%Y %H:%M})")[:300]
    _update_drift(pd, parsed, now_zone)
    if pd.device_id is not None and pd.drift_seconds is not None:
        device = session.get(Device, pd.device_id)
        if device is not None:
            device.last_drift_seconds = pd.drift_seconds
    session.flush()
    return StoreResult(parsed.lines, new, duplicate, parsed.rejected, batch.id, pd.drift_seconds)


def store_operlog(session: Session, view: DeviceView, parsed: ParsedOperlog, stamp: str | None,
                  now: dt.datetime) -> StoreResult:
    """USER lines become device-user rows (upsert by PIN); FP lines add finger ids; OPLOG lines are counted."""
    batch = ImportBatch(kind="push_user", source=view.serial, username=f"push:{view.serial}", started_at=now)
    session.add(batch)
    session.flush()
    pins = set(parsed.users) | set(parsed.fingers)
    existing = {u.pin: u for u in session.execute(
        select(PushDeviceUser).where(PushDeviceUser.push_device_id == view.id, PushDeviceUser.pin.in_(pins))
    ).scalars()} if pins else {}
    new = 0
    for pin in sorted(pins):
        row = existing.get(pin)
        if row is None:
            row = PushDeviceUser(push_device_id=view.id, pin=pin, updated_at=now)
            session.add(row)
            new += 1
        user = parsed.users.get(pin)
        if user is not None:
            row.name, row.privilege, row.card, row.has_password = user.name, user.privilege, user.card, user.has_password
        if pin in parsed.fingers:
            have = {int(f) for f in row.fingerprints.split(",") if f.isdigit()} if row.fingerprints else set()
            row.fingerprints = ",".join(str(f) for f in sorted(have | parsed.fingers[pin]))
        row.updated_at = now
    batch.new_count, batch.duplicate_count, batch.rejected_count = new, len(pins) - new, parsed.rejected
    notes = parsed.errors + ([f"{parsed.oplogs} baris OPLOG dicatat sebagai jumlah saja"] if parsed.oplogs else []) \
        + ([f"{parsed.ignored} baris lain (foto/wajah/biodata) tidak disimpan"] if parsed.ignored else [])
    batch.errors = "\n".join(notes)
    batch.finished_at = now
    pd = session.get(PushDevice, view.id)
    assert pd is not None
    if stamp is not None and ascii_digits(stamp.strip()):
        pd.operlog_stamp = stamp.strip()[:20]
    pd.last_seen_at = now
    session.flush()
    return StoreResult(parsed.lines, new, len(pins) - new, parsed.rejected, batch.id)


def take_commands(session: Session, push_device_id: int, now: dt.datetime) -> list[tuple[int, str]]:
    """Queued commands (and sent ones left unanswered too long) for one poll; marks them sent."""
    stale = now - COMMAND_RESEND_AFTER
    q = (select(PushCommand)
         .where(PushCommand.push_device_id == push_device_id,
                or_(PushCommand.status == "queued", (PushCommand.status == "sent") & (PushCommand.sent_at < stale)))
         .order_by(PushCommand.id).limit(COMMANDS_PER_POLL))
    out = []
    for cmd in session.execute(q).scalars():
        if cmd.attempts >= COMMAND_MAX_ATTEMPTS:
            cmd.status, cmd.finished_at = "failed", now
            cmd.result = f"tidak dijawab mesin setelah {cmd.attempts} kali dikirim"
            continue
        cmd.status, cmd.sent_at, cmd.attempts = "sent", now, cmd.attempts + 1
        out.append((cmd.id, cmd.command))
    return out


def pending_commands(session: Session, push_device_id: int, now: dt.datetime) -> bool:
    """Cheap read-only check before asking the writer to hand commands out."""
    stale = now - COMMAND_RESEND_AFTER
    q = (select(func.count()).select_from(PushCommand)
         .where(PushCommand.push_device_id == push_device_id,
                or_(PushCommand.status == "queued", (PushCommand.status == "sent") & (PushCommand.sent_at < stale))))
    return bool(session.execute(q).scalar_one())


def record_results(session: Session, push_device_id: int, results: list[CommandResult], now: dt.datetime) -> int:
    """Results of this device's own commands (an id of another device's command is ignored)."""
    done = 0
    for r in results:
        cmd = session.get(PushCommand, r.command_id)
        if cmd is None or cmd.push_device_id != push_device_id or cmd.status in ("done", "failed"):
            continue
        cmd.status = "done" if r.return_code >= 0 else "failed"
        cmd.return_code, cmd.result, cmd.finished_at = r.return_code, r.detail, now
        if cmd.command == "INFO" and r.detail:
            pd = session.get(PushDevice, push_device_id)
            if pd is not None:
                pd.info = info_summary(r.detail)
        done += 1
    return done


def flush_touches(session: Session, touches: dict[str, tuple[dt.datetime, str, str]]) -> None:
    """Heartbeats gathered in memory since the last flush: last seen time, address and INFO text."""
    for serial, (when, remote, info) in touches.items():
        pd = find(session, serial)
        if pd is None:
            continue
        if pd.last_seen_at is None or when > pd.last_seen_at:
            pd.last_seen_at = when
        pd.remote_addr = remote[:64]
        if info:
            pd.info = info
