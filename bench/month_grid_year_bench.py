"""Month grid of the whole office on the year database, beside a plain fetch of the same rows.

usage: .venv/bin/python bench/month_grid_year_bench.py [--runs 5]
Project = ``services.reconcile.grid.month_grid`` for December, 5,000 employees (what the Rekonsiliasi
screen asks for). Floor = a plain sqlite3 fetch of the same columns of the same day records (joined to
the OPD's employees). Target: <= 1.2x the plain fetch.
"""

from __future__ import annotations

import argparse
import sqlite3
import time

from support import load_average, median  # type: ignore[import-not-found]
from year_db import year_db_path  # type: ignore[import-not-found]

from services.reconcile.grid import month_grid
from services.store.db import open_database

FETCH = ("SELECT d.employee_id, d.date, d.status, d.tl_tier, d.psw_tier, d.late_minutes, d.early_minutes, d.check_in, "
         "d.check_out, d.flags, d.corrected, d.apel, d.sched_start, d.sched_end FROM day_record d JOIN employee e "
         "ON e.id = d.employee_id WHERE e.opd_id = 1 AND d.date >= '2026-12-01' AND d.date <= '2026-12-31'")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    path = year_db_path()
    print(f"load average before: {load_average()}")
    db = open_database(path, migrate=False)
    con = sqlite3.connect(path)
    project, floor, cpu, floor_cpu = [], [], [], []
    for _ in range(args.runs):
        with db.session() as s:
            t, c = time.perf_counter(), time.process_time()
            grid = month_grid(s, 1, 2026, 12)
            project.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        n = len(con.execute(FETCH).fetchall())
        floor.append(time.perf_counter() - t)
        floor_cpu.append(time.process_time() - c)
    p, f = median(project), median(floor)
    pc, fc = median(cpu), median(floor_cpu)
    print(f"month_grid: {p * 1000:.0f} ms ({pc * 1000:.0f} ms CPU), {len(grid.rows)} rows | plain fetch of "
          f"{n:,} day records: {f * 1000:.0f} ms ({fc * 1000:.0f} ms CPU) -> {p / f:.2f}x wall, {pc / fc:.2f}x CPU "
          f"(medians of {args.runs}; target <= 1.2x)")
    print(f"load average after: {load_average()}")
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
