"""Per-device diagnostics: reachable, identity, counts, new records since the last pull, clock drift, last results.

``diagnose_all`` asks every device in parallel threads (network only) and writes what it learnt
(serial, firmware, platform, drift) in one write transaction afterwards.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select

from services.devices.client import DeviceError
from services.devices.punches import local_now
from services.devices.registry import client_for, describe_drift
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.store.db import Database
from services.store.models import Device
from services.store.writer import write_transaction
from services.timefmt import tanggal_jam


@dataclass
class DeviceDiagnostics:
    device_id: int
    name: str
    address: str
    reachable: bool = False
    error: str = ""  # why it could not be asked (now)
    serial: str = ""
    firmware: str = ""
    platform: str = ""
    device_name: str = ""
    users: int | None = None
    fingers: int | None = None
    records: int | None = None
    new_since_last_pull: int | None = None  # None: never pulled, or the log was cleared since
    drift_seconds: float | None = None
    last_success_at: dt.datetime | None = None
    last_error: str = ""
    last_error_at: dt.datetime | None = None

    def lines(self) -> list[str]:
        def when(t: dt.datetime | None) -> str:
            return tanggal_jam(t) if t else "belum pernah"

        out = [f"{self.name} ({self.address}): " + ("terhubung" if self.reachable else f"TIDAK TERHUBUNG — {self.error}")]
        if self.reachable:
            out.append(f"  seri {self.serial or '-'}, firmware {self.firmware or '-'}, platform {self.platform or '-'}")
            new = "-" if self.new_since_last_pull is None else str(self.new_since_last_pull)
            out.append(f"  {self.records} rekaman di mesin ({new} baru sejak tarik terakhir), {self.users} pengguna, "
                       f"{self.fingers} sidik jari; jam mesin {describe_drift(self.drift_seconds)}")
        out.append(f"  tarik berhasil terakhir: {when(self.last_success_at)}; galat terakhir: "
                   + (f"{when(self.last_error_at)} — {self.last_error}" if self.last_error else "tidak ada"))
        return out


def _probe(db: Database, device: Device, timeout: float, comm_key: int | None) -> DeviceDiagnostics:
    d = DeviceDiagnostics(device.id, device.name, f"{device.ip}:{device.port} {device.protocol.upper()}",
                          last_success_at=device.last_success_at, last_error=device.last_error,
                          last_error_at=device.last_error_at)
    try:
        with client_for(device, timeout, comm_key) as client:
            info = client.info()
            device_time = client.get_time()
            fields = client.size_fields()
    except DeviceError as exc:
        d.error = str(exc)
        return d
    d.reachable = True
    d.serial, d.firmware, d.platform, d.device_name = info.serial, info.firmware, info.platform, info.name
    d.users, d.fingers, d.records = fields[4], fields[6], fields[8]
    d.drift_seconds = (device_time - local_now(db.clock, device.timezone)).total_seconds()
    last = device.last_read_count
    d.new_since_last_pull = d.records - last if last is not None and d.records >= last else None
    return d


def diagnose_all(db: Database, *, device_ids: list[int] | None = None, opd_id: int | None = None,
                 timeout: float = 5.0, comm_keys: dict[int, int] | None = None, parallel: int = 8,
                 progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> list[DeviceDiagnostics]:
    """Diagnostics of the given devices (default: all of the OPD, enabled or not), in device-name order."""
    with db.session() as s:
        q = select(Device).order_by(Device.name)
        if device_ids:
            q = q.where(Device.id.in_(device_ids))
        if opd_id is not None:
            q = q.where(Device.opd_id == opd_id)
        devices = list(s.execute(q).scalars())
        for dev in devices:
            s.expunge(dev)
    keys = comm_keys or {}
    results: list[DeviceDiagnostics] = []
    if devices:
        with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(devices))), thread_name_prefix="zk-diag") as pool:
            futures = [pool.submit(_probe_safe, db, dev, timeout, keys.get(dev.id)) for dev in devices]
            for i, fut in enumerate(futures, start=1):
                cancel.raise_if_cancelled()
                results.append(fut.result())
                progress(i, len(devices), f"Memeriksa {results[-1].name}…")
    reached = [r for r in results if r.reachable]
    if reached:
        with write_transaction(db) as s:
            for r in reached:
                device = s.get(Device, r.device_id)
                if device is not None:
                    device.serial = device.serial or r.serial
                    device.firmware, device.platform, device.last_drift_seconds = r.firmware, r.platform, r.drift_seconds
    return results


def _probe_safe(db: Database, device: Device, timeout: float, comm_key: int | None) -> DeviceDiagnostics:
    try:
        return _probe(db, device, timeout, comm_key)
    except DeviceError as exc:  # e.g. the comm key is not in the keyring
        return DeviceDiagnostics(device.id, device.name, f"{device.ip}:{device.port}", error=str(exc),
                                 last_success_at=device.last_success_at, last_error=device.last_error,
                                 last_error_at=device.last_error_at)
