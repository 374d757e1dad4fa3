"""Reconcile benchmark: 5,000 employees x 31 days, 2 punches/day, 500 letters.

Prints (1) the full-month recompute time (target <= 2 s) and (2) the time of one letter
change recomputing only its days (target <= 50 ms). Usage:
    .venv/bin/python bench/reconcile_bench.py [--employees 5000] [--store sqlite|postgresql]

With ``--store postgresql`` the same month runs on a fresh PostgreSQL database (the multi-PC OPD store).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from bench.store_support import add_store_args, drop_bench_stores, open_bench_store  # noqa: E402
from services.calendar.holidays import seed_holidays  # noqa: E402
from services.calendar.schedules import seed_standard_schedules  # noqa: E402
from services.demo.sample_org import create_sample_org  # noqa: E402
from services.letters.register import create_letter, update_letter  # noqa: E402
from services.policy.model import load_policy  # noqa: E402
from services.reconcile.engine import recompute_month  # noqa: E402
from services.store.models import Employee, EmployeePin, Letter, LetterEmployee, Punch  # noqa: E402

YEAR, MONTH = 2026, 1
TODAY = dt.date(2026, 2, 15)


def build(args: argparse.Namespace, tmp: Path, n_emp: int, n_letters: int) -> tuple:
    db = open_bench_store(args, tmp, "reconcile")
    rnd = random.Random(7)
    with db.transaction() as s:
        org = create_sample_org(s, n_employees=0, with_users=False)
        s.execute(insert(Employee), [
            {"opd_id": org.opd_id, "unit_id": org.unit_ids[i % 3], "nip": f"B{i:08d}", "name": f"Pegawai {i}",
             "kind": "PNS" if i % 5 else "PPPK", "gender": "L" if i % 2 else "P", "active_from": dt.date(2020, 1, 1)}
            for i in range(n_emp)])
        emp_ids = [r[0] for r in s.execute(Employee.__table__.select().with_only_columns(Employee.id).order_by(Employee.id))]
        s.execute(insert(EmployeePin), [{"employee_id": e, "pin": str(e)} for e in emp_ids])
        seed_standard_schedules(s)
        seed_holidays(s, [YEAR])
    punches = []
    for day in range(1, 32):
        d = dt.date(YEAR, MONTH, day)
        for e in emp_ids:
            cin = dt.datetime.combine(d, dt.time(7, 0)) + dt.timedelta(minutes=rnd.randint(0, 75))
            cout = dt.datetime.combine(d, dt.time(15, 40)) + dt.timedelta(minutes=rnd.randint(0, 80))
            punches.append({"source": "device", "source_serial": "SN-BENCH", "pin": str(e), "ts": cin, "employee_id": e})
            punches.append({"source": "device", "source_serial": "SN-BENCH", "pin": str(e), "ts": cout, "employee_id": e})
    with db.transaction() as s:
        for i in range(0, len(punches), 50000):
            s.execute(insert(Punch), punches[i:i + 50000])
        for i in range(n_letters):
            d0 = dt.date(YEAR, MONTH, rnd.randint(1, 28))
            lt = Letter(kind=rnd.choice(["CT", "DL", "S", "I"]), number=f"BENCH/{i}", letter_date=d0,
                        date_from=d0, date_to=d0 + dt.timedelta(days=rnd.randint(0, 3)))
            s.add(lt)
            s.flush()
            s.add(LetterEmployee(letter_id=lt.id, employee_id=rnd.choice(emp_ids)))
    return db, emp_ids, len(punches), org.opd_id


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, default=5000)
    ap.add_argument("--letters", type=int, default=500)
    add_store_args(ap)
    args = ap.parse_args()
    try:
        return _run(args)
    finally:
        drop_bench_stores()


def _run(args: argparse.Namespace) -> int:
    policy = load_policy("kotawaringin_timur")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        db, emp_ids, n_punch, opd_id = build(args, Path(tmp), args.employees, args.letters)
        print(f"store={args.store}; data: {len(emp_ids)} pegawai, {n_punch} punch, {args.letters} surat "
              f"(disiapkan dalam {time.perf_counter() - t0:.1f} s)")
        # cold = the month has no DayRecords yet; warm = re-run over a computed month (replaced wholesale)
        runs: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": []}
        for _ in range(3):
            with db.transaction() as s:
                s.connection().exec_driver_sql("DELETE FROM day_record")
            for kind in ("cold", "warm"):
                t, c = time.perf_counter(), time.process_time()
                res = recompute_month(db, opd_id, YEAR, MONTH, today=TODAY)  # what the screen / CLI / demo run
                runs[kind].append((time.perf_counter() - t, time.process_time() - c))
        for kind, vals in runs.items():
            wall = statistics.median(v[0] for v in vals)
            cpu = statistics.median(v[1] for v in vals)
            print(f"full-month recompute ({kind}): {wall:.2f} s wall, {cpu:.2f} s CPU "
                  f"(median of {len(vals)}, incl. commit; {res.days} day records; target <= 2 s)")
        inc = []
        rnd = random.Random(3)
        letter_id = None
        for k in range(10):
            emp = rnd.choice(emp_ids)
            d0 = dt.date(YEAR, MONTH, rnd.randint(5, 25))
            t = time.perf_counter()
            with db.transaction() as s:
                if letter_id is None:
                    letter_id = create_letter(s, "bench", "DL", f"ST/{k}", d0, d0, d0 + dt.timedelta(days=2), [emp],
                                              policy=policy, today=TODAY).id
                else:
                    update_letter(s, "bench", letter_id, kind="DL", number=f"ST/{k}", letter_date=d0, date_from=d0,
                                  date_to=d0 + dt.timedelta(days=2), employee_ids=[emp], policy=policy, today=TODAY)
            inc.append(time.perf_counter() - t)
        print(f"one letter change (incremental, incl. commit + audit): median {statistics.median(inc) * 1000:.1f} ms, "
              f"max {max(inc) * 1000:.1f} ms (target <= 50 ms)")
        print("load average (1/5/15 min): " + " / ".join(f"{x:.2f}" for x in os.getloadavg()))
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
