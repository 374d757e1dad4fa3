"""The reconcile engine's month punch load on the year database: bounded by ix_punch_ts_employee.

usage: .venv/bin/python bench/punch_load_bench.py [--runs 5]
Project = ``services.reconcile.load.load_punches`` for December (2.4 M punches of history in the table).
Floor = a plain fetch of the same month's punch rows (``SELECT employee_id, ts FROM punch WHERE ts ...``)
through the same index. Peer = the same load with the index ignored (``NOT INDEXED`` style: the plan before
0007 walked the whole table). It also prints the query plans. Target: index-bounded, independent of history.
"""

from __future__ import annotations

import datetime as dt
import time

from support import median  # type: ignore[import-not-found]
from year_db import YearBench, year_bench  # type: ignore[import-not-found]

from services.reconcile.load import load_punches

LO, HI = dt.date(2026, 11, 30), dt.date(2027, 1, 2)  # December with its neighbour days, as load_month asks


def main() -> int:
    with year_bench(default_runs=5) as yb:
        _measure(yb)
    return 0


def _measure(yb: YearBench) -> None:
    db, con, args = yb.db, yb.con, yb
    total = con.execute("SELECT count(*) FROM punch").fetchone()[0]
    sql = "SELECT employee_id, ts FROM punch WHERE employee_id IS NOT NULL AND ts >= ? AND ts < ?"
    params = (LO.isoformat(), HI.isoformat())
    plan = con.execute("EXPLAIN QUERY PLAN SELECT p.employee_id, group_concat(p.ts, '|') FROM punch p WHERE "
                       "p.employee_id IS NOT NULL AND p.ts >= ? AND p.ts < ? GROUP BY p.employee_id", params).fetchall()
    print("plan of the month load:", "; ".join(r[-1] for r in plan))
    project, floor, peer = [], [], []
    month_rows = 0
    for _ in range(args.runs):
        with db.session() as s:
            t = time.perf_counter()
            got, _void = load_punches(s, LO, HI, None)
            project.append(time.perf_counter() - t)
        t = time.perf_counter()
        month_rows = len(con.execute(sql, params).fetchall())
        floor.append(time.perf_counter() - t)
        t = time.perf_counter()
        con.execute("SELECT p.employee_id, group_concat(p.ts, '|') FROM punch p NOT INDEXED WHERE "
                    "p.employee_id IS NOT NULL AND p.ts >= ? AND p.ts < ? GROUP BY p.employee_id", params).fetchall()
        peer.append(time.perf_counter() - t)
    p, f, q = median(project), median(floor), median(peer)
    print(f"punches in the table: {total:,}; in the month window: {month_rows:,} ({len(got)} employees)")
    print(f"project load_punches: {p * 1000:.0f} ms | floor plain fetch: {f * 1000:.0f} ms -> {p / f:.2f}x | "
          f"without the index (whole table, as before 0007): {q * 1000:.0f} ms (medians of {args.runs})")


if __name__ == "__main__":
    raise SystemExit(main())
