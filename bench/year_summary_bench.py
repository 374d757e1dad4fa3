"""PP 94 year summary of a 5,000-employee office (bench/year_db.py): time and memory beside a plain scan.

usage: .venv/bin/python bench/year_summary_bench.py [--runs 3]
Project = ``services.policy.discipline.discipline_summary`` for the whole year (as the TPP & Disiplin
screen and the Excel export call it). Floor = one plain aggregate over the same year of day records
(``SELECT employee_id, count(*), sum(late_minutes) ... GROUP BY employee_id``): the least any summary
has to read. Each run in its own process; peak RSS per process. Targets: <= 2 s, <= 200 MiB.
"""

from __future__ import annotations

import argparse
import time

from support import in_child, load_average, median  # type: ignore[import-not-found]
from year_db import YEAR, year_db_path  # type: ignore[import-not-found]


def project(path: str) -> tuple[float, int]:
    from services.policy.discipline import discipline_summary
    from services.policy.model import load_policy
    from services.store.db import open_database

    db = open_database(path, migrate=False)
    policy = load_policy("kotawaringin_timur")
    with db.session() as s:
        t = time.perf_counter()
        rows = discipline_summary(s, 1, YEAR, policy)
        secs = time.perf_counter() - t
    db.dispose()
    return secs, sum(1 for r in rows if r.level)


def floor(path: str) -> tuple[float, int]:
    import sqlite3

    con = sqlite3.connect(path)
    t = time.perf_counter()
    rows = con.execute("SELECT employee_id, count(*), sum(late_minutes) FROM day_record WHERE employee_id IN "
                       "(SELECT id FROM employee WHERE opd_id = 1) AND date BETWEEN ? AND ? GROUP BY employee_id",
                       (f"{YEAR}-01-01", f"{YEAR}-12-31")).fetchall()
    secs = time.perf_counter() - t
    con.close()
    return secs, len(rows)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    path = str(year_db_path())
    print(f"database: {path}")
    print(f"load average before: {load_average()}")
    got: dict[str, list[tuple[float, float]]] = {"project": [], "floor": []}
    levels = 0
    for _ in range(args.runs):
        (secs, levels), peak = in_child(project, path)
        got["project"].append((secs, peak))
        (secs, _n), peak = in_child(floor, path)
        got["floor"].append((secs, peak))
    p, f = (median([v[0] for v in got[k]]) for k in ("project", "floor"))
    for k, vals in got.items():
        print(f"{k:8s}: {median([v[0] for v in vals]):.2f} s (median of {len(vals)}), peak RSS "
              f"{max(v[1] for v in vals):.0f} MiB")
    print(f"year summary / plain aggregate = {p / f:.2f}x; {levels} employees reach a PP 94 tier "
          f"(targets: <= 2 s, <= 200 MiB)")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
