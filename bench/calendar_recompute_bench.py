"""Cost of the automatic recompute behind a calendar edit (holiday, schedule assignment, roster cell).

usage: .venv/bin/python bench/calendar_recompute_bench.py [DB] [N_EMPLOYEES]
Without DB a demo office is built in a temporary folder (services.demo.build.build_demo, 2 months, no central).
Each edit runs in its own transaction on a copy of the demo and is undone (rolled back) afterwards,
so every figure starts from the same data. Prints milliseconds per edit (median of 5).
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _timed(db, fn) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(5):
        s = db.session()
        try:
            s.begin()
            t = time.perf_counter()
            fn(s)
            runs.append((time.perf_counter() - t) * 1000)
        finally:
            s.rollback()
            s.close()
    return statistics.median(runs)


def main() -> int:
    from sqlalchemy import select

    from services.calendar.holidays import add_holiday
    from services.calendar.schedules import assign_schedule, set_roster
    from services.demo.build import build_demo
    from services.store.db import open_database
    from services.store.models import DayRecord, Employee, Period, Schedule, ScheduleAssignment

    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    tmp = Path(tempfile.mkdtemp(prefix="calbench-"))
    if len(sys.argv) > 1 and sys.argv[1] != "-":
        src = Path(sys.argv[1])
    else:
        src = tmp / "demo.sqlite"
        t = time.perf_counter()
        build_demo(src, n, 2, with_central=False)
        print(f"demo built: {n} employees, 2 months in {time.perf_counter() - t:.1f} s")
    path = tmp / "bench.sqlite"
    shutil.copy(src, path)
    db = open_database(path)
    with db.session() as s:
        last = s.execute(select(DayRecord.date).order_by(DayRecord.date.desc()).limit(1)).scalar()
        locked = {(y, m) for y, m in s.execute(select(Period.year, Period.month).where(Period.status != "open"))}
        employees = s.execute(select(Employee.id).where(Employee.active_to.is_(None))).scalars().all()
        six = s.execute(select(Schedule.id).where(Schedule.code == "6H")).scalar()
        roster_unit = s.execute(select(ScheduleAssignment.unit_id).join(Schedule, Schedule.id == ScheduleAssignment.schedule_id)
                                .where(Schedule.kind == "roster")).scalar()
        roster_emp = s.execute(select(Employee.id).where(Employee.unit_id == roster_unit)).scalar()
        unit = s.execute(select(Employee.unit_id).where(Employee.unit_id != roster_unit)).scalar()
    today = last
    assert (today.year, today.month) not in locked, "the newest month must be open"
    day = today - dt.timedelta(days=1)
    month_start = today.replace(day=1)
    print(f"employees: {len(employees)}, today = {today}, edited day = {day}")
    rows = [
        ("holiday added (1 date x all employees)",
         lambda s: add_holiday(s, "bench", day, "Libur bench", "daerah", today=today)),
        ("6-day schedule to one unit from the 1st (unit x month so far)",
         lambda s: assign_schedule(s, "bench", six, month_start, unit_id=unit, today=today)),
        ("6-day schedule to everyone from the 1st (all x month so far)",
         lambda s: assign_schedule(s, "bench", six, month_start, today=today)),
        ("roster cell changed (1 employee x 3 days)",
         lambda s: set_roster(s, "bench", roster_emp, day, "P", today=today)),
    ]
    for label, fn in rows:
        print(f"{label:<66} {_timed(db, fn):7.0f} ms")
    db.engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
