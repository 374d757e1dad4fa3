"""Month grid of the whole office on the year database, beside a plain fetch of the same rows.

usage: .venv/bin/python bench/month_grid_year_bench.py [--runs 5]
Project = ``services.reconcile.grid.month_grid`` for December, 5,000 employees (what the Rekonsiliasi
screen asks for). Floor = a plain sqlite3 fetch of the same day records with the grid's own statement
(``grid_sql``: the OPD's employees as a list subquery, ordered by employee and date). Target: <= 1.2x the plain
fetch. Also printed: building every cell and total of every row (what an export or a full sort does; the screen
builds only the rows it shows).
"""

from __future__ import annotations

import time

from support import median  # type: ignore[import-not-found]
from year_db import year_bench  # type: ignore[import-not-found]

from services.gcpause import gc_paused
from services.reconcile.grid import grid_sql, month_grid

FETCH = grid_sql(unit=False)  # the grid's own statement, so the ratio is what the grid adds to the fetch


def main() -> int:
    with year_bench(default_runs=5) as yb:
        project, floor, cpu, floor_cpu, everything, floor_paused = [], [], [], [], [], []
        for run in range(yb.runs):
            for which in ((0, 1) if run % 2 == 0 else (1, 0)):  # alternate the order so load drifts hit both
                t, c = time.perf_counter(), time.process_time()
                if which == 0:
                    with yb.db.session() as s:
                        grid = month_grid(s, 1, 2026, 12)
                    project.append(time.perf_counter() - t)
                    cpu.append(time.process_time() - c)
                    t = time.perf_counter()
                    for row in grid.rows:
                        row.cells, row.totals  # noqa: B018 - what an export or a sort on every row builds
                    everything.append(time.perf_counter() - t)
                else:
                    n = len(yb.con.execute(FETCH, (1, "2026-12-01", "2026-12-31")).fetchall())
                    floor.append(time.perf_counter() - t)
                    floor_cpu.append(time.process_time() - c)
                    with gc_paused():  # the floor as the grid fetches: without the cyclic collector
                        t = time.perf_counter()
                        yb.con.execute(FETCH, (1, "2026-12-01", "2026-12-31")).fetchall()
                        floor_paused.append(time.perf_counter() - t)
        p, f = median(project), median(floor)
        pc, fc = median(cpu), median(floor_cpu)
        print(f"month_grid: {p * 1000:.0f} ms ({pc * 1000:.0f} ms CPU), {len(grid.rows)} rows | plain fetch of "
              f"{n:,} day records: {f * 1000:.0f} ms ({fc * 1000:.0f} ms CPU) -> {p / f:.2f}x wall, "
              f"{pc / fc:.2f}x CPU (medians of {yb.runs}; target <= 1.2x)")
        fp = median(floor_paused)
        print(f"stricter floor, the same fetch with the garbage collector paused (as the grid runs it): "
              f"{fp * 1000:.0f} ms -> {p / fp:.2f}x wall")
        print(f"then every cell and total of all {len(grid.rows)} rows (export, sort by a column): "
              f"{median(everything) * 1000:.0f} ms more")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
