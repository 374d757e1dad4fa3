"""Storing raw device/USB punches and mapping device PINs to employees.

Punches are append-only and unique on (source_serial, pin, ts): inserts use
INSERT OR IGNORE on that constraint, so re-reading the same log adds nothing and a
device copy and a USB copy of the same punch (same serial) dedupe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.auth import audit
from services.errors import BadInputError, NotFoundError
from services.store.models import Employee, EmployeePin, Punch

# Indonesia has no daylight saving: a fixed offset per zone is exact and needs no tz database
# (Windows Python ships without one).
TIMEZONES: dict[str, tuple[str, int]] = {
    "Asia/Jakarta": ("WIB", 7),
    "Asia/Makassar": ("WITA", 8),
    "Asia/Jayapura": ("WIT", 9),
}


def tz_label(tz: str) -> str:
    return TIMEZONES.get(tz, (tz, 0))[0]


def ts_text(t: dt.datetime) -> str:
    """A timestamp exactly as SQLAlchemy's SQLite DateTime stores it (the unique key compares these strings)."""
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond:06d}"


KeyRow = tuple[str, str, int, int]  # (pin, ts as stored text, state, verify) — the fast path's row shape


def pin_map(session: Session) -> dict[str, int]:
    return dict(session.execute(select(EmployeePin.pin, EmployeePin.employee_id)).all())


_INSERT_SQL = (
    "INSERT OR IGNORE INTO punch (source, source_serial, pin, ts, tz, employee_id, state, verify, batch_id, "
    "captured_offline, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')"
)


def insert_punches(session: Session, *, source: str, serial: str, tz: str, batch_id: int, rows: list[KeyRow]) -> int:
    """Store rows not yet present; returns how many were new. Runs inside the caller's transaction.

    Keys already stored for this serial are filtered out in memory first (a re-sync of 100k records then
    costs one indexed range scan instead of 100k rejected inserts); INSERT OR IGNORE on the unique key
    still guards against anything the filter missed. Plain DB-API executemany keeps 100k rows well under
    a second (the ORM's per-row parameter processing alone took seconds).
    """
    if not rows:
        return 0
    conn = session.connection()
    lo = min(r[1] for r in rows)
    hi = max(r[1] for r in rows)
    existing = set(conn.exec_driver_sql(
        "SELECT pin, ts FROM punch WHERE source_serial = ? AND ts BETWEEN ? AND ?", (serial, lo, hi)
    ))
    employees = pin_map(session)
    params = [
        (source, serial, pin, ts, tz, employees.get(pin), state, verify, batch_id)
        for pin, ts, state, verify in rows
        if (pin, ts) not in existing
    ]
    if not params:
        return 0
    return int(conn.exec_driver_sql(_INSERT_SQL, params).rowcount)


# ------------------------------------------------------------------ PIN mapping


@dataclass(frozen=True)
class UnmappedPin:
    pin: str
    punches: int
    first_ts: dt.datetime
    last_ts: dt.datetime
    serials: str


def unmapped_pins(session: Session) -> list[UnmappedPin]:
    """Device/USB PINs that have punches but no employee yet, most punches first."""
    mapped = select(EmployeePin.pin)
    q = (
        select(Punch.pin, func.count(), func.min(Punch.ts), func.max(Punch.ts), func.group_concat(Punch.source_serial.distinct()))
        .where(Punch.source.in_(("device", "usb")), Punch.employee_id.is_(None), Punch.pin.not_in(mapped))
        .group_by(Punch.pin)
        .order_by(func.count().desc(), Punch.pin)
    )
    return [UnmappedPin(pin, n, lo, hi, serials or "") for pin, n, lo, hi, serials in session.execute(q)]


def map_pin(session: Session, pin: str, employee_id: int, username: str) -> int:
    """Assign a device PIN to an employee and fill employee_id on that PIN's device/USB punches.

    Returns the number of punches updated. Refuses a PIN that already belongs to someone else.
    """
    pin = pin.strip()
    if not pin:
        raise BadInputError("PIN tidak boleh kosong.")
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise NotFoundError(f"Pegawai dengan id {employee_id} tidak ditemukan.")
    existing = session.execute(select(EmployeePin).where(EmployeePin.pin == pin)).scalar_one_or_none()
    if existing is not None and existing.employee_id != employee_id:
        other = session.get(Employee, existing.employee_id)
        raise BadInputError(f"PIN {pin} sudah dipakai oleh {other.name if other else existing.employee_id}.")
    if existing is None:
        session.add(EmployeePin(employee_id=employee_id, pin=pin))
    updated = session.execute(
        update(Punch)
        .where(Punch.pin == pin, Punch.employee_id.is_(None), Punch.source.in_(("device", "usb")))
        .values(employee_id=employee_id)
    ).rowcount
    audit.record(session, username, "pin.map", "employee", employee_id, {"pin": pin, "punches_updated": updated})
    return updated


def employee_choices(session: Session, opd_id: int) -> list[tuple[int, str]]:
    """(id, "Name — NIP") for the PIN mapping picker."""
    q = select(Employee.id, Employee.name, Employee.nip).where(Employee.opd_id == opd_id).order_by(Employee.name)
    return [(i, f"{name} — {nip}") for i, name, nip in session.execute(q).all()]
