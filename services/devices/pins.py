"""Device PINs and employees: which PINs have punches but no employee, and mapping a PIN to one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import CurrentUser
from services.errors import BadInputError, ConflictError, NotFoundError
from services.store.models import Employee, EmployeePin, Punch
from services.tabular import valid_pin


def pin_map(session: Session) -> dict[str, int]:
    return dict(session.execute(select(EmployeePin.pin, EmployeePin.employee_id)).all())


@dataclass(frozen=True)
class UnmappedPin:
    pin: str
    punches: int
    first_ts: dt.datetime
    last_ts: dt.datetime
    serials: str


def unmapped_pins(session: Session) -> list[UnmappedPin]:
    """Device/USB/push PINs that have punches but no employee yet, most punches first."""
    mapped = select(EmployeePin.pin)
    where = (Punch.source.in_(("device", "usb", "push")), Punch.employee_id.is_(None), Punch.pin.not_in(mapped))
    q = (
        select(Punch.pin, func.count(), func.min(Punch.ts), func.max(Punch.ts))
        .where(*where).group_by(Punch.pin).order_by(func.count().desc(), Punch.pin)
    )
    serials: dict[str, list[str]] = {}
    for pin, serial in session.execute(select(Punch.pin, Punch.source_serial).where(*where).distinct()
                                       .order_by(Punch.pin, Punch.source_serial)):
        serials.setdefault(pin, []).append(serial)
    return [UnmappedPin(pin, n, lo, hi, ",".join(serials.get(pin, []))) for pin, n, lo, hi in session.execute(q)]


def map_pin(session: Session, pin: str, employee_id: int, username: str) -> int:
    """Assign a device PIN to an employee and fill employee_id on that PIN's device/USB/push punches.

    Returns the number of punches updated. Refuses a PIN that already belongs to someone else.
    """
    pin = pin.strip()
    if not pin:
        raise BadInputError("PIN tidak boleh kosong.")
    if not valid_pin(pin):
        raise BadInputError(f"PIN {pin[:24]!r} tidak valid: 1-24 huruf/angka ASCII (angka Arab '٣' atau angka "
                            "lebar penuh '３' tidak dikenal mesin).")
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise NotFoundError(f"Pegawai dengan id {employee_id} tidak ditemukan.")
    existing = session.execute(select(EmployeePin).where(EmployeePin.pin == pin)).scalar_one_or_none()
    if existing is not None and existing.employee_id != employee_id:
        other = session.get(Employee, existing.employee_id)
        raise PinTakenError(f"PIN {pin} sudah dipakai oleh {other.name if other else existing.employee_id}.")
    if existing is None:
        session.add(EmployeePin(employee_id=employee_id, pin=pin))
    updated = session.execute(
        update(Punch)
        .where(Punch.pin == pin, Punch.employee_id.is_(None), Punch.source.in_(("device", "usb", "push")))
        .values(employee_id=employee_id)
    ).rowcount  # type: ignore[attr-defined]
    audit.record(session, username, "pin.map", "employee", employee_id, {"pin": pin, "punches_updated": updated})
    return int(updated)


def map_pin_by(session: Session, user: CurrentUser, pin: str, employee_id: int) -> int:
    """``map_pin`` for a logged-in user: mapping PINs is the Operator Umpeg's (or an administrator's) work."""
    user.require("operator")
    return map_pin(session, pin, employee_id, user.username)


def set_employee_pins(session: Session, user: CurrentUser, employee_id: int, pins: list[str]) -> int:
    """Make ``pins`` the employee's device PINs (Operator Umpeg); returns punches newly attributed.

    A new PIN goes through ``map_pin`` (its unmatched punches become the employee's); a removed PIN
    no longer matches future punches, while punches already attributed stay with the employee
    (history is not rewritten). A PIN of another employee is refused, nothing is changed then.
    """
    user.require("operator")
    wanted = []
    for raw in pins:
        pin = raw.strip()
        if pin and pin not in wanted:
            if not pin.isdigit() or len(pin) > 24:
                raise BadInputError(f"PIN '{pin}' tidak valid: isi angka saja (maksimal 24 digit), seperti di mesin.")
            wanted.append(pin)
    if session.get(Employee, employee_id) is None:
        raise NotFoundError(f"Pegawai dengan id {employee_id} tidak ditemukan.")
    current = {p.pin: p for p in session.execute(select(EmployeePin).where(EmployeePin.employee_id == employee_id)
                                                 ).scalars()}
    for pin, row in current.items():
        if pin not in wanted:
            session.delete(row)
            audit.record(session, user.username, "pin.unmap", "employee", employee_id, {"pin": pin})
    session.flush()
    return sum(map_pin(session, pin, employee_id, user.username) for pin in wanted if pin not in current)


class PinTakenError(ConflictError, ValueError):
    """The PIN already belongs to another employee (a ValueError too, for callers that catch that)."""

    title = "PIN sudah dipakai"


def employee_choices(session: Session, opd_id: int) -> list[tuple[int, str]]:
    """(id, "Name — NIP") for the PIN mapping picker."""
    q = select(Employee.id, Employee.name, Employee.nip).where(Employee.opd_id == opd_id).order_by(Employee.name)
    return [(i, f"{name} — {nip}") for i, name, nip in session.execute(q).all()]
