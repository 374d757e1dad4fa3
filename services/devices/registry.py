"""Device registry: add/edit devices, comm keys in keyring, connection test, clock correction."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.devices.client import DeviceError, ZkClient
from services.devices.punches import TIMEZONES, local_now
from services.errors import BadInputError, NotFoundError
from services.secrets import delete_secret, get_secret, keyring_status, set_secret
from services.store.db import Database
from services.store.models import Device, OfficeLocation
from services.store.writer import write_transaction

DEFAULT_DRIFT_THRESHOLD_S = 60  # beyond this the drift is shown as a warning and correction is offered
_HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


@dataclass
class DeviceInput:
    name: str
    ip: str
    port: int = 4370
    protocol: str = "tcp"
    timezone: str = "Asia/Jakarta"
    location_id: int | None = None
    comm_key: str | None = None  # None = leave unchanged, "" = remove, digits = set


def _validate(data: DeviceInput) -> DeviceInput:
    errors = []
    name = data.name.strip()
    ip = data.ip.strip()
    if not name:
        errors.append("Nama perangkat wajib diisi.")
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        if not _HOST_RE.match(ip):
            errors.append(f"Alamat IP '{ip}' tidak valid (contoh: 192.168.1.201).")
    if not 1 <= int(data.port) <= 65535:
        errors.append(f"Port {data.port} tidak valid (1–65535, bawaan mesin 4370).")
    if data.protocol not in ("tcp", "udp"):
        errors.append("Protokol harus TCP atau UDP.")
    if data.timezone not in TIMEZONES:
        errors.append(f"Zona waktu '{data.timezone}' tidak dikenal (WIB, WITA atau WIT).")
    if data.comm_key not in (None, "") and not (data.comm_key.isdigit() and int(data.comm_key) <= 999999):
        errors.append("Kunci komunikasi (comm key) harus angka 0–999999.")
    if errors:
        raise BadInputError(" ".join(errors))
    return DeviceInput(name, ip, int(data.port), data.protocol, data.timezone, data.location_id, data.comm_key)


def _apply_key(device: Device, key: str | None) -> bool:
    """Returns True when a key was stored in the keyring (False: no key given, removed, or no keyring)."""
    if key is None:
        return False
    if key in ("", "0"):
        delete_secret("device", str(device.id))
        device.has_comm_key = False
        return False
    device.has_comm_key = True
    if not keyring_status()[0]:
        return False  # no keyring on this system: the key is asked for each time it is needed, never stored
    set_secret("device", str(device.id), key)  # a failing keyring raises; the caller's transaction rolls back
    return True


def add_device(session: Session, opd_id: int, data: DeviceInput, username: str) -> Device:
    data = _validate(data)
    if data.location_id is not None and session.get(OfficeLocation, data.location_id) is None:
        raise NotFoundError("Lokasi kantor tidak ditemukan.")
    device = Device(opd_id=opd_id, name=data.name, ip=data.ip, port=data.port, protocol=data.protocol,
                    timezone=data.timezone, location_id=data.location_id)
    session.add(device)
    session.flush()
    _apply_key(device, data.comm_key)
    audit.record(session, username, "device.add", "device", device.id,
                 {"name": data.name, "ip": data.ip, "port": data.port, "comm_key": bool(device.has_comm_key)})
    return device


def update_device(session: Session, device_id: int, data: DeviceInput, username: str) -> Device:
    data = _validate(data)
    device = session.get(Device, device_id)
    if device is None:
        raise NotFoundError(f"Perangkat {device_id} tidak ditemukan.")
    before = {"name": device.name, "ip": device.ip, "port": device.port, "protocol": device.protocol,
              "timezone": device.timezone, "location_id": device.location_id}
    device.name, device.ip, device.port, device.protocol = data.name, data.ip, data.port, data.protocol
    device.timezone, device.location_id = data.timezone, data.location_id
    _apply_key(device, data.comm_key)
    audit.record(session, username, "device.update", "device", device.id,
                 {"before": before, "comm_key_changed": data.comm_key is not None})
    return device


def set_device_enabled(session: Session, device_id: int, enabled: bool, username: str) -> None:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFoundError(f"Perangkat {device_id} tidak ditemukan.")
    device.enabled = enabled
    audit.record(session, username, "device.enable" if enabled else "device.disable", "device", device_id)


def stored_comm_key(device_id: int, serial: str | None) -> str | None:
    return get_secret("device", str(device_id)) or (get_secret("device", serial) if serial else None)


def comm_key_of(device: Device, override: int | None = None) -> int:
    """The device's comm key: `override` (typed in by the user when no keyring exists) or the keyring's."""
    if override is not None:
        return override
    if not device.has_comm_key:
        return 0
    key = stored_comm_key(device.id, device.serial)
    if key is None:
        raise DeviceError(
            f"Kunci komunikasi perangkat '{device.name}' tidak tersimpan di keyring sistem. "
            "Masukkan kunci saat diminta, atau isi ulang di menu Perangkat → Ubah."
        )
    return int(key)


def client_for(device: Device, timeout: float = 10.0, comm_key: int | None = None) -> ZkClient:
    return ZkClient(device.ip, device.port, device.protocol, comm_key_of(device, comm_key), timeout)


def list_devices(session: Session, opd_id: int | None = None) -> list[Device]:
    q = select(Device).order_by(Device.name)
    if opd_id is not None:
        q = q.where(Device.opd_id == opd_id)
    return list(session.execute(q).scalars())


@dataclass
class ConnectionReport:
    device_id: int
    serial: str
    firmware: str
    platform: str
    device_name: str
    device_time: dt.datetime
    local_time: dt.datetime
    drift_seconds: float
    users: int
    records: int
    threshold_s: float

    @property
    def drift_exceeded(self) -> bool:
        return abs(self.drift_seconds) > self.threshold_s

    def drift_text(self) -> str:
        return describe_drift(self.drift_seconds)


def describe_drift(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(round(seconds))
    if s == 0:
        return "tepat"
    word = "lebih cepat" if s > 0 else "lebih lambat"
    s = abs(s)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    parts = ([f"{h} jam"] if h else []) + ([f"{m} menit"] if m else []) + ([f"{sec} detik"] if sec else [])
    return f"{' '.join(parts)} {word}"


def check_connection(db: Database, device_id: int, threshold_s: float = DEFAULT_DRIFT_THRESHOLD_S,
                     timeout: float = 10.0, comm_key: int | None = None, **_job: object) -> ConnectionReport:
    """Connect, read identity, clock and counts; remember serial/firmware/drift on the device row."""
    with db.session() as s:
        device = s.get(Device, device_id)
        if device is None:
            raise NotFoundError(f"Perangkat {device_id} tidak ditemukan.")
        client, tz = client_for(device, timeout, comm_key), device.timezone
    with client:
        info = client.info()
        device_time = client.get_time()
        local = local_now(db.clock, tz)
        users, records = client.sizes()
    drift = (device_time - local).total_seconds()
    with write_transaction(db) as s:
        device = s.get(Device, device_id)
        assert device is not None
        device.serial = device.serial or info.serial
        device.firmware, device.platform, device.last_drift_seconds = info.firmware, info.platform, drift
    return ConnectionReport(device_id, info.serial, info.firmware, info.platform, info.name, device_time, local,
                            drift, users, records, threshold_s)


def correct_device_time(db: Database, device_id: int, username: str, comm_key: int | None = None,
                        **_job: object) -> float:
    """Set the device clock to the office's local time (only on an explicit request). Returns the drift fixed."""
    with db.session() as s:
        device = s.get(Device, device_id)
        if device is None:
            raise NotFoundError(f"Perangkat {device_id} tidak ditemukan.")
        client, tz = client_for(device, comm_key=comm_key), device.timezone
    with client:
        before = client.get_time()
        now = local_now(db.clock, tz)
        client.set_time(now)
        after = client.get_time()
    drift = (before - now).total_seconds()
    with write_transaction(db) as s:
        device = s.get(Device, device_id)
        assert device is not None
        device.last_drift_seconds = (after - local_now(db.clock, tz)).total_seconds()
        audit.record(s, username, "device.set_time", "device", device_id,
                     {"device_time_before": before.isoformat(), "set_to": now.isoformat(), "drift_s": drift})
    return drift


@dataclass(frozen=True)
class DeviceRow:
    """Light row for the Perangkat screen (no ORM objects in the UI)."""

    id: int
    name: str
    ip: str
    port: int
    protocol: str
    timezone: str
    location_id: int | None
    location: str
    serial: str
    has_comm_key: bool
    last_sync_at: dt.datetime | None
    last_sync_status: str
    drift_seconds: float | None
    high_water_ts: dt.datetime | None
    enabled: bool
    last_success_at: dt.datetime | None = None
    last_error: str = ""
    last_error_at: dt.datetime | None = None
    last_read_count: int | None = None
    firmware: str = ""
    platform: str = ""


def record_failure(db: Database, device_id: int, message: str) -> None:
    """Remember a failed pull on the device row (punches untouched)."""
    with write_transaction(db) as s:
        device = s.get(Device, device_id)
        if device is not None:
            now = db.clock.now()
            device.last_sync_at = device.last_error_at = now
            device.last_error = message[:300]
            device.last_sync_status = ("GAGAL: " + message)[:300]


def device_rows(session: Session, opd_id: int) -> list[DeviceRow]:
    q = (
        select(Device, OfficeLocation.name)
        .outerjoin(OfficeLocation, OfficeLocation.id == Device.location_id)
        .where(Device.opd_id == opd_id)
        .order_by(Device.name)
    )
    return [
        DeviceRow(d.id, d.name, d.ip, d.port, d.protocol, d.timezone, d.location_id, loc or "", d.serial or "",
                  d.has_comm_key, d.last_sync_at, d.last_sync_status, d.last_drift_seconds, d.high_water_ts, d.enabled,
                  d.last_success_at, d.last_error, d.last_error_at, d.last_read_count, d.firmware, d.platform)
        for d, loc in session.execute(q).all()
    ]


def location_choices(session: Session, opd_id: int) -> list[tuple[int, str]]:
    q = select(OfficeLocation.id, OfficeLocation.name).where(OfficeLocation.opd_id == opd_id).order_by(OfficeLocation.name)
    return [(i, n) for i, n in session.execute(q).all()]
