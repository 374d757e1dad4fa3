"""Read-side queries for the employee list and the dashboard (light tuples, filtered in SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session, aliased

from services.store.db import clock_of
from services.store.models import (
    REVIEW_POSTGRESQL,
    REVIEW_SQLITE,
    DayRecord,
    Device,
    Employee,
    EmployeePin,
    ImportBatch,
    Period,
    Punch,
    SelfieCheck,
    WorkUnit,
)
from services.store.sqlfn import joined_text
from services.timefmt import tanggal_jam

REVIEW_FLAGS = ("no_checkin", "no_checkout", "outside_geofence", "selfie_rejected", "manipulation")

# id, nip, name, kind, unit, jabatan, pins, atasan, tpp, last active day ("" while active)
EmployeeRow = tuple[int, str, str, str, str, str, str, str, int, "dt.date | str"]


def employee_rows(session: Session, opd_id: int, search: str = "", unit_id: int | None = None) -> list[EmployeeRow]:
    sup = aliased(Employee)
    pins = (
        select(EmployeePin.employee_id, joined_text(EmployeePin.pin, ", ").label("pins"))
        .group_by(EmployeePin.employee_id)
        .subquery()
    )
    q = (
        select(Employee.id, Employee.nip, Employee.name, Employee.kind, WorkUnit.name, Employee.jabatan,
               pins.c.pins, sup.name, Employee.tpp_base, Employee.active_to)
        .outerjoin(WorkUnit, WorkUnit.id == Employee.unit_id)
        .outerjoin(sup, sup.id == Employee.supervisor_id)
        .outerjoin(pins, pins.c.employee_id == Employee.id)
        .where(Employee.opd_id == opd_id)
        .order_by(WorkUnit.name, Employee.name)
    )
    if search.strip():
        like = f"%{search.strip()}%"
        q = q.where(or_(Employee.name.ilike(like), Employee.nip.like(like), Employee.jabatan.ilike(like)))
    if unit_id:
        q = q.where(Employee.unit_id == unit_id)
    return [tuple("" if v is None else v for v in r) for r in session.execute(q)]  # type: ignore[misc]


def unit_choices(session: Session, opd_id: int) -> list[tuple[int, str]]:
    return [(i, n) for i, n in session.execute(select(WorkUnit.id, WorkUnit.name).where(WorkUnit.opd_id == opd_id).order_by(WorkUnit.name))]


@dataclass
class DashboardFacts:
    employees: int
    devices: int
    punches_today: int
    present_today: int
    pending_selfies: int
    last_sync: dt.datetime | None
    period_status: str
    to_review: int  # days of this month that still need a look (TK, missing punch, outside geofence, rejected selfie)
    last_month: tuple[int, int]
    last_month_status: str
    report_deadline: dt.date  # the 10th: last month's signed report is due at BKPSDM
    recent_batches: list[tuple[str, str, str, int, int, int]]  # when, kind, source, new, dup, rejected


def dashboard_facts(session: Session, opd_id: int, today: dt.date | None = None) -> DashboardFacts:
    today = today or clock_of(session).today()
    start = dt.datetime.combine(today, dt.time())
    end = start + dt.timedelta(days=1)
    period = session.execute(
        select(Period.status).where(Period.opd_id == opd_id, Period.year == today.year, Period.month == today.month)
    ).scalar()
    batches = [
        (tanggal_jam(b.started_at), b.kind, b.source, b.new_count, b.duplicate_count, b.rejected_count)
        for b in session.execute(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(8)).scalars()
    ]
    first = today.replace(day=1)
    last_y, last_m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    last_status = session.execute(
        select(Period.status).where(Period.opd_id == opd_id, Period.year == last_y, Period.month == last_m)
    ).scalar()
    review = or_(DayRecord.status == "TK", *(DayRecord.flags.like(f"%{f}%") for f in REVIEW_FLAGS))
    # the partial index ix_day_record_review holds exactly the rows of this condition (see models.py)
    candidates = text(REVIEW_POSTGRESQL if session.get_bind().dialect.name == "postgresql" else REVIEW_SQLITE)
    to_review = session.execute(
        select(func.count()).select_from(DayRecord).join(Employee, Employee.id == DayRecord.employee_id)
        .where(candidates, DayRecord.date >= first, DayRecord.date <= today, Employee.opd_id == opd_id,
               DayRecord.corrected.is_(False), review)
    ).scalar() or 0
    return DashboardFacts(
        employees=session.execute(select(func.count(Employee.id)).where(Employee.opd_id == opd_id)).scalar() or 0,
        devices=session.execute(select(func.count(Device.id)).where(Device.opd_id == opd_id)).scalar() or 0,
        punches_today=session.execute(select(func.count(Punch.id)).where(Punch.ts >= start, Punch.ts < end)).scalar() or 0,
        present_today=session.execute(
            select(func.count(func.distinct(Punch.employee_id))).where(Punch.ts >= start, Punch.ts < end)
        ).scalar() or 0,
        pending_selfies=session.execute(select(func.count(SelfieCheck.id)).where(SelfieCheck.verdict == "pending")).scalar() or 0,
        last_sync=session.execute(select(func.max(Device.last_sync_at)).where(Device.opd_id == opd_id)).scalar(),
        period_status=period or "open",
        to_review=to_review,
        last_month=(last_y, last_m),
        last_month_status=last_status or "open",
        report_deadline=dt.date(today.year, today.month, 10),
        recent_batches=batches,
    )
