"""Full-month recompute (5,000 employees x 31 days) on the year database, CPU time beside a plain rewrite.

usage: .venv/bin/python bench/recompute_year_bench.py [--runs 3]
Project = ``services.reconcile.engine.recompute_month`` for December on a private copy of the year DB
(2.4 M punches of history; the month's day records already there, as when an operator recomputes).
Floor = the same 155 k day records read raw and written back with one ``INSERT OR REPLACE`` executemany
(what any recompute must at least write), same database, same run. CPU time is the figure on this shared
machine (wall time is printed too). Target <= 1.2 s CPU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import tempfile
from pathlib import Path

from support import load_average, median, timed  # type: ignore[import-not-found]
from year_db import year_db_copy  # type: ignore[import-not-found]

from services.reconcile.engine import recompute_month
from services.store.db import open_database


def floor_rewrite(path: Path) -> None:
    con = sqlite3.connect(path)
    rows = con.execute("SELECT * FROM day_record WHERE date >= '2026-12-01' AND date <= '2026-12-31'").fetchall()
    marks = ", ".join("?" * len(rows[0]))
    con.execute("BEGIN")
    con.executemany(f"INSERT OR REPLACE INTO day_record VALUES ({marks})", rows)
    con.commit()
    con.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = year_db_copy(Path(tmp))
        print(f"load average before: {load_average()}")
        db = open_database(path, migrate=False)
        project, floor = [], []
        days = 0
        for _ in range(args.runs):
            wall, cpu, res = timed(lambda: recompute_month(db, 1, 2026, 12, today=dt.date(2027, 1, 15)))
            project.append((wall, cpu))
            days = res.days
            floor.append(timed(lambda: floor_rewrite(path))[:2])
        pw, pc = median([p[0] for p in project]), median([p[1] for p in project])
        fw, fc = median([f[0] for f in floor]), median([f[1] for f in floor])
        print(f"recompute_month (Dec, {days:,} day records): {pc:.2f} s CPU ({pw:.2f} s wall) | floor, plain rewrite "
              f"of the same rows: {fc:.2f} s CPU ({fw:.2f} s wall) -> {pc / fc:.2f}x CPU (medians of {args.runs}; "
              f"target <= 1.2 s CPU)")
        print(f"load average after: {load_average()}")
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
