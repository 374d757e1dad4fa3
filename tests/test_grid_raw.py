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


def test_grid_rows_follow_unit_then_name_and_the_unit_filter(db, org) -> None:
    """The grid's staff list (driver cursor on SQLite, Core elsewhere): ordered by unit then name, one unit when asked."""
    from services.store.models import Employee, WorkUnit

    with db.transaction() as s:
        seed_demo_month(s, org.opd_id, 2026, 1, today=dt.date(2026, 2, 10))
        want = [(e.id, e.name, u.name if u else "-") for e, u in s.execute(
            select(Employee, WorkUnit).join(WorkUnit, WorkUnit.id == Employee.unit_id, isouter=True)
            .where(Employee.opd_id == org.opd_id)).all()]
    want.sort(key=lambda r: (r[2], r[1]))
    with db.session() as s:
        grid = month_grid(s, org.opd_id, 2026, 1)
        assert [(r.employee_id, r.name, r.unit) for r in grid.rows] == want
        unit = org.unit_ids[1]
        one = month_grid(s, org.opd_id, 2026, 1, unit_id=unit)
        members = {e for (e,) in s.execute(select(Employee.id).where(Employee.unit_id == unit))}
    assert {r.employee_id for r in one.rows} == members and members
    def labels(rows):  # type: ignore[no-untyped-def]
        return [[c.label if c else None for c in r.cells] for r in rows]
    assert labels(one.rows) == labels([r for r in grid.rows if r.employee_id in members])
    assert sum(r.computed_days for r in one.rows) == sum(1 for r in one.rows for c in r.cells if c is not None) > 0
    assert [r.has_exception for r in grid.rows] == [any(c is not None and c.exception for c in r.cells)
                                                    for r in grid.rows]
