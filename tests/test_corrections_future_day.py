"""A day that has not happened yet cannot be corrected: the correction service refuses it (not the screen)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from services.auth.users import CurrentUser
from services.calendar.schedules import seed_standard_schedules
from services.errors import BadInputError, UserError
from services.policy.model import load_policy
from services.reconcile.corrections import CorrectionError, add_correction, check_day_correctable
from services.store.models import AuditEvent, Correction
from tests.reconcile_helpers import record

POLICY = load_policy("kotawaringin_timur")
OPERATOR = CurrentUser(id=2, username="operator", full_name="Op", roles=frozenset({"operator"}))
MESSAGE = "Tanggal ini belum terjadi; belum ada yang bisa dikoreksi."


def test_rule_refuses_only_days_after_today():
    today = dt.date(2026, 11, 25)
    check_day_correctable(today, today)
    check_day_correctable(dt.date(2026, 11, 24), today)
    with pytest.raises(CorrectionError) as info:
        check_day_correctable(dt.date(2026, 11, 26), today)
    assert str(info.value) == MESSAGE
    assert isinstance(info.value, BadInputError) and isinstance(info.value, UserError)


def test_add_correction_refuses_a_future_day_and_writes_nothing(db, org):
    with db.transaction() as s:
        seed_standard_schedules(s)
    e = org.employee_ids[0]
    tomorrow = db.clock.today() + dt.timedelta(days=1)
    with pytest.raises(CorrectionError, match="^Tanggal ini belum terjadi"), db.transaction() as s:
        add_correction(s, OPERATOR, e, tomorrow, "status", "DL", "Tugas ke provinsi", policy=POLICY)
    # an explicit "today" decides too (the screen passes the office clock's)
    with pytest.raises(CorrectionError, match="^Tanggal ini belum terjadi"), db.transaction() as s:
        add_correction(s, OPERATOR, e, dt.date(2026, 1, 6), "status", "DL", "Tugas ke provinsi", policy=POLICY,
                       today=dt.date(2026, 1, 5))
    with db.session() as s:
        assert s.execute(select(func.count(Correction.id))).scalar() == 0
        assert s.execute(select(func.count(AuditEvent.id)).where(AuditEvent.action == "correction.add")).scalar() == 0
    # today itself is correctable
    with db.transaction() as s:
        add_correction(s, OPERATOR, e, db.clock.today(), "status", "DL", "Tugas ke provinsi", policy=POLICY)
    with db.session() as s:
        r = record(s, e, db.clock.today().isoformat())
        assert r is not None and (r.status, r.corrected) == ("DL", True)
