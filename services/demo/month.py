"""Demo data for reconciliation: a month of realistic punches and letters, then a recompute.

``seed_demo_month`` is for the demo, screenshots and screen tests; the calendar seed every fresh
database needs is ``services.calendar.seed.seed_calendar``.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.calendar.holidays import holiday_map
from services.calendar.names import month_bounds
from services.calendar.schedules import ScheduleBook
from services.letters.register import create_letter
from services.reconcile.engine import RecomputeResult, policy_for_opd, recompute
from services.store.db import clock_of
from services.store.models import Employee, EmployeePin, Punch


def seed_demo_month(session: Session, opd_id: int, year: int, month: int, seed: int = 1,
                    today: dt.date | None = None, with_letters: bool = True) -> RecomputeResult:
    """Punches for every employee's working days (mostly on time, some late/early/missing, a few
    mobile punches outside the geofence), a handful of letters, then a recompute of the month."""
    rnd = random.Random(seed)
    first, last = month_bounds(year, month)
    today = today or clock_of(session).today()
    last = min(last, today)
    emps = list(session.execute(select(Employee.id, Employee.unit_id, Employee.kind, Employee.gender)
                                .where(Employee.opd_id == opd_id).order_by(Employee.id)))
    pins = dict(session.execute(select(EmployeePin.employee_id, EmployeePin.pin)).all())
    book = ScheduleBook(session, first, last, ramadan_schedule="RAMADAN")
    existing = {(p, t) for p, t in session.execute(select(Punch.pin, Punch.ts).where(
        Punch.source_serial.in_(["DEMO-SN-01", "MOBILE"]), Punch.ts >= dt.datetime.combine(first, dt.time()),
        Punch.ts < dt.datetime.combine(last + dt.timedelta(days=2), dt.time())))}
    holidays = set(holiday_map(session, first, last))
    for emp_id, unit_id, _kind, _g in emps:
        pin = pins.get(emp_id, str(emp_id))
        habit = rnd.random()  # some people are habitually late
        for i, plan in enumerate(book.plans(emp_id, unit_id)):
            d = book.dates[i]
            if isinstance(plan, str) or (d in holidays and plan[2] == "fixed"):
                continue
            start, end = plan[0], plan[1]
            r = rnd.random()
            if r < 0.03:
                continue  # absent without a word
            late = rnd.randint(-25, -5)
            if habit > 0.8 and rnd.random() < 0.5:
                late = rnd.choice([5, 20, 31, 45, 75, 95])
            cin = start + dt.timedelta(minutes=late, seconds=rnd.randint(0, 59))
            cout = end + dt.timedelta(minutes=rnd.randint(0, 40))
            if rnd.random() < 0.04:
                cout = end - dt.timedelta(minutes=rnd.choice([15, 40, 70]))
            mobile = rnd.random() < 0.1
            for ts, keep in ((cin, rnd.random() > 0.02), (cout, rnd.random() > 0.04)):
                if not keep:
                    continue
                key = (pin, ts)
                if key in existing:
                    continue
                existing.add(key)
                if mobile:
                    outside = rnd.random() < 0.15
                    session.add(Punch(source="mobile", source_serial="MOBILE", pin=pin, ts=ts, employee_id=emp_id,
                                      flags="outside_geofence" if outside else "", distance_m=350.0 if outside else 25.0,
                                      phone_id=f"HP-{emp_id:04d}"))
                else:
                    session.add(Punch(source="device", source_serial="DEMO-SN-01", pin=pin, ts=ts, employee_id=emp_id,
                                      state=0 if ts == cin else 1))
    session.flush()
    if with_letters and emps:
        _demo_letters(session, rnd, emps, first, last, today)
    return recompute(session, year, month, policy_for_opd(session, opd_id), opd_id=opd_id, today=today)


def _demo_letters(session: Session, rnd: random.Random, emps: list, first: dt.date, last: dt.date,
                  today: dt.date) -> None:
    span = max(0, (last - first).days - 3)
    plan = [("CT", 3), ("DL", 2), ("S", 1), ("I", 1), ("DL", 1), ("CT", 2)]
    for n, (kind, days) in enumerate(plan):
        emp = emps[(n * 5 + 3) % len(emps)]
        d0 = first + dt.timedelta(days=rnd.randint(0, span))
        while d0.weekday() >= 5:  # letters start on a working day, like real ones
            d0 += dt.timedelta(days=1)
        number = f"{'851' if kind == 'CT' else '094'}/{n + 1:03d}/DEMO/{first.year}"
        create_letter(session, "operator", kind, number, d0 - dt.timedelta(days=2), d0,
                      d0 + dt.timedelta(days=days - 1), [emp[0]], note="data demo", today=today)
