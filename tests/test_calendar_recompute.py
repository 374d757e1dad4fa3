"""Calendar edits (holidays, schedule assignments, rosters) recompute exactly the days they touch."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.auth.users import CurrentUser
from services.calendar.holidays import add_holiday, remove_holiday, update_holiday
from services.calendar.schedules import assign_schedule, remove_assignment, seed_standard_schedules, set_roster
from services.policy.model import load_policy
from services.reconcile.engine import recompute
from services.reconcile.period import PeriodLockedError, lock_period
from services.store.models import AuditEvent, DayRecord, Holiday, Schedule
from tests.reconcile_helpers import d, punches, record

POLICY = load_policy("kotawaringin_timur")
TODAY = d("2026-03-10")  # Tuesday: February is complete, March runs up to today
SIGNER = CurrentUser(id=4, username="kepala", full_name="Kepala", roles=frozenset({"signer"}))


@pytest.fixture
def cal(db, org):
    """Standard 5-day week for units 0/1, roster for unit 2; February and March computed.

    Only the sample national holidays in Jan-Mar 2026 matter here and none falls on the days
    used below (10-11 Feb, Saturdays), so no holiday seeding is needed.
    """
    with db.transaction() as s:
        seed_standard_schedules(s, roster_unit_id=org.unit_ids[2], date_from=d("2026-01-01"))
        set_roster(s, "test", org.employee_ids[2], d("2026-02-10"), None, today=TODAY)  # off that day
        punches(s, org.employee_ids[2], "2026-02-10 06:58:00", "2026-02-10 14:03:00")
        punches(s, org.employee_ids[3], "2026-02-11 07:20:00", "2026-02-11 16:05:00")  # unit 0, worked
    for month in (2, 3):
        with db.transaction() as s:
            recompute(s, 2026, month, POLICY, today=TODAY)
    return org


def _snapshot(db) -> tuple[list, list]:
    with db.session() as s:
        days = [tuple(r) for r in s.execute(select(DayRecord.__table__).order_by(DayRecord.employee_id, DayRecord.date))]
        hols = [tuple(r) for r in s.execute(select(Holiday.__table__).order_by(Holiday.id))]
    return days, hols


def test_holiday_add_edit_delete_recomputes_that_date(db, cal):
    e_tk, e_worked, e_roster = cal.employee_ids[0], cal.employee_ids[3], cal.employee_ids[2]
    with db.session() as s:
        assert (record(s, e_tk, "2026-02-11").status, record(s, e_worked, "2026-02-11").status) == ("TK", "H")
        roster_before = record(s, e_roster, "2026-02-11").status
    with db.transaction() as s:
        h = add_holiday(s, "operator", d("2026-02-11"), "Hari Jadi Kabupaten", "daerah", today=TODAY)
        add_holiday(s, "operator", d("2026-03-25"), "Libur daerah nanti", "daerah", today=TODAY)  # future: no rows
        add_holiday(s, "operator", d("2026-01-14"), "Bulan belum dihitung", "daerah", today=TODAY)
    with db.session() as s:
        r = record(s, e_tk, "2026-02-11")
        assert (r.status, r.working_day) == ("LIBUR", False)
        assert record(s, e_worked, "2026-02-11").status == "LIBUR"  # punches on a holiday do not make it a workday
        assert record(s, e_roster, "2026-02-11").status == roster_before  # roster staff follow their roster
        assert record(s, e_tk, "2026-02-12").status == "TK"  # neighbouring days untouched
        assert record(s, e_tk, "2026-03-25") is None
        assert s.execute(select(DayRecord).where(DayRecord.date < d("2026-02-01"))).first() is None
        assert s.execute(select(AuditEvent.action).where(AuditEvent.action == "holiday.add")).first() is not None
    # moving the holiday a day later: the old date is a working day again, the new one is LIBUR
    with db.transaction() as s:
        update_holiday(s, "operator", h.id, d("2026-02-12"), "Hari Jadi Kabupaten", "daerah", today=TODAY)
    with db.session() as s:
        assert (record(s, e_tk, "2026-02-11").status, record(s, e_worked, "2026-02-11").status) == ("TK", "H")
        assert record(s, e_tk, "2026-02-12").status == "LIBUR"
    with db.transaction() as s:
        remove_holiday(s, "operator", h.id, today=TODAY)
    with db.session() as s:
        r = record(s, e_tk, "2026-02-12")
        assert (r.status, r.working_day) == ("TK", True)
        actions = set(s.execute(select(AuditEvent.action).where(AuditEvent.entity == "holiday")).scalars())
        assert {"holiday.add", "holiday.update", "holiday.remove"} <= actions


def test_six_day_schedule_makes_unit_saturdays_working_days(db, cal):
    unit0 = [e for i, e in enumerate(cal.employee_ids) if i % 3 == 0]
    other = cal.employee_ids[1]  # unit 1 keeps the 5-day week
    saturdays = ["2026-02-07", "2026-02-14", "2026-02-21", "2026-02-28", "2026-03-07"]
    with db.session() as s:
        ids = dict(s.execute(select(DayRecord.employee_id, DayRecord.status).where(DayRecord.date == d("2026-02-07"))).all())
        assert {ids[e] for e in unit0} == {"LIBUR"}
        six = s.execute(select(Schedule.id).where(Schedule.code == "6H")).scalar()
    with db.transaction() as s:
        a = assign_schedule(s, "operator", six, d("2026-01-01"), unit_id=cal.unit_ids[0], today=TODAY)
    with db.session() as s:
        for e in unit0:
            for day in saturdays:
                r = record(s, e, day)
                assert (r.status, r.working_day, r.sched_end) == ("TK", True, dt.datetime.fromisoformat(day + " 14:00"))
            assert record(s, e, "2026-03-14") is None  # after today: no row
        assert record(s, other, "2026-02-07").status == "LIBUR"
        assert s.execute(select(DayRecord).where(DayRecord.date < d("2026-02-01"))).first() is None  # January never computed
    with db.transaction() as s:
        remove_assignment(s, "operator", a.id, today=TODAY)
    with db.session() as s:
        assert {record(s, e, day).status for e in unit0 for day in saturdays} == {"LIBUR"}
        actions = set(s.execute(select(AuditEvent.action).where(AuditEvent.entity == "schedule_assignment")).scalars())
        assert {"schedule.assign", "schedule.unassign"} <= actions


def test_roster_change_from_off_to_morning_shift_counts_the_punches(db, cal):
    e = cal.employee_ids[2]
    with db.session() as s:
        r = record(s, e, "2026-02-10")
        assert (r.status, r.working_day) == ("LIBUR", False)
    with db.transaction() as s:
        set_roster(s, "operator", e, d("2026-02-10"), "P", today=TODAY)
    with db.session() as s:
        r = record(s, e, "2026-02-10")
        assert (r.status, r.working_day, r.late_minutes, r.early_minutes) == ("H", True, 0, 0)
        assert r.check_in == dt.datetime(2026, 2, 10, 6, 58) and r.check_out == dt.datetime(2026, 2, 10, 14, 3)
    with db.transaction() as s:
        set_roster(s, "operator", e, d("2026-02-10"), None, today=TODAY)
    with db.session() as s:
        assert record(s, e, "2026-02-10").status == "LIBUR"


def test_edits_touching_a_locked_month_are_refused_and_write_nothing(db, cal):
    with db.transaction() as s:
        existing = add_holiday(s, "operator", d("2026-02-12"), "Libur lama", "daerah", today=TODAY).id
        six = s.execute(select(Schedule.id).where(Schedule.code == "6H")).scalar()
        lock_period(s, cal.opd_id, 2026, 2, SIGNER, override_reason="Uji: TK bulan ini sudah diketahui")
    before = _snapshot(db)
    edits = [
        lambda s: add_holiday(s, "operator", d("2026-02-11"), "Hari Jadi", "daerah", today=TODAY),
        lambda s: remove_holiday(s, "operator", existing, today=TODAY),
        lambda s: update_holiday(s, "operator", existing, d("2026-03-04"), "Pindah", "daerah", today=TODAY),
        # open-ended from January: reaches the locked February, so refused as a whole (like a letter)
        lambda s: assign_schedule(s, "operator", six, d("2026-01-05"), unit_id=cal.unit_ids[0], today=TODAY),
        lambda s: set_roster(s, "operator", cal.employee_ids[2], d("2026-02-10"), "P", today=TODAY),
    ]
    for edit in edits:
        with pytest.raises(PeriodLockedError, match=r"^Perubahan .+ ditolak: periode Februari 2026"), db.transaction() as s:
            edit(s)
    assert _snapshot(db) == before
    # the open March is still editable, and only March days change
    with db.transaction() as s:
        assign_schedule(s, "operator", six, d("2026-03-01"), unit_id=cal.unit_ids[0], today=TODAY)
    with db.session() as s:
        assert record(s, cal.employee_ids[0], "2026-03-07").status == "TK"
        assert record(s, cal.employee_ids[0], "2026-02-28").status == "LIBUR"


def test_seeding_national_holidays_recomputes_the_new_dates(db, cal):
    from services.calendar.holidays import seed_holidays_and_recompute

    e = cal.employee_ids[0]
    with db.session() as s:
        assert (record(s, e, "2026-02-16").status, record(s, e, "2026-02-17").status) == ("TK", "TK")
    with db.transaction() as s:
        assert seed_holidays_and_recompute(s, [2026], "operator", today=TODAY) > 20
    with db.session() as s:
        assert record(s, e, "2026-02-16").status == "LIBUR"  # cuti bersama Imlek
        assert "cuti_bersama" in record(s, e, "2026-02-16").flags
        assert record(s, e, "2026-02-17").status == "LIBUR"  # Tahun Baru Imlek
        assert record(s, e, "2026-02-18").status == "TK"


def test_calendar_screen_runs_the_edit_in_background_and_notifies_records(qtbot, db, cal, tmp_path):
    from desktop.views.calendar import HINT, CalendarView
    from tests.gui_helpers import make_context

    ctx = make_context(db, "operator")
    view = CalendarView(ctx)
    qtbot.addWidget(view)
    assert "otomatis" in HINT and "Hitung ulang" not in HINT
    topics: list[str] = []
    ctx.events.changed.connect(lambda ch: topics.extend(ch.names()))
    op = view._run_edit("Tambah hari libur", "Hari libur belum ditambahkan", add_holiday, "operator",
                        d("2026-02-11"), "Hari Jadi", "daerah", today=TODAY)
    assert not view.tabs.isEnabled()  # no second edit while this one recomputes
    with qtbot.waitSignal(op.done, timeout=10000):
        pass
    assert view.tabs.isEnabled() and {"calendar", "records"} <= set(topics)
    with db.session() as s:
        assert record(s, cal.employee_ids[0], "2026-02-11").status == "LIBUR"
    view.resize(1200, 700)
    view.grab().save(str(tmp_path / "kalender.png"))
