"""Storing raw device/USB punches and mapping device PINs to employees.

Punches are append-only and unique on (source_serial, pin, ts): inserts use
INSERT OR IGNORE on that constraint, so re-reading the same log adds nothing and a
device copy and a USB copy of the same punch (same serial) dedupe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.auth import audit
from services.store.models import Employee, EmployeePin, Punch

# Indonesia has no daylight saving: a fixed offset per zone is exact and needs no tz database
# (Windows Python ships without one).
TIMEZONES: dict[str, tuple[str, int]] = {
    "Asia/Jakarta": ("WIB", 7),
    "Asia/Makassar": ("WITA", 8),
    "Asia/Jayapura": ("WIT", 9),
}


def local_now(tz: str) -> dt.datetime:
    """Current naive wall-clock time in an Indonesian zone."""
    hours = TIMEZONES.get(tz, ("", 7))[1]
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).replace(tzinfo=None, microsecond=0)


def tz_label(tz: str) -> str:
    return TIMEZONES.get(tz, (tz, 0))[0]


@dataclass(frozen=True)
class PunchRow:
    pin: str
    ts: dt.datetime
    state: int = 255
    verify: int = 1


def pin_map(session: Session) -> dict[str, int]:
    return dict(session.execute(select(EmployeePin.pin, EmployeePin.employee_id)).tuples().all())


def insert_punches(session: Session, *, source: str, serial: str, tz: str, batch_id: int,
                   rows: list[PunchRow], chunk: int = 20000) -> int:
    """INSERT OR IGNORE the rows; returns how many were new. Runs inside the caller's transaction."""
    if not rows:
        return 0
    employees = pin_map(session)
    stmt = sqlite_insert(Punch.__table__).on_conflict_do_nothing(index_elements=["source_serial", "pin", "ts"])
    new = 0
    for i in range(0, len(rows), chunk):
        params = [
            {"source": source, "source_serial": serial, "pin": r.pin, "ts": r.ts, "tz": tz,
             "employee_id": employees.get(r.pin), "state": r.state, "verify": r.verify, "batch_id": batch_id,
             "captured_offline": False, "flags": ""}
            for r in rows[i : i + chunk]
        ]
        new += session.execute(stmt, params).rowcount
    return new


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
    return [UnmappedPin(pin, n, lo, hi, serials or "") for pin, n, lo, hi, serials in session.execute(q).tuples()]


def map_pin(session: Session, pin: str, employee_id: int, username: str) -> int:
    """Assign a device PIN to an employee and fill employee_id on that PIN's device/USB punches.

    Returns the number of punches updated. Refuses a PIN that already belongs to someone else.
    """
    pin = pin.strip()
    if not pin:
        raise ValueError("PIN tidak boleh kosong.")
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise ValueError(f"Pegawai dengan id {employee_id} tidak ditemukan.")
    existing = session.execute(select(EmployeePin).where(EmployeePin.pin == pin)).scalar_one_or_none()
    if existing is not None and existing.employee_id != employee_id:
        other = session.get(Employee, existing.employee_id)
        raise ValueError(f"PIN {pin} sudah dipakai oleh {other.name if other else existing.employee_id}.")
    if existing is None:
        session.add(EmployeePin(employee_id=employee_id, pin=pin))
    updated = session.execute(
        update(Punch)
        .where(Punch.pin == pin, Punch.employee_id.is_(None), Punch.source.in_(("device", "usb")))
        .values(employee_id=employee_id)
    ).rowcount
    audit.record(session, username, "pin.map", "employee", employee_id, {"pin": pin, "punches_updated": updated})
    return updated
