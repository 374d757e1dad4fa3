"""Pull attendance logs from registered devices into the append-only punch table.

Per device: connect → read identity and clock → disable the device (no punches can
land mid-read) → read the whole log → parse linearly, skipping impossible dates →
one transaction (ImportBatch + INSERT OR IGNORE punches + high-water mark + status)
→ optionally clear the device log, only after that commit and only when the
device still holds exactly what was read → enable → disconnect.

A dropped link is retried with a fresh connection; nothing partial is ever
committed, and the next sync picks up where the stored data ends (duplicates are
ignored by the unique key). The high-water mark is the newest punch time stored
per device; records older than it that still turn out new (device clock was set
back) are counted and reported instead of silently skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select

from services.auth import audit
from services.changes import Changes
from services.devices import protocol as p
from services.devices.client import DeviceAuthError, DeviceDropped, DeviceError, DeviceUnreachable, ZkClient
from services.devices.punches import KeyRow, insert_punches
from services.devices.registry import DEFAULT_DRIFT_THRESHOLD_S, client_for, describe_drift
from services.errors import NotFoundError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.store.db import Database
from services.store.models import Device, ImportBatch, Punch

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    device_id: int
    device_name: str
    serial: str = ""
    read: int = 0
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    below_high_water: int = 0
    errors: list[str] = field(default_factory=list)
    drift_seconds: float | None = None
    drift_exceeded: bool = False
    cleared: bool = False
    batch_id: int | None = None
    attempts: int = 1
    error: str = ""  # set when the device failed (sync_all keeps going)

    @property
    def changes(self) -> Changes:
        return Changes(punches=self.new > 0, devices=True)

    def summary(self) -> str:
        if self.error:
            return f"{self.device_name}: GAGAL — {self.error}"
        parts = [f"{self.device_name} ({self.serial}): {self.read} rekaman dibaca, {self.new} baru, "
                 f"{self.duplicate} sudah ada, {self.rejected} ditolak"]
        if self.below_high_water:
            parts.append(f"{self.below_high_water} rekaman baru bertanggal sebelum sinkron terakhir")
        if self.drift_exceeded:
            parts.append(f"jam mesin {describe_drift(self.drift_seconds)} — perlu dikoreksi")
        if self.cleared:
            parts.append("log mesin dikosongkan")
        return "; ".join(parts)


def _reject_messages(bad: list[tuple[int, str, int]], label: str) -> list[str]:
    out = []
    for index, pin, raw in bad:
        y, mo, d, h, mi, sec = p.decode_fields(raw)
        out.append(f"{label}: rekaman ke-{index} (PIN {pin}): tanggal tidak valid "
                   f"{d:02d}-{mo:02d}-{y} {h:02d}:{mi:02d}:{sec:02d}, dilewati")
    return out


def _fail(db: Database, device_id: int, message: str) -> None:
    """Remember the failure on the device row (punches untouched)."""
    with db.transaction() as s:
        device = s.get(Device, device_id)
        if device is not None:
            device.last_sync_at = db.clock.now()
            device.last_sync_status = ("GAGAL: " + message)[:300]


def sync_device(db: Database, device_id: int, *, username: str = "system", clear_log: bool = False,
                drift_threshold_s: float = DEFAULT_DRIFT_THRESHOLD_S, attempts: int = 3, timeout: float = 10.0,
                comm_key: int | None = None,
                progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> SyncResult:
    """comm_key overrides the keyring (typed in by the user on systems without a keyring)."""
    with db.session() as s:
        device = s.get(Device, device_id)
        if device is None:
            raise NotFoundError(f"Perangkat {device_id} tidak ditemukan.")
        name = device.name
        try:
            client = client_for(device, timeout, comm_key)
        except DeviceError as exc:
            _fail(db, device_id, str(exc))
            raise
    last: DeviceError | None = None
    for attempt in range(1, attempts + 1):
        cancel.raise_if_cancelled()
        progress(0, 0, f"Menghubungi {name} ({client.where})…" + (f" percobaan {attempt}/{attempts}" if attempt > 1 else ""))
        try:
            result = _sync_once(db, device_id, name, client, username=username, clear_log=clear_log,
                                drift_threshold_s=drift_threshold_s, progress=progress, cancel=cancel)
            result.attempts = attempt
            return result
        except (DeviceAuthError, DeviceUnreachable) as exc:
            _fail(db, device_id, str(exc))  # retrying cannot help: wrong key or no device at that address
            raise
        except DeviceDropped as exc:
            log.warning("sync %s attempt %d dropped: %s", name, attempt, exc)
            last = exc
        except DeviceError as exc:
            last = exc
        finally:
            client.close()
    assert last is not None
    message = f"{last} (gagal setelah {attempts} percobaan; data yang sudah tersimpan sebelumnya tetap aman)"
    _fail(db, device_id, message)
    raise DeviceError(message)


def _sync_once(db: Database, device_id: int, name: str, client: ZkClient, *, username: str, clear_log: bool,
               drift_threshold_s: float, progress: ProgressFn, cancel: CancelToken) -> SyncResult:
    client.connect()
    info = client.info()
    with db.session() as s:
        device = s.get(Device, device_id)
        assert device is not None
        tz, registered_serial, high_water = device.timezone, device.serial, device.high_water_ts
    serial = info.serial or registered_serial or f"IP-{client.ip}"
    drift = (client.get_time() - db.clock.in_zone(tz).now()).total_seconds()
    result = SyncResult(device_id, name, serial, drift_seconds=drift, drift_exceeded=abs(drift) > drift_threshold_s)
    client.disable()
    try:
        log_blob = client.read_attendance_blob(progress=progress, cancel=cancel)
        device_count = log_blob.count
        cancel.raise_if_cancelled()
        rows, bad = log_blob.key_rows()
        errors = _reject_messages(bad, f"Perangkat {name}")
        result.read, result.rejected, result.errors = device_count, len(bad), errors
        progress(device_count, device_count, f"Menyimpan {len(rows)} rekaman…")
        _store(db, device_id, result, rows, tz, high_water, registered_serial, username, cancel)
        if clear_log:
            # the device is still disabled: nothing can have arrived since the read, but check anyway
            _users, still = client.sizes()
            if still == device_count:
                client.clear_attendance()
                result.cleared = True
                with db.transaction() as s:
                    audit.record(s, username, "device.clear_log", "device", device_id,
                                 {"records": device_count, "batch_id": result.batch_id})
            else:
                result.errors.append(f"Log mesin tidak dikosongkan: jumlah rekaman berubah ({device_count} → {still}).")
    finally:
        try:
            client.enable()
        except DeviceError:
            pass  # the device re-enables itself when the session closes
    client.disconnect()
    return result


def _store(db: Database, device_id: int, result: SyncResult, rows: list[KeyRow], tz: str,
           high_water: dt.datetime | None, registered_serial: str | None, username: str, cancel: CancelToken) -> None:
    """One transaction per device: batch, punches, high-water mark and status commit together or not at all."""
    with db.transaction() as s:
        batch = ImportBatch(kind="device", source=result.serial, username=username)
        s.add(batch)
        s.flush()
        result.new = insert_punches(s, source="device", serial=result.serial, tz=tz, batch_id=batch.id, rows=rows)
        result.duplicate = len(rows) - result.new
        cancel.raise_if_cancelled()  # cancelling here still rolls everything back
        if high_water is not None and result.new:
            result.below_high_water = s.execute(
                select(func.count()).select_from(Punch).where(Punch.batch_id == batch.id, Punch.ts <= high_water)
            ).scalar_one()
            if result.below_high_water:
                result.errors.append(f"{result.below_high_water} rekaman baru bertanggal sebelum penanda sinkron "
                                     f"terakhir ({high_water:%d-%m-%Y %H:%M}); periksa apakah jam mesin pernah dimundurkan.")
        newest = s.execute(select(func.max(Punch.ts)).where(Punch.source_serial == result.serial)).scalar()
        batch.new_count, batch.duplicate_count, batch.rejected_count = result.new, result.duplicate, result.rejected
        batch.errors = "\n".join(result.errors)
        batch.finished_at = db.clock.now()
        device = s.get(Device, device_id)
        assert device is not None
        if registered_serial and registered_serial != result.serial:
            result.errors.append(f"Nomor seri mesin berubah dari {registered_serial} menjadi {result.serial}.")
        device.serial = result.serial
        device.high_water_ts = newest
        device.last_sync_at = batch.finished_at
        device.last_drift_seconds = result.drift_seconds
        device.last_sync_status = (f"OK: {result.new} baru, {result.duplicate} sudah ada, {result.rejected} ditolak")[:300]
        audit.record(s, username, "device.sync", "device", device_id,
                     {"batch_id": batch.id, "new": result.new, "duplicate": result.duplicate,
                      "rejected": result.rejected, "serial": result.serial})
        result.batch_id = batch.id


def sync_all(db: Database, *, username: str = "system", clear_log: bool = False,
             drift_threshold_s: float = DEFAULT_DRIFT_THRESHOLD_S, timeout: float = 10.0, opd_id: int | None = None,
             progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> list[SyncResult]:
    """Every enabled device in turn; one device failing does not stop the others."""
    with db.session() as s:
        q = select(Device.id, Device.name).where(Device.enabled.is_(True)).order_by(Device.name)
        if opd_id is not None:
            q = q.where(Device.opd_id == opd_id)
        devices = [tuple(r) for r in s.execute(q).all()]
    results: list[SyncResult] = []
    for i, (device_id, name) in enumerate(devices):
        cancel.raise_if_cancelled()

        def sub(done: int, total: int, message: str = "", _i: int = i, _name: str = name) -> None:
            frac = done / total if total else 0.0
            progress(int((_i + frac) * 1000), len(devices) * 1000, f"[{_i + 1}/{len(devices)}] {message}")

        try:
            results.append(sync_device(db, device_id, username=username, clear_log=clear_log,
                                       drift_threshold_s=drift_threshold_s, timeout=timeout, progress=sub, cancel=cancel))
        except DeviceError as exc:
            results.append(SyncResult(device_id, name, error=str(exc)))
    return results
