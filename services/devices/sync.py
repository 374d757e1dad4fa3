"""Pull attendance logs from registered devices into the append-only punch table.

Per device, in two phases:

1. read (network, any thread): connect → identity and clock → disable the device (no
   punches can land mid-read) → users and the whole log → enable again (unless the
   log is to be cleared) → decode linearly (fastparse), quarantining implausible
   records;
2. store (the one writer): one write transaction (services.store.writer) with the
   ImportBatch, the bulk insert of new punches, quarantined records, the device's
   user list, high-water mark and status — all or nothing; then, only when asked
   and only if the device still holds exactly what was read, clear its log.

``sync_all`` reads several devices in parallel threads; one writer stores the
reads as they complete, those waiting together in one transaction (a savepoint
per device, so each device is still all or nothing); a scheduled CLI sync in
another process waits for the write lock instead of failing with "database is
locked".

A dropped link is retried with a fresh connection; nothing partial is ever
committed. The high-water mark is the newest punch time stored per device;
records older than it that still turn out new (the device clock was set back)
are counted and reported.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from services.auth import audit
from services.changes import Changes
from services.devices import plausible
from services.devices.client import (
    AttendanceBlob,
    DeviceAuthError,
    DeviceDropped,
    DeviceError,
    DeviceUnreachable,
    ZkClient,
)
from services.devices.fastparse import decode_log
from services.devices.punches import local_now, store_decoded
from services.devices.registry import DEFAULT_DRIFT_THRESHOLD_S, client_for, describe_drift, record_failure
from services.devices.users import save_device_users
from services.errors import NotFoundError, UserError
from services.jobs import NEVER_CANCELLED, Cancelled, CancelToken, ProgressFn, no_progress
from services.store.db import Database
from services.store.models import Device, ImportBatch
from services.store.writer import checkpoint_now, write_transaction

log = logging.getLogger(__name__)

MAX_MESSAGES = 200  # per batch: the rest is summarised in one line (errors stay bounded)
DEFAULT_PARALLEL = 4
# reads stored in one write transaction at most (sync_all): bounds the time other writers wait and the WAL's size
GROUP_ROWS = 400_000


@dataclass
class SyncResult:
    device_id: int
    device_name: str
    serial: str = ""
    read: int = 0
    new: int = 0
    duplicate: int = 0
    rejected: int = 0  # not stored as punches: quarantined (new or again)
    quarantined: int = 0  # newly kept aside for review
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
        return Changes(punches=self.new > 0 or self.rejected > 0, devices=True)

    def summary(self) -> str:
        if self.error:
            return f"{self.device_name}: GAGAL — {self.error}"
        parts = [f"{self.device_name} ({self.serial}): {self.read} rekaman dibaca, {self.new} baru, "
                 f"{self.duplicate} sudah ada, {self.rejected} dikarantina"]
        if self.rejected and self.quarantined < self.rejected:
            parts[0] += f" ({self.rejected - self.quarantined} di antaranya sudah dikarantina sebelumnya)"
        if self.below_high_water:
            parts.append(f"{self.below_high_water} rekaman baru bertanggal sebelum sinkron terakhir")
        if self.drift_exceeded:
            parts.append(f"jam mesin {describe_drift(self.drift_seconds)} — perlu dikoreksi")
        if self.cleared:
            parts.append("log mesin dikosongkan")
        return "; ".join(parts)


@dataclass
class DeviceRead:
    """What the network phase of one device produced (handed to the writer)."""

    device_id: int
    name: str
    serial: str
    tz: str
    registered_serial: str | None
    high_water: Any
    drift: float
    blob: AttendanceBlob
    attempts: int
    client: ZkClient | None = None  # still connected and disabled: the log is to be cleared after the commit

    @property
    def count(self) -> int:
        return self.blob.count


def _device_row(db: Database, device_id: int) -> Device:
    with db.session() as s:
        device = s.get(Device, device_id)
        if device is None:
            raise NotFoundError(f"Perangkat {device_id} tidak ditemukan.")
        s.expunge(device)
        return device


def read_device(db: Database, device_id: int, *, attempts: int = 3, timeout: float = 10.0,
                comm_key: int | None = None, keep_open: bool = False,
                progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> DeviceRead:
    """The network phase, retried on a fresh connection when the link drops. Raises DeviceError."""
    device = _device_row(db, device_id)
    client = client_for(device, timeout, comm_key)
    last: DeviceError | None = None
    for attempt in range(1, attempts + 1):
        cancel.raise_if_cancelled()
        note = f" (percobaan {attempt} dari {attempts}: {last})" if last else ""
        progress(0, 0, f"Menghubungi {device.name} ({client.where})…{note}")
        try:
            read = _read_once(db, device, client, keep_open=keep_open, progress=progress, cancel=cancel)
            read.attempts = attempt
            return read
        except (DeviceAuthError, DeviceUnreachable):
            client.close()
            raise  # retrying cannot help: wrong key or no device at that address
        except DeviceDropped as exc:
            log.warning("Tarik data %s: percobaan %d dari %d gagal: %s", device.name, attempt, attempts, exc)
            last = exc
            client.close()
        except BaseException:
            client.close()
            raise
    assert last is not None
    raise DeviceDropped(f"{last} Sinkron gagal setelah {attempts} percobaan; data yang sudah tersimpan "
                        "sebelumnya tetap aman dan tidak ada data baru dari mesin ini yang disimpan.")


def _read_once(db: Database, device: Device, client: ZkClient, *, keep_open: bool,
               progress: ProgressFn, cancel: CancelToken) -> DeviceRead:
    client.connect()
    info = client.info()
    serial = info.serial or device.serial or f"IP-{client.ip}"
    drift = (client.get_time() - local_now(db.clock, device.timezone)).total_seconds()
    client.disable()
    try:
        blob = client.read_attendance_blob(progress=progress, cancel=cancel)
        cancel.raise_if_cancelled()
    except BaseException:
        _release(client)
        raise
    if not keep_open:
        _release(client)
    # decoding waits for the writer's thread: CPU-bound Python work in reader threads would contend for the GIL
    # with the writer's executemany (which gives the GIL up for every row's sqlite3_step) and slow it down
    return DeviceRead(device.id, device.name, serial, device.timezone, device.serial, device.high_water_ts, drift,
                      blob, 1, client if keep_open else None)


def _release(client: ZkClient) -> None:
    """Enable the device and hang up; a failure here loses nothing (the device re-enables itself)."""
    try:
        client.enable()
    except DeviceError:
        pass
    client.disconnect()


def store_read(db: Database, read: DeviceRead, *, username: str, trigger: str = "manual",
               drift_threshold_s: float = DEFAULT_DRIFT_THRESHOLD_S, tolerance: Any = plausible.DEFAULT_TOLERANCE,
               checkpoint: bool = True, cancel: CancelToken = NEVER_CANCELLED) -> SyncResult:
    """The writer phase: decode, then one transaction per device (batch, punches, quarantine, users, status)."""
    with write_transaction(db, cancel=cancel, checkpoint=checkpoint) as s:
        return _store_in(s, db, read, username=username, trigger=trigger, drift_threshold_s=drift_threshold_s,
                         tolerance=tolerance, cancel=cancel)


def _store_in(s: Session, db: Database, read: DeviceRead, *, username: str, trigger: str,
              drift_threshold_s: float, tolerance: Any, cancel: CancelToken) -> SyncResult:
    """Decode one read and store it in the caller's write transaction (batch, punches, quarantine, users, status)."""
    blob = read.blob
    log_ = decode_log(blob.blob, blob.record_size, blob.uid_to_pin,
                      plausible.device_bounds(db.clock, read.tz, tolerance))
    ts_values = log_.ts_texts() if db.engine.dialect.name == "sqlite" else log_.ts_datetimes()
    result = SyncResult(read.device_id, read.name, read.serial, read=log_.count, drift_seconds=read.drift,
                        drift_exceeded=abs(read.drift) > drift_threshold_s, attempts=read.attempts)
    label = f"Perangkat {read.name}: "
    now = db.clock.now()
    batch = ImportBatch(kind="device", source=read.serial, username=username, trigger=trigger)
    s.add(batch)
    s.flush()
    out = store_decoded(s, source="device", serial=read.serial, tz=read.tz, batch_id=batch.id, log=log_,
                        ts_values=ts_values, high_water=read.high_water, label=label)
    cancel.raise_if_cancelled()  # cancelling here still rolls everything back
    result.new, result.duplicate = out.new, out.duplicate
    result.rejected, result.quarantined = len(log_.quarantined), out.quarantined
    result.below_high_water = out.below_high_water
    result.errors = _bounded(out.messages)
    if read.high_water is not None and out.below_high_water:
        result.errors.append(f"{out.below_high_water} rekaman baru bertanggal sebelum penanda sinkron terakhir "
                             f"({read.high_water:%d-%m-%Y %H:%M}); periksa apakah jam mesin pernah dimundurkan.")
    if read.registered_serial and read.registered_serial != read.serial:
        result.errors.append(f"Nomor seri mesin berubah dari {read.registered_serial} menjadi {read.serial}.")
    save_device_users(s, read.device_id, blob.users, now)
    batch.new_count, batch.duplicate_count, batch.rejected_count = result.new, result.duplicate, result.rejected
    batch.errors = "\n".join(result.errors)
    batch.finished_at = now
    device = s.get(Device, read.device_id)
    assert device is not None
    device.serial = read.serial
    if out.newest is not None and (device.high_water_ts is None or out.newest > device.high_water_ts):
        device.high_water_ts = out.newest
    device.last_sync_at = device.last_success_at = now
    device.last_error = ""
    device.last_read_count = log_.count
    device.last_drift_seconds = read.drift
    device.last_sync_status = (f"OK: {result.new} baru, {result.duplicate} sudah ada, "
                               f"{result.rejected} dikarantina")[:300]
    audit.record(s, username, "device.sync", "device", read.device_id,
                 {"batch_id": batch.id, "new": result.new, "duplicate": result.duplicate,
                  "quarantined": result.rejected, "serial": read.serial, "trigger": trigger})
    result.batch_id = batch.id
    return result


def _bounded(messages: list[str]) -> list[str]:
    if len(messages) <= MAX_MESSAGES:
        return messages
    return messages[:MAX_MESSAGES] + [f"… dan {len(messages) - MAX_MESSAGES} rekaman lain dikarantina "
                                      "(lihat daftar karantina)"]


def finish_read(db: Database, read: DeviceRead, result: SyncResult, *, clear_log: bool, username: str) -> None:
    """After the commit: clear the device log when asked (only if it still holds what was read), enable, hang up."""
    client = read.client
    if client is None:
        return
    try:
        if clear_log:
            _users, still = client.sizes()
            if still == read.count:
                client.clear_attendance()
                result.cleared = True
                with write_transaction(db) as s:
                    device = s.get(Device, read.device_id)
                    if device is not None:
                        device.last_read_count = 0
                    audit.record(s, username, "device.clear_log", "device", read.device_id,
                                 {"records": read.count, "batch_id": result.batch_id})
            else:
                result.errors.append(f"Log mesin tidak dikosongkan: jumlah rekaman berubah ({read.count} → {still}).")
    except DeviceError as exc:
        result.errors.append(f"Log mesin tidak dikosongkan ({exc}); data yang ditarik sudah tersimpan.")
    finally:
        _release(client)


def sync_device(db: Database, device_id: int, *, username: str = "system", clear_log: bool = False,
                drift_threshold_s: float = DEFAULT_DRIFT_THRESHOLD_S, attempts: int = 3, timeout: float = 10.0,
                comm_key: int | None = None, trigger: str = "manual",
                progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> SyncResult:
    """comm_key overrides the keyring (typed in by the user on systems without a keyring)."""
    try:
        read = read_device(db, device_id, attempts=attempts, timeout=timeout, comm_key=comm_key, keep_open=clear_log,
                           progress=progress, cancel=cancel)
    except DeviceError as exc:
        record_failure(db, device_id, str(exc))
        raise
    try:
        progress(read.count, read.count, f"Menyimpan {read.count} rekaman…")
        result = store_read(db, read, username=username, trigger=trigger, drift_threshold_s=drift_threshold_s,
                            cancel=cancel)
    except BaseException:
        if read.client is not None:
            _release(read.client)
        raise
    finish_read(db, read, result, clear_log=clear_log, username=username)
    return result


def sync_all(db: Database, *, username: str = "system", clear_log: bool = False,
             drift_threshold_s: float = DEFAULT_DRIFT_THRESHOLD_S, timeout: float = 10.0, opd_id: int | None = None,
             device_ids: list[int] | None = None, comm_keys: dict[int, int] | None = None, trigger: str = "manual",
             parallel: int = DEFAULT_PARALLEL,
             progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> list[SyncResult]:
    """Every enabled device (or the given ones): reads in parallel threads; the one writer stores each read as it
    arrives, together with the reads that are waiting by then (one transaction, a savepoint per device).

    One device failing does not stop the others; results come back in device-name order.
    """
    from sqlalchemy import select

    with db.session() as s:
        q = select(Device.id, Device.name).order_by(Device.name)
        q = q.where(Device.id.in_(device_ids)) if device_ids else q.where(Device.enabled.is_(True))
        if opd_id is not None:
            q = q.where(Device.opd_id == opd_id)
        devices = [(int(i), str(n)) for i, n in s.execute(q).all()]
    if not devices:
        return []
    keys = comm_keys or {}
    fractions = {i: 0.0 for i, _ in devices}
    lock = threading.Lock()

    def sub(device_id: int, name: str) -> ProgressFn:
        def report(done: int, total: int, message: str = "") -> None:
            with lock:
                fractions[device_id] = max(fractions[device_id], done / total if total else 0.0)
                overall = sum(fractions.values())
            progress(int(overall * 1000), len(devices) * 1000, f"{name}: {message}")
        return report

    handed: queue.Queue[tuple[int, str, DeviceRead | BaseException]] = queue.Queue(maxsize=max(1, parallel))

    def reader(device_id: int, name: str) -> None:
        try:
            got: DeviceRead | BaseException = read_device(
                db, device_id, timeout=timeout, comm_key=keys.get(device_id), keep_open=clear_log,
                progress=sub(device_id, name), cancel=cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the writer, which decides
            got = exc
        handed.put((device_id, name, got))

    results: dict[int, SyncResult] = {}
    failure: BaseException | None = None
    store = functools.partial(_store_group, db, username=username, trigger=trigger, clear_log=clear_log,
                              drift_threshold_s=drift_threshold_s, cancel=cancel)
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(devices))), thread_name_prefix="zk-read") as pool:
        for device_id, name in devices:
            pool.submit(reader, device_id, name)
        waiting = len(devices)
        while waiting:  # keep draining: a reader blocked on put() would otherwise never finish
            group = [handed.get()]
            waiting -= 1
            while waiting and _rows(group) < GROUP_ROWS:  # what else is read by now joins this transaction
                try:
                    group.append(handed.get_nowait())
                except queue.Empty:
                    break
                waiting -= 1
            try:
                stored, failed = store(group, stopping=failure is not None)
            except BaseException as exc:  # noqa: BLE001 - e.g. the commit failed: keep draining, re-raise at the end
                stored, failed = {i: SyncResult(i, n, error=str(exc) or exc.__class__.__name__)
                                  for i, n, _got in group}, exc
            results.update(stored)
            failure = failure or failed
    checkpoint_now(db)  # once for the whole run instead of after every device's commit
    if failure is not None:
        raise failure  # a cancel or a bug: the devices stored before it stay stored
    return [results[i] for i, _ in devices]


def _rows(group: list[tuple[int, str, DeviceRead | BaseException]]) -> int:
    return sum(got.count for _i, _n, got in group if isinstance(got, DeviceRead))


def _store_group(db: Database, group: list[tuple[int, str, DeviceRead | BaseException]], *, stopping: bool,
                 username: str, trigger: str, clear_log: bool, drift_threshold_s: float,
                 cancel: CancelToken) -> tuple[dict[int, SyncResult], BaseException | None]:
    """Store the reads of several devices in one write transaction, each in its own savepoint.

    Every device keeps its own ImportBatch, audit event and all-or-nothing store; sharing the commit means the
    punch indexes (spread over the whole year by time) are written to the WAL once per group instead of once per
    device. Returns the results and the first failure that must stop the run (a cancel or a bug).
    """
    results: dict[int, SyncResult] = {}
    failure: BaseException | None = None
    reads: list[DeviceRead] = []
    for device_id, name, got in group:
        if isinstance(got, DeviceError):
            record_failure(db, device_id, str(got))
            results[device_id] = SyncResult(device_id, name, error=str(got))
        elif isinstance(got, BaseException):
            results[device_id] = SyncResult(device_id, name, error=str(got) or got.__class__.__name__)
            failure = failure or got
        else:
            reads.append(got)
    stored: set[int] = set()  # device ids committed
    try:
        if reads and not (stopping or failure is not None or cancel.cancelled):
            with write_transaction(db, cancel=cancel, checkpoint=False) as s:
                for read in reads:
                    if failure is not None or cancel.cancelled:
                        break
                    try:
                        with s.begin_nested():  # this device alone rolls back if its store fails
                            results[read.device_id] = _store_in(s, db, read, username=username, trigger=trigger,
                                                                drift_threshold_s=drift_threshold_s,
                                                                tolerance=plausible.DEFAULT_TOLERANCE, cancel=cancel)
                        stored.add(read.device_id)
                    except UserError as exc:
                        results[read.device_id] = SyncResult(read.device_id, read.name, error=str(exc))
                    except BaseException as exc:  # noqa: BLE001 - the devices stored before it are committed
                        failure = exc
                        results[read.device_id] = SyncResult(read.device_id, read.name,
                                                             error=str(exc) or exc.__class__.__name__)
    except UserError as exc:  # e.g. the database stayed busy: these devices are not stored, the others go on
        stored = set()
        for read in reads:
            results[read.device_id] = SyncResult(read.device_id, read.name, error=str(exc))
    except BaseException:
        for read in reads:
            if read.client is not None:
                _release(read.client)
        raise
    for read in reads:
        if read.device_id in stored:
            finish_read(db, read, results[read.device_id], clear_log=clear_log, username=username)
        else:
            results.setdefault(read.device_id, SyncResult(read.device_id, read.name, error=str(Cancelled())))
            if read.client is not None:
                _release(read.client)
    return results, failure
