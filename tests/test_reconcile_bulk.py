"""The whole-month write path (more than 20,000 day rows): upsert in place and removal of stale rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, select

from services.calendar.schedules import seed_standard_schedules
from services.policy.model import load_policy
from services.reconcile.engine import recompute
from services.store.models import DayRecord, Employee
from tests.reconcile_helpers import d, punches, record

POLICY = load_policy("default")


def test_big_month_upsert_and_stale_rows(db, org):
    with db.transaction() as s:
        seed_standard_schedules(s)
        s.execute(insert(Employee), [{"opd_id": org.opd_id, "unit_id": org.unit_ids[0], "nip": f"X{i:06d}",
                                      "name": f"Pegawai {i}", "kind": "PNS"} for i in range(700)])
        n_emp = s.execute(select(func.count(Employee.id))).scalar()
        res = recompute(s, 2026, 1, POLICY, today=d("2026-02-01"))
    assert res.days == n_emp * 31 > 20000
    e = org.employee_ids[0]
    with db.transaction() as s:
        assert record(s, e, "2026-01-14").status == "TK"
        punches(s, e, "2026-01-14 07:31:00", "2026-01-14 16:00:00")
        s.get(Employee, org.employee_ids[1]).active_to = dt.date(2026, 1, 9)
        res = recompute(s, 2026, 1, POLICY, today=d("2026-01-20"))  # as if run on the 20th: later days go
    with db.session() as s:
        r = record(s, e, "2026-01-14")
        assert (r.status, r.late_minutes, r.tl_tier) == ("H", 1, 1)
        total = s.execute(select(func.count()).select_from(DayRecord)).scalar()
        assert total == res.days == (n_emp - 1) * 20 + 9
        assert record(s, e, "2026-01-21") is None
        assert record(s, org.employee_ids[1], "2026-01-12") is None


def test_cancel_rolls_back_the_month(db, org):
    from services.jobs import Cancelled, CancelToken
    from services.reconcile.engine import recompute_month

    token = CancelToken()
    seen: list[str] = []

    def progress(done: int, total: int, message: str = "") -> None:
        seen.append(message)
        if message == "Menghitung status harian":
            token.cancel()  # the user presses "Batal" while the month is being computed

    with db.transaction() as s:
        seed_standard_schedules(s)
    with pytest.raises(Cancelled):
        recompute_month(db, org.opd_id, 2026, 1, today=d("2026-02-01"), progress=progress, cancel=token)
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(DayRecord)).scalar() == 0
    assert "Memuat data bulan ini" in seen
    res = recompute_month(db, org.opd_id, 2026, 1, today=d("2026-02-01"))
    assert res.days == 12 * 31


@pytest.mark.sqlite_only  # PRAGMA foreign_keys: PostgreSQL's month job never switches its checks off
def test_month_job_leaves_foreign_keys_on(db, org):
    from services.reconcile.engine import recompute_month

    with db.transaction() as s:
        seed_standard_schedules(s)
    res = recompute_month(db, org.opd_id, 2026, 1, today=d("2026-02-01"))
    assert res.days == 12 * 31
    for _ in range(3):  # whichever pooled connection comes back enforces foreign keys again
        with db.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(DayRecord)).scalar() == 12 * 31
