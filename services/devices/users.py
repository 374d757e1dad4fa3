"""Users on the devices: their names for unmapped PINs, uploading employees, copying users and fingerprints.

The device's user list (PIN, name, privilege) is read at every pull and kept in
``device_user``; the unmapped-PIN panel shows those names with employees that
match by NIP or by name. Fingerprint templates are copied device to device and
never stored in the database (biometric data stays on the devices).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from services.auth import audit
from services.changes import Changes
from services.devices import protocol as p
from services.devices.client import DeviceError
from services.devices.fastparse import valid_pin
from services.devices.pins import UnmappedPin, unmapped_pins
from services.devices.registry import client_for
from services.errors import BadInputError, NotFoundError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.store.db import Database
from services.store.models import Device, DeviceUserRecord, Employee, EmployeePin
from services.store.writer import write_transaction


def save_device_users(session: Session, device_id: int, users: list[p.DeviceUser], now: dt.datetime) -> int:
    """Replace the stored user list of a device when it changed; returns rows written (0 when unchanged)."""
    wanted = {u.user_id[:24]: (u.uid, u.name[:100], u.privilege) for u in users if u.user_id}
    stored = {pin: (uid, name, priv) for pin, uid, name, priv in session.execute(
        select(DeviceUserRecord.pin, DeviceUserRecord.uid, DeviceUserRecord.name, DeviceUserRecord.privilege)
        .where(DeviceUserRecord.device_id == device_id))}
    if stored == wanted:
        return 0
    gone = [pin for pin in stored if pin not in wanted or stored[pin] != wanted[pin]]
    if gone:
        session.execute(delete(DeviceUserRecord).where(DeviceUserRecord.device_id == device_id,
                                                       DeviceUserRecord.pin.in_(gone)))
    fresh = [{"device_id": device_id, "pin": pin, "uid": uid, "name": name, "privilege": priv, "read_at": now}
             for pin, (uid, name, priv) in wanted.items() if stored.get(pin) != (uid, name, priv)]
    if fresh:
        session.execute(insert(DeviceUserRecord), fresh)
    return len(fresh) + len(gone)


# ----------------------------------------------------------------- matching

_TITLES = {"dr", "drs", "dra", "ir", "h", "hj", "prof", "st", "sh", "se", "sp", "ss", "skm", "ns", "amd", "apt",
           "spd", "skom", "msi", "mm", "mpd", "mh", "mkes", "mt", "msc", "ba", "bsc", "spdi", "sag", "ssos",
           "sip", "sst", "sstp", "ak", "ked", "mkom", "map", "mag"}


def normalize_name(name: str) -> list[str]:
    """Lower-case name tokens without academic titles ("Dra. Hj. Siti Aminah, S.Pd., M.Si." → siti aminah)."""
    head = name.split(",", 1)[0]
    tokens = re.findall(r"[a-z0-9]+(?:\.[a-z0-9]+)*\.?", head.lower())
    out = []
    for t in tokens:
        bare = t.replace(".", "")
        if bare and bare not in _TITLES:
            out.append(bare)
    return out


@dataclass(frozen=True)
class Suggestion:
    employee_id: int
    label: str  # "Name — NIP"
    score: float  # 0..1
    why: str  # Indonesian reason shown in the panel


@dataclass(frozen=True)
class UnmappedRow:
    pin: str
    punches: int
    first_ts: dt.datetime
    last_ts: dt.datetime
    serials: str
    device_name: str  # the name the device holds for this PIN ("" when no device listed it)
    suggestions: tuple[Suggestion, ...] = ()


SIMILAR_FROM = 0.8  # difflib ratio from which two names count as the same name spelt differently


def _similar(dev: str, emp: str) -> tuple[float, str]:
    """Names spelt differently on the device ("Siti Aminh", "Mohamad") against SIMPEG's: difflib's ratio."""
    ratio = difflib.SequenceMatcher(None, dev, emp, autojunk=False).ratio()
    if ratio < SIMILAR_FROM:
        return 0.0, ""
    return round(0.45 + 0.4 * (ratio - SIMILAR_FROM) / (1 - SIMILAR_FROM), 2), f"nama mirip ({int(ratio * 100)}%)"


def _score(dev_tokens: list[str], emp_tokens: list[str]) -> tuple[float, str]:
    if not dev_tokens or not emp_tokens:
        return 0.0, ""
    similar = _similar(" ".join(dev_tokens), " ".join(emp_tokens))
    token = _token_score(dev_tokens, emp_tokens)
    return max(token, similar)


def _token_score(dev_tokens: list[str], emp_tokens: list[str]) -> tuple[float, str]:
    dev, emp = " ".join(dev_tokens), " ".join(emp_tokens)
    if dev == emp:
        return 1.0, "nama sama"
    if len(dev) >= 4 and emp.startswith(dev):
        return 0.9, "nama di mesin adalah awal nama pegawai (terpotong)"
    shared = set(dev_tokens) & set(emp_tokens)
    if not shared:
        prefix = any(len(d) >= 3 and e.startswith(d) for d in dev_tokens for e in emp_tokens)
        return (0.4, "awal kata nama cocok") if prefix else (0.0, "")
    share = len(shared) / len(set(dev_tokens) | set(emp_tokens))
    return 0.5 + 0.4 * share, f"{len(shared)} kata nama sama"


def suggest_for(pin: str, device_name: str, employees: list[tuple[int, str, str]], limit: int = 3) -> tuple[Suggestion, ...]:
    """Employees (id, name, nip) that likely own this PIN: NIP equal to the PIN or in the name, then name likeness."""
    dev_tokens = normalize_name(device_name)
    digits = re.findall(r"\d{18}", device_name)
    found: list[Suggestion] = []
    for emp_id, name, nip in employees:
        label = f"{name} — {nip}"
        if nip and (nip == pin or nip in digits):
            found.append(Suggestion(emp_id, label, 1.0, "NIP sama dengan PIN" if nip == pin else "NIP tertulis di nama"))
            continue
        score, why = _score(dev_tokens, normalize_name(name))
        if len(pin) >= 4 and nip.endswith(pin):
            score, why = max(score, 0.5), why or "PIN sama dengan akhir NIP"
        if score >= 0.4:
            found.append(Suggestion(emp_id, label, round(score, 2), why))
    found.sort(key=lambda x: (-x.score, x.label))
    return tuple(found[:limit])


def unmapped_with_names(session: Session, opd_id: int) -> list[UnmappedRow]:
    """Unmapped PINs with the device's name for each and up to three matching employees."""
    pins = unmapped_pins(session)
    if not pins:
        return []
    names: dict[str, str] = {}
    for pin, name in session.execute(select(DeviceUserRecord.pin, DeviceUserRecord.name)
                                     .where(DeviceUserRecord.pin.in_([u.pin for u in pins]))
                                     .order_by(DeviceUserRecord.read_at.desc())):
        names.setdefault(pin, name)
    employees = [(i, n, nip) for i, n, nip in session.execute(
        select(Employee.id, Employee.name, Employee.nip).where(Employee.opd_id == opd_id).order_by(Employee.name))]
    return [_row(u, names.get(u.pin, ""), employees) for u in pins]


def _row(u: UnmappedPin, device_name: str, employees: list[tuple[int, str, str]]) -> UnmappedRow:
    return UnmappedRow(u.pin, u.punches, u.first_ts, u.last_ts, u.serials, device_name,
                       suggest_for(u.pin, device_name, employees))


# --------------------------------------------------------- writing to devices


@dataclass
class UploadResult:
    device_id: int
    written: int = 0
    verified: int = 0
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=lambda: Changes(devices=True))

    def summary(self) -> str:
        text = f"{self.written} pengguna dikirim ke mesin, {self.verified} terbaca kembali dengan benar"
        if self.skipped:
            text += f"; {len(self.skipped)} dilewati"
        return text


def _device(db: Database, device_id: int) -> Device:
    with db.session() as s:
        device = s.get(Device, device_id)
        if device is None:
            raise NotFoundError(f"Perangkat {device_id} tidak ditemukan.")
        s.expunge(device)
        return device


def _employees_with_pins(db: Database, employee_ids: list[int]) -> list[tuple[int, str, str | None]]:
    with db.session() as s:
        rows = s.execute(select(Employee.id, Employee.name, EmployeePin.pin)
                         .outerjoin(EmployeePin, EmployeePin.employee_id == Employee.id)
                         .where(Employee.id.in_(employee_ids)).order_by(Employee.name, EmployeePin.pin)).all()
    seen: dict[int, tuple[int, str, str | None]] = {}
    for emp_id, name, pin in rows:
        seen.setdefault(emp_id, (emp_id, name, pin))
    return list(seen.values())


def device_name_for(name: str) -> str:
    """The employee's name as a device shows it: without academic titles, capitalised words."""
    tokens = [t for t in re.split(r"\s+", name.split(",", 1)[0].strip()) if t.replace(".", "").lower() not in _TITLES]
    return " ".join(tokens) or name


def upload_employees(db: Database, device_id: int, employee_ids: list[int], username: str, *,
                     comm_key: int | None = None, user_size: int | None = None, timeout: float = 10.0,
                     progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> UploadResult:
    """Write employees (PIN, name) as device users, then read the list back to verify.

    An existing user with the same PIN keeps its slot; others get the next free slot. user_size forces the
    28/72-byte layout for a device that has no users yet (its layout cannot be read from it).
    """
    device = _device(db, device_id)
    people = _employees_with_pins(db, employee_ids)
    result = UploadResult(device_id)
    with client_for(device, timeout, comm_key) as client:
        n_users, _ = client.sizes()
        users, size = client.read_users(n_users)
        size = size or user_size or 72
        by_pin = {u.user_id: u for u in users}
        next_uid = max((u.uid for u in users), default=0) + 1
        written: dict[str, str] = {}
        for i, (_emp_id, name, pin) in enumerate(people, start=1):
            cancel.raise_if_cancelled()
            if not pin:
                result.skipped.append(f"{name}: belum punya PIN mesin")
                continue
            if not valid_pin(pin) or (size == 28 and not pin.isdigit()):
                result.skipped.append(f"{name}: PIN {pin} tidak dapat disimpan di mesin ini (format {size} bita)")
                continue
            old = by_pin.get(pin)
            uid = old.uid if old else next_uid
            next_uid += 0 if old else 1
            shown = p.fit_text(device_name_for(name), 8 if size == 28 else 24).decode("utf-8")
            client.write_user(p.DeviceUser(uid, pin, shown, old.privilege if old else 0), size)
            written[pin] = shown
            progress(i, len(people), f"Mengirim {name}…")
        client.refresh()
        back, _ = client.read_users(client.sizes()[0])
    result.written = len(written)
    names = {u.user_id: u.name for u in back}
    result.verified = sum(1 for pin, shown in written.items() if names.get(pin) == shown.strip())
    if result.verified < result.written:
        result.errors.append(f"{result.written - result.verified} pengguna tidak terbaca kembali dengan benar dari mesin.")
    with write_transaction(db) as s:
        save_device_users(s, device_id, back, db.clock.now())
        audit.record(s, username, "device.upload_users", "device", device_id,
                     {"written": result.written, "verified": result.verified, "skipped": len(result.skipped)})
    return result


@dataclass
class CopyResult:
    source_id: int
    target_id: int
    users: int = 0
    templates: int = 0
    verified_users: int = 0
    target_fingers: int = 0
    errors: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=lambda: Changes(devices=True))

    def summary(self) -> str:
        return (f"{self.users} pengguna dan {self.templates} sidik jari disalin; di mesin tujuan terbaca "
                f"{self.verified_users} pengguna dan {self.target_fingers} sidik jari")


def copy_users(db: Database, source_id: int, target_id: int, username: str, *, pins: list[str] | None = None,
               comm_keys: dict[int, int] | None = None, timeout: float = 10.0,
               progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> CopyResult:
    """Copy users (and their fingerprint templates) from one device to another; PINs keep their target slots."""
    if source_id == target_id:
        raise BadInputError("Mesin asal dan mesin tujuan harus berbeda.")
    keys = comm_keys or {}
    src, dst = _device(db, source_id), _device(db, target_id)
    result = CopyResult(source_id, target_id)
    with client_for(src, timeout, keys.get(source_id)) as a:
        src_users, src_size = a.read_users(a.sizes()[0])
        templates = a.read_templates()
    wanted = [u for u in src_users if pins is None or u.user_id in pins]
    by_uid: dict[int, list[p.Template]] = {}
    for t in templates:
        by_uid.setdefault(t.uid, []).append(t)
    with client_for(dst, timeout, keys.get(target_id)) as b:
        dst_users, dst_size = b.read_users(b.sizes()[0])
        size = dst_size or src_size or 72
        slots = {u.user_id: u.uid for u in dst_users}
        next_uid = max((u.uid for u in dst_users), default=0) + 1
        for i, u in enumerate(wanted, start=1):
            cancel.raise_if_cancelled()
            if size == 28 and not u.user_id.isdigit():
                result.errors.append(f"PIN {u.user_id} tidak dapat disimpan di mesin tujuan (format 28 bita).")
                continue
            uid = slots.get(u.user_id)
            if uid is None:
                uid, next_uid = next_uid, next_uid + 1
            user = p.DeviceUser(uid, u.user_id, u.name, u.privilege, u.password, u.group_id, u.card)
            fingers = [p.Template(uid, t.fid, t.valid, t.data) for t in by_uid.get(u.uid, [])]
            if fingers:
                b.write_user_templates(user, size, fingers)
            else:
                b.write_user(user, size)
            result.users += 1
            result.templates += len(fingers)
            progress(i, len(wanted), f"Menyalin PIN {u.user_id}…")
        b.refresh()
        fields = b.size_fields()
        back, _ = b.read_users(fields[4])
        result.target_fingers = fields[6]
    back_pins = {x.user_id for x in back}
    result.verified_users = sum(1 for u in wanted if u.user_id in back_pins)
    if result.verified_users < result.users:
        result.errors.append(f"{result.users - result.verified_users} pengguna tidak ada di mesin tujuan setelah disalin.")
    with write_transaction(db) as s:
        save_device_users(s, target_id, back, db.clock.now())
        audit.record(s, username, "device.copy_users", "device", target_id,
                     {"source_device": source_id, "users": result.users, "templates": result.templates})
    return result


def read_device_users(db: Database, device_id: int, *, comm_key: int | None = None, timeout: float = 10.0,
                      **_job: object) -> list[p.DeviceUser]:
    """The device's user list, read now (and remembered for the unmapped-PIN panel)."""
    device = _device(db, device_id)
    try:
        with client_for(device, timeout, comm_key) as client:
            users, _size = client.read_users(client.sizes()[0])
    except DeviceError:
        raise
    with write_transaction(db) as s:
        save_device_users(s, device_id, users, db.clock.now())
    return users
