"""One employee's PP 94 year (notice letters, the employee's history): beside a plain fetch of that year.

usage: .venv/bin/python bench/employee_history_bench.py [--runs 50]
Project = ``services.policy.discipline.discipline_for_employee`` on the 5,000-employee year database
(bench/year_db.py), for employees with and without TK days. Floor = a plain fetch of the same
employee's year of day records (``SELECT * FROM day_record WHERE employee_id = ? AND date ...``).
Target <= 10 ms (it used to run the office-wide summary and filter it: 116 ms).
"""

from __future__ import annotations

import time

from support import median  # type: ignore[import-not-found]
from year_db import YEAR, YearBench, year_bench  # type: ignore[import-not-found]

from services.policy.discipline import discipline_for_employee
from services.policy.model import load_policy


def main() -> int:
    with year_bench(default_runs=50) as yb:
        _measure(yb)
    return 0


def _measure(yb: YearBench) -> None:
    db, con, args = yb.db, yb.con, yb
    policy = load_policy("kotawaringin_timur")
    employees = [e for (e,) in con.execute("SELECT id FROM employee ORDER BY id")]
    project, floor = [], []
    with db.session() as s:
        discipline_for_employee(s, 1, employees[0], YEAR, policy)  # warm the connection and the policy
        for k in range(args.runs):
            emp = employees[(k * 97) % len(employees)]
            t = time.perf_counter()
            discipline_for_employee(s, 1, emp, YEAR, policy)
            project.append(time.perf_counter() - t)
            t = time.perf_counter()
            con.execute("SELECT * FROM day_record WHERE employee_id = ? AND date BETWEEN ? AND ?",
                        (emp, f"{YEAR}-01-01", f"{YEAR}-12-31")).fetchall()
            floor.append(time.perf_counter() - t)
    p, f = median(project) * 1000, median(floor) * 1000
    print(f"discipline_for_employee: median {p:.1f} ms, max {max(project) * 1000:.1f} ms ({args.runs} employees)")
    print(f"floor, plain fetch of the year's day records: median {f:.1f} ms -> {p / f:.1f}x (target <= 10 ms)")


if __name__ == "__main__":
    raise SystemExit(main())
