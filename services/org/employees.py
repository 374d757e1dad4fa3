"""Adding, editing and deactivating employees, and setting their direct supervisor (atasan langsung).

Only an Operator Umpeg (or an administrator) changes employee data; every change is audited with
what it was before. An employee is never deleted (punches, letters, reports refer to them):
deactivating sets the last active day, after which the engine gives them no day records.
Device PINs are set in services/devices/pins.py (mapping a PIN also attributes its punches).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import CurrentUser
from services.changes import Changes
from services.errors import BadInputError, ConflictError, NotFoundError
from services.org.nip import NipError, parse_nip, validate_employee_id
from services.store.models import Employee, WorkUnit

KINDS = {"PNS": "PNS", "PPPK": "PPPK", "PTT": "PTT", "NON_ASN": "Non-ASN"}
CHANGED = Changes(employees=True, records=True)  # active dates and supervisors change what is computed / shown


class EmployeeError(BadInputError):
    pass


@dataclass(frozen=True)
class EmployeeData:
    """The editable fields of one employee, as the form or a caller gives them."""

    nip: str
    name: str
    kind: str
    unit_id: int | None = None
    jabatan: str = ""
    golongan: str = ""
    kelas_jabatan: int = 0
    tpp_base: int = 0
    active_from: dt.date | None = None


@dataclass(frozen=True)
class EmployeeDetail:
    """One employee for the edit form (light values, no ORM)."""

    id: int
    data: EmployeeData
    supervisor_id: int | None
    supervisor_name: str
    active_to: dt.date | None
    pins: tuple[str, ...]


def _may_edit(user: CurrentUser) -> None:
    user.require("operator")


def _check(session: Session, opd_id: int, data: EmployeeData, employee_id: int | None) -> EmployeeData:
    name = " ".join(data.name.split())
    if not name:
        raise EmployeeError("Nama pegawai wajib diisi.")
    if data.kind not in KINDS:
        raise EmployeeError(f"Jenis pegawai '{data.kind}' tidak dikenal (pilih: {', '.join(KINDS.values())}).")
    try:
        nip = validate_employee_id(data.nip, data.kind)
    except NipError as exc:
        raise EmployeeError(f"Kolom NIP / NI PPPK: {exc}.") from None
    clash = session.execute(select(Employee.id, Employee.name).where(Employee.nip == nip)).first()
    if clash is not None and clash[0] != employee_id:
        raise ConflictError(f"NIP {nip} sudah dipakai oleh {clash[1]}.")
    if data.unit_id is not None:
        unit = session.get(WorkUnit, data.unit_id)
        if unit is None or unit.opd_id != opd_id:
            raise EmployeeError(f"Unit kerja id {data.unit_id} tidak ada di OPD ini.")
    if data.tpp_base < 0 or data.tpp_base > 100_000_000:
        raise EmployeeError(f"TPP dasar Rp{data.tpp_base:,} tidak wajar (0 sampai Rp100.000.000 per bulan).")
    if not 0 <= data.kelas_jabatan <= 17:
        raise EmployeeError(f"Kelas jabatan {data.kelas_jabatan} tidak valid (1–17, atau 0 bila belum ada).")
    return EmployeeData(nip, name, data.kind, data.unit_id, data.jabatan.strip(), data.golongan.strip().upper(),
                        data.kelas_jabatan, data.tpp_base, data.active_from)


def _fill(emp: Employee, data: EmployeeData) -> None:
    emp.nip, emp.name, emp.kind, emp.unit_id = data.nip, data.name, data.kind, data.unit_id
    emp.jabatan, emp.golongan, emp.kelas_jabatan, emp.tpp_base = (data.jabatan, data.golongan, data.kelas_jabatan,
                                                                  data.tpp_base)
    emp.active_from = data.active_from
    if data.kind in ("PNS", "PPPK"):
        emp.gender = parse_nip(data.nip, data.kind).gender


def _get(session: Session, opd_id: int, employee_id: int) -> Employee:
    emp = session.get(Employee, employee_id)
    if emp is None or emp.opd_id != opd_id:
        raise NotFoundError(f"Pegawai id {employee_id} tidak ditemukan di OPD ini.")
    return emp


def add_employee(session: Session, user: CurrentUser, opd_id: int, data: EmployeeData) -> int:
    """A new employee; returns the id."""
    _may_edit(user)
    data = _check(session, opd_id, data, None)
    emp = Employee(opd_id=opd_id, nip=data.nip, name=data.name, kind=data.kind)
    _fill(emp, data)
    session.add(emp)
    session.flush()
    audit.record(session, user.username, "employee.create", "employee", emp.id, asdict(data))
    return emp.id


def update_employee(session: Session, user: CurrentUser, opd_id: int, employee_id: int, data: EmployeeData) -> Changes:
    _may_edit(user)
    emp = _get(session, opd_id, employee_id)
    data = _check(session, opd_id, data, employee_id)
    before = asdict(detail(session, opd_id, employee_id).data)
    _fill(emp, data)
    session.flush()
    after = asdict(data)
    changed = {k: {"dari": before[k], "ke": after[k]} for k in after if before[k] != after[k]}
    audit.record(session, user.username, "employee.update", "employee", employee_id, changed)
    return CHANGED


def deactivate_employee(session: Session, user: CurrentUser, opd_id: int, employee_id: int, last_day: dt.date,
                        reason: str) -> Changes:
    """Set the last active day (pensiun, mutasi, berhenti); the records stay. ``reason`` is audited."""
    _may_edit(user)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise EmployeeError("Alasan penonaktifan wajib diisi (minimal 5 karakter), mis. 'pensiun per 1 Desember'.")
    emp = _get(session, opd_id, employee_id)
    if emp.active_from is not None and last_day < emp.active_from:
        raise EmployeeError(f"Hari aktif terakhir {last_day:%d-%m-%Y} sebelum mulai aktif {emp.active_from:%d-%m-%Y}.")
    before = emp.active_to
    emp.active_to = last_day
    # whoever this employee supervised needs a new atasan: they are listed by ``supervised_by``
    audit.record(session, user.username, "employee.deactivate", "employee", employee_id,
                 {"active_to": last_day, "before": before, "reason": reason})
    return CHANGED


def reactivate_employee(session: Session, user: CurrentUser, opd_id: int, employee_id: int, reason: str) -> Changes:
    _may_edit(user)
    emp = _get(session, opd_id, employee_id)
    before = emp.active_to
    emp.active_to = None
    audit.record(session, user.username, "employee.reactivate", "employee", employee_id,
                 {"before": before, "reason": (reason or "").strip()})
    return CHANGED


def set_supervisor(session: Session, user: CurrentUser, opd_id: int, employee_id: int,
                   supervisor_id: int | None) -> Changes:
    """The atasan langsung who verifies this employee's selfies; refuses self and circular chains."""
    _may_edit(user)
    emp = _get(session, opd_id, employee_id)
    if supervisor_id is not None:
        sup = _get(session, opd_id, supervisor_id)
        if supervisor_id == employee_id:
            raise EmployeeError(f"{emp.name} tidak dapat menjadi atasan langsung dirinya sendiri.")
        if sup.active_to is not None:
            raise EmployeeError(f"{sup.name} sudah nonaktif sejak {sup.active_to:%d-%m-%Y}; pilih atasan yang aktif.")
        seen = {employee_id}
        cur: Employee | None = sup
        while cur is not None and cur.supervisor_id is not None:  # walking up must never reach this employee
            if cur.supervisor_id in seen:
                raise EmployeeError(f"{sup.name} (langsung atau lewat atasannya) dibawahi {emp.name}; "
                                    "atasan langsung tidak boleh melingkar.")
            seen.add(cur.id)
            cur = session.get(Employee, cur.supervisor_id)
    before = emp.supervisor_id
    emp.supervisor_id = supervisor_id
    audit.record(session, user.username, "employee.supervisor", "employee", employee_id,
                 {"from": before, "to": supervisor_id})
    return CHANGED


def detail(session: Session, opd_id: int, employee_id: int) -> EmployeeDetail:
    emp = _get(session, opd_id, employee_id)
    sup = session.get(Employee, emp.supervisor_id) if emp.supervisor_id else None
    data = EmployeeData(emp.nip, emp.name, emp.kind, emp.unit_id, emp.jabatan or "", emp.golongan or "",
                        emp.kelas_jabatan or 0, emp.tpp_base or 0, emp.active_from)
    return EmployeeDetail(emp.id, data, emp.supervisor_id, sup.name if sup else "", emp.active_to,
                          tuple(sorted(p.pin for p in emp.pins)))


def supervised_by(session: Session, employee_id: int) -> list[tuple[int, str]]:
    """(id, name) of the employees whose atasan langsung is ``employee_id``."""
    q = select(Employee.id, Employee.name).where(Employee.supervisor_id == employee_id).order_by(Employee.name)
    return [(i, n) for i, n in session.execute(q)]


def supervisor_choices(session: Session, opd_id: int, employee_id: int | None,
                       on: dt.date | None = None) -> list[tuple[int, str]]:
    """Active employees who may be chosen as atasan langsung (everyone but the employee), "Name — jabatan"."""
    q = select(Employee.id, Employee.name, Employee.jabatan, Employee.active_to).where(Employee.opd_id == opd_id)
    out = []
    for i, name, jabatan, active_to in session.execute(q.order_by(Employee.name)):
        if i == employee_id or (active_to is not None and (on is None or active_to < on)):
            continue
        out.append((i, f"{name} — {jabatan}" if jabatan else name))
    return out
