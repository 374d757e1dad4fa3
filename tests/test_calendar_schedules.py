"""Schedules (5-day, 6-day, Ramadan, per unit / employee, parent units) and holidays seeding/editing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.calendar.holidays import HolidayError, add_holiday, list_holidays, remove_holiday, seed_holidays
from services.calendar.schedules import OFF_WEEKLY, ScheduleBook, assign_schedule, seed_standard_schedules
from services.policy.model import load_policy
from services.reconcile.engine import recompute
from services.store.models import AuditEvent, Employee, WorkUnit
from tests.reconcile_helpers import d, punches, record

POLICY = load_policy("default")


def test_holiday_seed_2026_matches_skb(db):
    with db.transaction() as s:
        added = seed_holidays(s, [2026])
        assert seed_holidays(s, [2026]) == 0  # idempotent
    with db.session() as s:
        rows = list_holidays(s, 2026)
    national = {r.date for r in rows if r.kind == "nasional"}
    cb = {r.date for r in rows if r.kind == "cuti_bersama"}
    off_days = [r for r in rows if r.kind in ("nasional", "cuti_bersama", "daerah")]
    assert len(off_days) == 25
    ramadan = sorted(r.date for r in rows if r.kind == "ramadan")
    assert (ramadan[0], ramadan[-1], len(ramadan)) == (d("2026-02-19"), d("2026-03-20"), 30)  # Kemenag isbat 1447 H
    upacara = {f"{r.date:%m-%d}" for r in rows if r.kind == "upacara"}
    assert {"10-01", "10-28"} <= upacara
    assert added == len(rows) == 25 + 30 + len(upacara)
    expected_national = {"01-01", "01-16", "02-17", "03-19", "03-21", "03-22", "04-03", "04-05", "05-01", "05-14",
                         "05-27", "05-31", "06-01", "06-16", "08-17", "08-25", "12-25"}
    assert {f"{x:%m-%d}" for x in national} == expected_national
    assert {f"{x:%m-%d}" for x in cb} == {"02-16", "03-18", "03-20", "03-23", "03-24", "05-15", "05-28", "12-24"}


def test_cuti_bersama_and_regional_days_are_editable(db, org):
    with db.transaction() as s:
        seed_holidays(s, [2026])
        h = add_holiday(s, "operator", d("2026-01-28"), "Hari jadi Kabupaten", "daerah")
        with pytest.raises(HolidayError, match="sudah ada"):
            add_holiday(s, "operator", d("2026-01-28"), "Dobel", "daerah")
        with pytest.raises(HolidayError, match="tidak dikenal"):
            add_holiday(s, "operator", d("2026-01-29"), "X", "bebas")
        cb = next(r for r in list_holidays(s, 2026) if r.date == d("2026-02-16"))
        remove_holiday(s, "operator", cb.id)  # e.g. a revised SKB drops a day
        seed_standard_schedules(s)
        e = org.employee_ids[0]
        punches(s, e, "2026-02-16 07:20:00", "2026-02-16 16:10:00")
        recompute(s, 2026, 1, POLICY, today=d("2026-03-01"))
        recompute(s, 2026, 2, POLICY, today=d("2026-03-01"))
        assert record(s, e, "2026-01-28").status == "LIBUR"
        assert record(s, e, "2026-02-16").status == "H"
        actions = {a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.entity == "holiday"))}
        assert {"holiday.seed", "holiday.add", "holiday.remove"} <= actions
        assert h.id


def test_assignment_precedence_ramadan_six_day_parent_unit(db, org):
    with db.transaction() as s:
        ids = seed_standard_schedules(s, date_from=d("2026-01-01"))
        child = WorkUnit(opd_id=org.opd_id, parent_id=org.unit_ids[1], code="SUB", name="Seksi Persandian")
        s.add(child)
        s.flush()
        emp_child = s.get(Employee, org.employee_ids[1])
        emp_child.unit_id = child.id
        assign_schedule(s, "op", ids["6H"], d("2026-02-01"), unit_id=org.unit_ids[1])  # parent unit -> child inherits
        assign_schedule(s, "op", ids["RAMADAN"], d("2026-02-19"), d("2026-03-19"))  # global Ramadan
        assign_schedule(s, "op", ids["5H"], d("2026-02-01"), employee_id=org.employee_ids[4])  # person override
        s.flush()
        book = ScheduleBook(s, d("2026-02-16"), d("2026-02-23"))
        std = book.plans(org.employee_ids[0], org.unit_ids[0])
        six = book.plans(emp_child.id, child.id)
        person = book.plans(org.employee_ids[4], org.unit_ids[1])
    # Mon 16 Feb: standard 07:30-16:00; Thu 19 Feb: Ramadan 08:00-15:00 at global level
    assert std[0][0] == dt.datetime(2026, 2, 16, 7, 30) and std[0][1] == dt.datetime(2026, 2, 16, 16, 0)
    assert std[3][0] == dt.datetime(2026, 2, 19, 8, 0) and std[3][1] == dt.datetime(2026, 2, 19, 15, 0)
    assert std[5] == OFF_WEEKLY  # Saturday
    # six-day unit (via parent) beats the global Ramadan schedule and works Saturday
    assert six[5][0] == dt.datetime(2026, 2, 21, 7, 30) and six[5][1] == dt.datetime(2026, 2, 21, 14, 0)
    assert six[3][1] == dt.datetime(2026, 2, 19, 15, 0)  # its Thursday ends 15:00 too (Mon-Thu 07:30-15:00)
    assert six[3][0] == dt.datetime(2026, 2, 19, 7, 30)
    # employee-level 5H wins over the unit's 6H
    assert person[5] == OFF_WEEKLY


def test_ramadan_hours_change_lateness(db, org):
    e = org.employee_ids[0]
    with db.transaction() as s:
        ids = seed_standard_schedules(s, date_from=d("2026-01-01"))
        assign_schedule(s, "op", ids["RAMADAN"], d("2026-02-19"), d("2026-03-19"))
        punches(s, e, "2026-02-18 07:50:00", "2026-02-18 16:00:00", "2026-02-19 07:50:00", "2026-02-19 15:00:00")
        recompute(s, 2026, 2, POLICY, employee_ids=[e], dates=[d("2026-02-18"), d("2026-02-19")], today=d("2026-03-01"))
        assert record(s, e, "2026-02-18").tl_tier == 1  # 20 min late on normal hours
        r = record(s, e, "2026-02-19")
        assert (r.late_minutes, r.tl_tier, r.psw_tier) == (0, 0, 0)  # on time for Ramadan 08:00-15:00
