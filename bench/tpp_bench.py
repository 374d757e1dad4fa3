"""Benchmark: TPP month recap, PP 94 year summary, Excel export and notice PDF on a synthetic OPD.

Usage: .venv/bin/python -m bench.tpp_bench [n_employees]
Prints the figures; nothing is asserted (see tests for correctness).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from services.auth.users import SYSTEM_USER
from services.demo.sample_org import create_sample_org
from services.policy.discipline import discipline_summary
from services.policy.model import load_policy
from services.policy.tpp import month_recap
from services.reports.excel import export_tpp_excel
from services.reports.notices import NoticeRequest, create_notice_in
from services.store.db import open_database
from services.store.models import DayRecord


def main(n: int = 500) -> None:
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.sqlite")
        with db.transaction() as s:
            org = create_sample_org(s, n_employees=n)
        rows = []
        d = dt.date(2026, 1, 1)
        while d <= dt.date(2026, 12, 31):
            for emp in org.employee_ids:
                if d.weekday() >= 5:
                    rows.append(dict(employee_id=emp, date=d, status="LIBUR", working_day=False, flags=""))
                    continue
                x = rnd.random()
                status = "TK" if x < 0.01 else ("CT" if x < 0.03 else "H")
                late = rnd.choice([0, 0, 0, 5, 20, 45]) if status == "H" else 0
                rows.append(dict(employee_id=emp, date=d, status=status, working_day=True, late_minutes=late,
                                 tl_tier=0 if late == 0 else (1 if late <= 30 else 2), early_minutes=0, psw_tier=0,
                                 apel=(late == 0) if d.weekday() == 0 and status == "H" else None, flags=""))
            d += dt.timedelta(days=1)
        t0 = time.perf_counter()
        with db.transaction() as s:
            s.execute(insert(DayRecord), rows)
        print(f"seed: {len(rows):,} day records in {time.perf_counter() - t0:.2f} s")
        policy = load_policy("kotawaringin_timur")
        with db.session() as s:
            t0 = time.perf_counter()
            recap = month_recap(s, org.opd_id, 2026, 3, policy)
            t_recap = time.perf_counter() - t0
            t0 = time.perf_counter()
            disc = discipline_summary(s, org.opd_id, 2026, policy)
            t_disc = time.perf_counter() - t0
        print(f"month_recap: {n} employees x 1 month in {t_recap * 1000:.0f} ms")
        print(f"discipline_summary: {n} employees x 1 year ({len(rows):,} rows) in {t_disc * 1000:.0f} ms; "
              f"{sum(1 for r in disc if r.level)} reach a tier")
        t0 = time.perf_counter()
        export_tpp_excel(recap, Path(tmp) / "tpp.xlsx", opd_name="Bench", year=2026, month=3,
                         generated_at=dt.datetime(2026, 4, 1, 8, 0))
        print(f"export_tpp_excel: {n} rows in {(time.perf_counter() - t0) * 1000:.0f} ms")
        t0 = time.perf_counter()
        for i in range(10):
            create_notice_in(db, SYSTEM_USER, NoticeRequest(kind="SP1", employee_id=org.employee_ids[i + 1],
                                                            letter_date=dt.date(2026, 3, 9),
                                                            exam_date=dt.date(2026, 3, 12), place="Ruang Rapat"))
        print(f"create_notice_in (SP1 PDF + number + audit): {(time.perf_counter() - t0) * 100:.0f} ms each")
        db.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
