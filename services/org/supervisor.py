"""Setting an employee's atasan langsung (the supervisor chain notices and selfie checks follow).

Refused: an employee as their own atasan, an atasan of another OPD, and a loop (the new atasan
already reports, directly or higher up, to the employee).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import CurrentUser
from services.changes import Changes
from services.errors import BadInputError, NotFoundError
from services.store.models import Employee


def _get(session: Session, employee_id: int) -> Employee:
    emp = session.get(Employee, employee_id)
    if emp is None:
        raise NotFoundError(f"Pegawai id {employee_id} tidak ditemukan")
    return emp


def set_supervisor(session: Session, user: CurrentUser, employee_id: int, supervisor_id: int | None) -> Changes:
    """Set (or clear, with None) the atasan langsung of one employee; audited."""
    user.require("operator")
    emp = _get(session, employee_id)
    boss = _get(session, supervisor_id) if supervisor_id is not None else None
    if boss is not None:
        if boss.id == emp.id:
            raise BadInputError(f"{emp.name} tidak dapat menjadi atasan langsungnya sendiri")
        if boss.opd_id != emp.opd_id:
            raise BadInputError(f"{boss.name} bukan pegawai OPD yang sama dengan {emp.name}")
        seen: set[int] = set()
        current: Employee | None = boss
        while current is not None and current.supervisor_id and current.id not in seen:
            seen.add(current.id)
            if current.supervisor_id == emp.id:
                raise BadInputError(f"{boss.name} berada di bawah {emp.name} dalam rantai atasan; atasan langsung "
                                    f"tidak boleh membentuk lingkaran")
            current = session.get(Employee, current.supervisor_id)
    before = emp.supervisor_id
    emp.supervisor_id = boss.id if boss is not None else None
    session.flush()
    audit.record(session, user.username, "employee.supervisor", "employee", emp.id,
                 {"nip": emp.nip, "before": before, "after": emp.supervisor_id})
    return Changes(employees=True)


def supervisor_choices(session: Session, opd_id: int, employee_id: int) -> list[tuple[int, str]]:
    """(id, "Nama — Jabatan (gol.)") of every other employee of the OPD, highest kelas jabatan first."""
    rows = session.execute(select(Employee.id, Employee.name, Employee.jabatan, Employee.golongan)
                           .where(Employee.opd_id == opd_id, Employee.id != employee_id)
                           .order_by(Employee.kelas_jabatan.desc(), Employee.name))
    return [(i, f"{n} — {j or '-'} (gol. {g or '-'})") for i, n, j, g in rows]
