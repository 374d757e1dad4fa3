"""The month grid reads dates and times as storage text (parsed only for a tooltip): same cells as typed values."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from services.demo.month import seed_demo_month
from services.letters.kinds import CUTI_CODES
from services.reconcile.grid import _cell, month_grid
from services.store.models import DayRecord


def test_grid_cells_match_the_typed_day_records(db, org) -> None:
    with db.transaction() as s:
        seed_demo_month(s, org.opd_id, 2026, 1, today=dt.date(2026, 2, 10))
        some = s.execute(select(DayRecord.employee_id, DayRecord.date).where(DayRecord.status == "H").limit(3)).all()
        for emp, day in some:  # corrected days, apel answers and a midnight check-out on the next day
            s.execute(update(DayRecord).where(DayRecord.employee_id == emp, DayRecord.date == day).values(
                corrected=True, apel=False, check_out=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 30))))
    with db.session() as s:
        grid = month_grid(s, org.opd_id, 2026, 1)
        typed = {(r.employee_id, r.date): r for r in s.execute(select(DayRecord)).scalars()}
    assert len(grid.rows) == len(org.employee_ids)
    seen = 0
    for row in grid.rows:
        totals: dict[str, int] = {}
        for i, cell in enumerate(row.cells):
            rec = typed.get((row.employee_id, grid.days[i]))
            if rec is None:
                assert cell is None
                continue
            seen += 1
            want = _cell(rec.date, rec.status, rec.tl_tier, rec.psw_tier, rec.late_minutes, rec.early_minutes,
                         rec.check_in, rec.check_out, rec.flags or "", bool(rec.corrected), rec.apel,
                         rec.sched_start, rec.sched_end)
            assert cell is not None
            assert (cell.label, cell.category, cell.exception, cell.tooltip) == \
                (want.label, want.category, want.exception, want.tooltip)
            key = "CUTI" if rec.status in CUTI_CODES else ("S/I" if rec.status in ("S", "I") else rec.status)
            totals[key] = totals.get(key, 0) + 1
            for k, v in (("TL", rec.tl_tier), ("PSW", rec.psw_tier)):
                if v:
                    totals[k] = totals.get(k, 0) + 1
        assert row.totals == totals
    assert seen == len(typed)
    assert any("(" in c.tooltip for r in grid.rows for c in r.cells if c is not None and "*" in c.label)
