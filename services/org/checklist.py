"""What a freshly set-up OPD still has to do, ticked from the data itself (the dashboard's checklist).

- employees imported (any employee of the OPD),
- a fingerprint device added,
- work schedules assigned: a unit/employee assignment or an assignment made by a user; an office whose
  staff all work the standard five-day week (assigned to everyone at set-up) confirms that once,
- the central BKPSDM server set (its URL).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.auth import audit
from services.auth.users import CurrentUser
from services.changes import Changes
from services.store.models import AuditEvent, Device, Employee, ScheduleAssignment, Setting

# services.central.outbox.SETTING_URL, written out: importing the outbox pulls the bundle builder, openpyxl
# and reportlab into the dashboard's start (0.9 s); tests/test_cli_registry.py checks they stay equal
CENTRAL_URL = "central.url"

SCHEDULES_CONFIRMED = "setup.schedules_confirmed"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    detail: str
    screen: str  # desktop screen key that does it


def _count(session: Session, stmt) -> int:  # type: ignore[no-untyped-def]
    return int(session.execute(stmt).scalar() or 0)


def setup_checklist(session: Session, opd_id: int) -> list[ChecklistItem]:
    employees = _count(session, select(func.count(Employee.id)).where(Employee.opd_id == opd_id))
    devices = _count(session, select(func.count(Device.id)).where(Device.opd_id == opd_id))
    specific = _count(session, select(func.count(ScheduleAssignment.id)).where(
        or_(ScheduleAssignment.unit_id.is_not(None), ScheduleAssignment.employee_id.is_not(None))))
    assigned = _count(session, select(func.count(AuditEvent.id)).where(AuditEvent.action == "schedule.assign"))
    confirmed = session.get(Setting, SCHEDULES_CONFIRMED) is not None
    central = session.get(Setting, CENTRAL_URL)
    return [
        ChecklistItem("employees", "Impor data pegawai", employees > 0,
                      f"{employees} pegawai terdaftar." if employees else
                      "Impor ekspor SIMPEG (CSV/XLSX) di layar Pegawai.", "pegawai"),
        ChecklistItem("devices", "Tambah mesin sidik jari", devices > 0,
                      f"{devices} mesin terdaftar." if devices else
                      "Isi alamat IP mesin di layar Perangkat, lalu uji koneksi.", "perangkat"),
        ChecklistItem("schedules", "Atur jadwal kerja", bool(specific or assigned or confirmed),
                      "Jadwal sudah ditetapkan." if specific or assigned or confirmed else
                      "Semua pegawai memakai jadwal lima hari standar; tetapkan jadwal lain (shift, enam hari) "
                      "untuk unit yang berbeda, atau tandai sudah sesuai.", "jadwal"),
        ChecklistItem("central", "Atur server pusat BKPSDM", bool(central and central.value),
                      "Server pusat sudah diatur." if central and central.value else
                      "Isi alamat server pusat di layar Pengaturan agar laporan dapat dikirim.", "pengaturan"),
    ]


def confirm_standard_schedules(session: Session, user: CurrentUser) -> Changes:
    """The office keeps the standard five-day schedule for everyone: the checklist item is done."""
    user.require("operator")
    if session.get(Setting, SCHEDULES_CONFIRMED) is None:
        session.add(Setting(key=SCHEDULES_CONFIRMED, value=user.username))
        audit.record(session, user.username, "setup.schedules_confirmed", "setting", SCHEDULES_CONFIRMED, {})
    return Changes(settings=True)
