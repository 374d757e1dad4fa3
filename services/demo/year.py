"""A whole year of a large office (default 5,000 employees), for the benchmarks of issue 14.

Employees, PINs, schedules and holidays go in through the ORM; the 2.5 M punches (two per working
day, ~1 % absent, some late or early) go in with plain ``executemany`` (the ORM would take minutes);
a few hundred letters are added, then every month is computed by the real engine
(``services.reconcile.engine.recompute_month``), so the day records are exactly what a real office
would hold after a year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select

from services.calendar.holidays import holiday_map, seed_holidays
from services.calendar.schedules import seed_standard_schedules
from services.demo.sample_org import FIRST_L, FIRST_P, JABATAN, LAST, create_sample_org
from services.reconcile.engine import recompute_month
from services.store.db import Database, open_database
from services.store.models import Employee, EmployeePin, Letter, LetterEmployee, WorkUnit

GENERATOR_VERSION = 1  # bump when the data below changes (the bench cache key includes it)
UNITS = [("BID1", "Bidang Pendidikan Dasar"), ("BID2", "Bidang Pendidikan Menengah"), ("BID3", "Bidang PAUD"),
         ("BID4", "Bidang Guru dan Tenaga Kependidikan"), ("UPT", "UPT Sekolah")]


@dataclass(frozen=True)
class YearDb:
    path: Path
    opd_id: int
    year: int
    employees: int
    punches: int
    day_records: int


def _ts(d: dt.date, minutes: int, seconds: int) -> str:
    t = dt.datetime.combine(d, dt.time()) + dt.timedelta(minutes=minutes, seconds=seconds)
    return t.isoformat(sep=" ", timespec="microseconds")


def _add_employees(db: Database, n: int, year: int) -> tuple[int, list[int]]:
    rnd = random.Random(11)
    with db.transaction() as s:
        org = create_sample_org(s, n_employees=min(n, 10))
        for code, name in UNITS:
            s.add(WorkUnit(opd_id=org.opd_id, code=code, name=name))
        s.flush()
        unit_ids = org.unit_ids + [u for (u,) in s.execute(select(WorkUnit.id).where(WorkUnit.code.in_([c for c, _ in UNITS])))]
        rows = []
        for i in range(len(org.employee_ids), n):
            gender = "L" if i % 2 else "P"
            name = f"{rnd.choice(FIRST_L if gender == 'L' else FIRST_P)} {rnd.choice(LAST)} {rnd.choice(LAST)}"
            rows.append({"opd_id": org.opd_id, "unit_id": unit_ids[i % len(unit_ids)], "nip": f"19{i:016d}",
                         "name": name, "kind": "PPPK" if i % 5 == 4 else "PNS", "gender": gender,
                         "jabatan": rnd.choice(JABATAN), "kelas_jabatan": rnd.randint(5, 9),
                         "tpp_base": rnd.choice([2_500_000, 3_000_000, 3_750_000]), "active_from": dt.date(2020, 1, 1),
                         "location_id": org.location_ids[0]})
        if rows:
            s.execute(insert(Employee), rows)
        ids = [e for (e,) in s.execute(select(Employee.id).where(Employee.opd_id == org.opd_id).order_by(Employee.id))]
        new = ids[len(org.employee_ids):]
        if new:
            s.execute(insert(EmployeePin), [{"employee_id": e, "pin": str(e)} for e in new])
        seed_standard_schedules(s, date_from=dt.date(year, 1, 1))
        seed_holidays(s, [year])
    return org.opd_id, ids


def _punch_rows(db: Database, ids: list[int], year: int) -> list[tuple]:
    rnd = random.Random(13)
    with db.session() as s:
        pins = dict(s.execute(select(EmployeePin.employee_id, EmployeePin.pin)).all())
        holidays = set(holiday_map(s, dt.date(year, 1, 1), dt.date(year, 12, 31)))
    days = [dt.date(year, 1, 1) + dt.timedelta(days=k) for k in range(366)]
    days = [d for d in days if d.year == year and d.weekday() < 5 and d not in holidays]
    rows: list[tuple] = []
    for e in ids:
        pin = pins.get(e, str(e))
        habit = rnd.random()
        for d in days:
            if rnd.random() < 0.01:
                continue  # absent without a word
            late = rnd.randint(-30, -5) if habit < 0.8 or rnd.random() < 0.6 else rnd.choice([5, 20, 45, 95])
            stay = rnd.randint(0, 45) if rnd.random() > 0.04 else -rnd.choice([15, 40, 70])
            end = 16 * 60 + (30 if d.weekday() == 4 else 0)
            rows.append(("device", "SN-YEAR", pin, _ts(d, 7 * 60 + 30 + late, rnd.randint(0, 59)), e, 0))
            rows.append(("device", "SN-YEAR", pin, _ts(d, end + stay, rnd.randint(0, 59)), e, 1))
    return rows


def _insert_punches(db: Database, rows: list[tuple]) -> None:
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        cur = raw.cursor()  # type: ignore[union-attr]
        cur.executemany(
            "INSERT INTO punch (source, source_serial, pin, ts, tz, employee_id, state, verify, captured_offline, flags)"
            " VALUES (?, ?, ?, ?, 'Asia/Jakarta', ?, ?, 1, 0, '')", rows)
        cur.close()
        raw.commit()  # type: ignore[union-attr]  # the DB-API transaction: SQLAlchemy did not begin one


def _add_letters(db: Database, ids: list[int], year: int, n: int) -> None:
    rnd = random.Random(17)
    with db.transaction() as s:
        for i in range(n):
            d0 = dt.date(year, rnd.randint(1, 12), rnd.randint(1, 25))
            lt = Letter(kind=rnd.choice(["CT", "DL", "S", "I"]), number=f"YEAR/{i}", letter_date=d0,
                        date_from=d0, date_to=d0 + dt.timedelta(days=rnd.randint(0, 3)))
            s.add(lt)
            s.flush()
            s.add(LetterEmployee(letter_id=lt.id, employee_id=rnd.choice(ids)))


def build_year_db(path: Path, n_employees: int = 5000, year: int = 2026,
                  progress: Callable[[str], None] = lambda _m: None) -> YearDb:
    """Build the database at ``path`` (which must not exist yet)."""
    db = open_database(path)
    try:
        opd_id, ids = _add_employees(db, n_employees, year)
        progress(f"{len(ids)} pegawai")
        rows = _punch_rows(db, ids, year)
        _insert_punches(db, rows)
        progress(f"{len(rows)} punch")
        _add_letters(db, ids, year, n_employees // 10)
        days = 0
        for month in range(1, 13):
            days += recompute_month(db, opd_id, year, month, today=dt.date(year + 1, 1, 15)).days
            progress(f"bulan {month} dihitung")
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.commit()
        return YearDb(Path(path), opd_id, year, len(ids), len(rows), days)
    finally:
        db.dispose()
