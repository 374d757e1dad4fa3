"""Bolos usai libur panjang (Kalimantan Utara's check): who was absent without a word (TK) on the first working
day after a long holiday or cuti bersama.

A "long holiday" is a run of at least ``discipline.long_holiday_min_days`` (policy data, default 3)
consecutive non-working days of the employee's own day records (weekend + holiday + cuti bersama;
a roster's days off count the same way). The run may start in the previous month; the first working
day after it must fall in the month asked for. Days never computed break a run (unknown is not "off").
Read-only: it looks at the stored DayRecords, so recompute the month first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.calendar.holidays import OFF_KINDS
from services.calendar.names import month_bounds
from services.store.models import DayRecord, Employee, Holiday, WorkUnit

LOOKBACK_DAYS = 40  # a run ending in this month may start up to this many days before its first day


@dataclass(frozen=True)
class AbsentAfterHoliday:
    employee_id: int
    nip: str
    name: str
    unit: str
    date: dt.date  # the first working day after the long holiday
    off_from: dt.date  # the long holiday's first and last day
    off_to: dt.date
    off_days: int
    holidays: str  # names of the holidays / cuti bersama in the run ("" = only weekly days off)


def absent_after_long_holiday(session: Session, opd_id: int, year: int, month: int, min_days: int,
                              unit_id: int | None = None) -> list[AbsentAfterHoliday]:
    """Employees of the OPD (or one unit) with TK on a first working day after >= ``min_days`` days off."""
    first, last = month_bounds(year, month)
    lo = first - dt.timedelta(days=LOOKBACK_DAYS)
    q = (select(DayRecord.employee_id, DayRecord.date, DayRecord.working_day, DayRecord.status)
         .join(Employee, Employee.id == DayRecord.employee_id)
         .where(Employee.opd_id == opd_id, DayRecord.date >= lo, DayRecord.date <= last)
         .order_by(DayRecord.employee_id, DayRecord.date))
    if unit_id is not None:
        q = q.where(Employee.unit_id == unit_id)
    hits: list[tuple[int, dt.date, dt.date, dt.date, int]] = []
    current: int | None = None
    run_start: dt.date | None = None
    run_len = 0
    prev: dt.date | None = None
    for emp, d, working, status in session.execute(q):
        if emp != current or prev is None or d != prev + dt.timedelta(days=1):
            current, run_start, run_len = emp, None, 0  # a new employee or a gap: no run carries over
        prev = d
        if not working:
            run_start = run_start or d
            run_len += 1
            continue
        if run_len >= min_days and d >= first and status == "TK" and run_start is not None:
            hits.append((emp, d, run_start, d - dt.timedelta(days=1), run_len))
        run_start, run_len = None, 0
    if not hits:
        return []
    people = {i: (nip, name, unit or "-") for i, nip, name, unit in session.execute(
        select(Employee.id, Employee.nip, Employee.name, WorkUnit.name)
        .join(WorkUnit, WorkUnit.id == Employee.unit_id, isouter=True)
        .where(Employee.id.in_({h[0] for h in hits})))}
    names: dict[dt.date, list[str]] = {}
    for d, name in session.execute(select(Holiday.date, Holiday.name).where(
            Holiday.date >= lo, Holiday.date <= last, Holiday.kind.in_(OFF_KINDS)).order_by(Holiday.date, Holiday.kind)):
        names.setdefault(d, []).append(name)
    out = []
    for emp, d, d0, d1, n in hits:
        nip, name, unit = people[emp]
        run_names: list[str] = []
        day = d0
        while day <= d1:
            run_names += [x for x in names.get(day, []) if x not in run_names]
            day += dt.timedelta(days=1)
        out.append(AbsentAfterHoliday(emp, nip, name, unit, d, d0, d1, n, "; ".join(run_names)))
    out.sort(key=lambda r: (r.date, r.unit, r.name))
    return out
