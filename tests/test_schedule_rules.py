"""Hand-computed boundaries of the schedule rules: jam masuk fleksibel (PMK 221/2021), Ramadan hours from
calendar data, apel at the minute, upacara days. Real engine (recompute) on a real SQLite database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.calendar.holidays import add_holiday, bundled_ramadan, list_holidays, remove_holiday, seed_holidays
from services.calendar.schedules import assign_schedule, create_schedule, seed_standard_schedules
from services.policy.model import Policy, load_policy
from services.policy.tpp import compute_deduction, load_day_lines
from services.reconcile.engine import recompute
from services.reconcile.grid import month_grid
from tests.reconcile_helpers import d, punch, punches, record

TODAY = dt.date(2026, 11, 25)
TPP_LINES = '''

# a region's own file states its deduction base (services/policy/model.py load_policy)
[tpp]
deduction_base = "tpp"
[sources.tpp]
deduction_base = "Uji: asumsi"
'''
HM = dt.datetime.fromisoformat


def policy_file(tmp_path: Path, text: str) -> Policy:
    p = tmp_path / "wilayah.toml"
    p.write_text(text + TPP_LINES, encoding="utf-8")
    return load_policy(p)


@pytest.fixture
def cal(db, org):
    with db.transaction() as s:
        seed_standard_schedules(s, date_from=d("2025-01-01"))
        seed_holidays(s, [2026])
    return org


def run(db, policy: Policy, year: int, month: int) -> None:
    with db.transaction() as s:
        recompute(s, year, month, policy, today=TODAY)


# ------------------------------------------------------------------ jam masuk fleksibel


def test_pmk221_flexible_start_compensates_at_the_end_of_the_day(db, cal):
    policy = load_policy("pmk_221")  # [schedule] flexible_start_until = "09.00"
    assert policy.schedule.flex_minutes_for(dt.time(7, 30)) == 90
    e = cal.employee_ids[0]
    with db.transaction() as s:
        punches(s, e, "2026-01-06 08:10:40", "2026-01-06 16:40:00")  # Tue: 40 min later in, 40 min later out
        punches(s, e, "2026-01-07 08:10:00", "2026-01-07 16:39:00")  # leaves 1 min before the compensated end
        punches(s, e, "2026-01-08 09:00:59", "2026-01-08 17:30:00")  # last on-time second; end 16:00 + 90
        punches(s, e, "2026-01-09 09:01:00", "2026-01-09 18:00:00")  # Fri 07.30-16.30: late from 09.01
        punches(s, e, "2026-01-12 07:10:00", "2026-01-12 16:00:00")  # early arrival earns no credit
        punches(s, e, "2026-01-13 09:31:00", "2026-01-13 17:30:00")  # 31 min late -> second tier
        punches(s, e, "2026-01-14 10:00:59", "2026-01-14 17:30:00")  # 60 min -> still second tier
        punches(s, e, "2026-01-15 10:01:00", "2026-01-15 17:30:00")  # 61 min -> third tier
        punches(s, e, "2026-01-19 08:10:00", "2026-01-19 16:00:00")  # leaves at the ordinary end: 40 min early
    run(db, policy, 2026, 1)
    with db.session() as s:
        r = record(s, e, "2026-01-06")
        assert (r.late_minutes, r.tl_tier, r.early_minutes, r.psw_tier) == (0, 0, 0, 0)
        assert r.sched_start == HM("2026-01-06 07:30") and r.sched_end == HM("2026-01-06 16:40")
        assert "masuk_fleksibel" in r.flags
        r = record(s, e, "2026-01-07")
        assert (r.late_minutes, r.early_minutes, r.psw_tier) == (0, 1, 1)
        r = record(s, e, "2026-01-08")
        assert (r.late_minutes, r.early_minutes, r.sched_end) == (0, 0, HM("2026-01-08 17:30"))
        r = record(s, e, "2026-01-09")
        assert (r.late_minutes, r.tl_tier, r.early_minutes, r.sched_end) == (1, 1, 0, HM("2026-01-09 18:00"))
        r = record(s, e, "2026-01-12")
        assert (r.late_minutes, r.early_minutes, r.sched_end, r.apel) == (0, 0, HM("2026-01-12 16:00"), True)
        assert "masuk_fleksibel" not in r.flags
        assert [record(s, e, f"2026-01-{n}").tl_tier for n in (13, 14, 15)] == [2, 2, 3]
        assert [record(s, e, f"2026-01-{n}").late_minutes for n in (13, 14, 15)] == [31, 60, 61]
        r = record(s, e, "2026-01-19")
        assert (r.late_minutes, r.early_minutes, r.sched_end) == (0, 40, HM("2026-01-19 16:40"))
        assert r.psw_tier == 1 + [t.code for t in policy.attendance.psw_tiers].index(
            policy.attendance.tier_for(policy.attendance.psw_tiers, 40).code)  # type: ignore[union-attr]
        row = next(x for x in month_grid(s, cal.opd_id, 2026, 1).rows if x.employee_id == e)
        tip = row.cells[5].tooltip  # type: ignore[union-attr]
        assert "Jadwal 07:30–16:40" in tip and "Jam masuk fleksibel" in tip


def test_without_flexibility_the_same_arrival_is_late(db, cal):
    e = cal.employee_ids[0]
    with db.transaction() as s:
        punches(s, e, "2026-01-06 08:10:40", "2026-01-06 16:40:00")
    run(db, load_policy("default"), 2026, 1)
    with db.session() as s:
        r = record(s, e, "2026-01-06")
        assert (r.late_minutes, r.tl_tier, r.sched_end, r.early_minutes) == (40, 2, HM("2026-01-06 16:00"), 0)


def test_a_schedule_s_own_flex_wins_over_the_policy(db, cal, tmp_path):
    strict, flex60 = cal.employee_ids[0], cal.employee_ids[1]
    days = {w: (dt.time(7, 30), dt.time(16, 0), 60) for w in range(5)}
    with db.transaction() as s:
        no_flex = create_schedule(s, "op", "TETAP", "Tanpa fleksibel", "fixed", False, days, flex_minutes=0)
        sixty = create_schedule(s, "op", "FLEX60", "Fleksibel 60 menit", "fixed", False, days, flex_minutes=60)
        assign_schedule(s, "op", no_flex.id, d("2026-01-01"), employee_id=strict, today=TODAY)
        assign_schedule(s, "op", sixty.id, d("2026-01-01"), employee_id=flex60, today=TODAY)
        punches(s, strict, "2026-01-06 08:10:00", "2026-01-06 16:00:00")
        punches(s, flex60, "2026-01-06 08:30:59", "2026-01-06 17:00:00", "2026-01-07 08:31:00", "2026-01-07 17:00:00")
    run(db, load_policy("pmk_221"), 2026, 1)  # the policy says 90 minutes; the schedules say 0 and 60
    with db.session() as s:
        assert record(s, strict, "2026-01-06").late_minutes == 40
        r = record(s, flex60, "2026-01-06")
        assert (r.late_minutes, r.early_minutes, r.sched_end) == (0, 0, HM("2026-01-06 17:00"))
        r = record(s, flex60, "2026-01-07")
        assert (r.late_minutes, r.early_minutes, r.sched_end) == (1, 0, HM("2026-01-07 17:00"))


def test_flexible_start_as_region_data(db, cal, tmp_path):
    # any region: only the clock time, on the default base (start 07.30) -> a 90-minute window with compensation
    until = policy_file(tmp_path, 'base = "default"\n[schedule]\nflexible_start_until = "09.00"\n')
    assert (until.schedule.flexible_start_minutes, until.schedule.makeup_at_end) == (90, True)
    e = cal.employee_ids[0]
    with db.transaction() as s:
        punches(s, e, "2026-01-06 08:10:00", "2026-01-06 16:40:00", "2026-01-07 09:01:00", "2026-01-07 17:30:00")
        punches(s, e, "2026-01-08 08:00:59", "2026-01-08 16:00:00", "2026-01-09 08:01:00", "2026-01-09 16:30:00")
    run(db, until, 2026, 1)
    with db.session() as s:
        r = record(s, e, "2026-01-06")
        assert (r.late_minutes, r.early_minutes, r.sched_end) == (0, 0, HM("2026-01-06 16:40"))
        assert record(s, e, "2026-01-07").late_minutes == 1
    # a window without compensation (makeup_at_end = false): on time until 08.00, the end stays 16.00
    window = policy_file(tmp_path, 'base = "default"\n[schedule]\nflexible_start_minutes = 30\nmakeup_at_end = false\n')
    assert (window.schedule.flex_minutes_for(dt.time(7, 0)), window.schedule.makeup_at_end) == (30, False)
    run(db, window, 2026, 1)
    with db.session() as s:
        r = record(s, e, "2026-01-08")
        assert (r.late_minutes, r.early_minutes, r.sched_end) == (0, 0, HM("2026-01-08 16:00"))
        assert record(s, e, "2026-01-09").late_minutes == 1
        assert record(s, e, "2026-01-06").early_minutes == 0  # left 16:40, after the ordinary end
    with pytest.raises(ValueError, match="flexible_start_until 07:00 tidak sesudah start 07:30"):
        policy_file(tmp_path, 'base = "default"\n[schedule]\nflexible_start_until = "07.00"\n')


# ------------------------------------------------------------------ Ramadan


def test_ramadan_hours_apply_on_the_calendar_s_ramadan_dates(db, cal):
    e = cal.employee_ids[0]
    with db.transaction() as s:
        punches(s, e, "2026-02-18 08:00:00", "2026-02-18 16:00:00")  # Wed before Ramadan: 30 min late
        punches(s, e, "2026-02-19 08:00:59", "2026-02-19 15:00:00")  # Thu, 1 Ramadan: on time, ends 15.00
        punches(s, e, "2026-02-20 08:01:00", "2026-02-20 15:30:00")  # Fri: 08.00-15.30
        punches(s, e, "2026-02-23 08:00:59", "2026-02-23 15:00:00")  # Mon: apel at 08.00 in Ramadan
    run(db, load_policy("kotawaringin_timur"), 2026, 2)
    with db.session() as s:
        assert record(s, e, "2026-02-18").late_minutes == 30
        r = record(s, e, "2026-02-19")
        assert (r.late_minutes, r.early_minutes, r.sched_start, r.sched_end) == (
            0, 0, HM("2026-02-19 08:00"), HM("2026-02-19 15:00"))
        r = record(s, e, "2026-02-20")
        assert (r.late_minutes, r.tl_tier, r.sched_end) == (1, 1, HM("2026-02-20 15:30"))
        r = record(s, e, "2026-02-23")
        assert (r.late_minutes, r.apel) == (0, True)


def test_ramadan_1448_ships_as_data_for_2027(db, cal):
    """2027 is shipped too (an estimate marked for checking against the isbat): 8 Feb - 9 Mar 2027."""
    ramadan = bundled_ramadan()
    assert min(x for x in ramadan if x.year == 2027) == d("2027-02-08")
    assert max(x for x in ramadan if x.year == 2027) == d("2027-03-09")
    e = cal.employee_ids[0]
    with db.transaction() as s:
        seed_holidays(s, [2027])
        punches(s, e, "2027-02-04 08:00:00", "2027-02-04 16:00:00")  # Thu before Ramadan: 30 min late
        punches(s, e, "2027-02-08 08:00:59", "2027-02-08 15:00:00")  # Mon, 1 Ramadan: on time
    with db.transaction() as s:
        recompute(s, 2027, 2, load_policy("kotawaringin_timur"), today=d("2027-03-31"))
    with db.session() as s:
        r = record(s, e, "2027-02-04")
        assert r.late_minutes == 30, (r.status, r.check_in, r.sched_start, r.flags)
        r = record(s, e, "2027-02-08")
        assert (r.late_minutes, r.sched_start) == (0, HM("2027-02-08 08:00"))


def test_ramadan_dates_are_editable_like_cuti_bersama(db, cal):
    e = cal.employee_ids[0]
    with db.transaction() as s:
        punches(s, e, "2026-02-24 08:00:00", "2026-02-24 15:00:00", "2026-02-18 08:00:00", "2026-02-18 15:00:00")
    policy = load_policy("kotawaringin_timur")
    run(db, policy, 2026, 2)
    with db.transaction() as s:
        day = next(r for r in list_holidays(s, 2026) if r.kind == "ramadan" and r.date == d("2026-02-24"))
        remove_holiday(s, "operator", day.id, today=TODAY)  # the edit recomputes that date
        add_holiday(s, "operator", d("2026-02-18"), "Ramadan 1447 H (Muhammadiyah)", "ramadan", today=TODAY)
    with db.session() as s:
        r = record(s, e, "2026-02-24")
        assert (r.late_minutes, r.sched_end) == (30, HM("2026-02-24 16:00"))
        r = record(s, e, "2026-02-18")
        assert (r.late_minutes, r.early_minutes, r.sched_end) == (0, 0, HM("2026-02-18 15:00"))
        assert not any(r.kind == "ramadan" and r.date == d("2026-02-24") for r in list_holidays(s, 2026))


def test_ramadan_switch_is_policy_data(db, cal, tmp_path):
    e = cal.employee_ids[0]
    with db.transaction() as s:
        punches(s, e, "2026-02-19 08:00:00", "2026-02-19 16:00:00")
    run(db, policy_file(tmp_path, 'base = "default"\n[schedule]\nramadan_auto = false\n'), 2026, 2)
    with db.session() as s:
        assert record(s, e, "2026-02-19").late_minutes == 30


# ------------------------------------------------------------------ apel and upacara


def test_on_time_check_in_never_misses_an_apel_at_the_same_minute(db, cal, tmp_path):
    e = cal.employee_ids[0]
    with db.transaction() as s:
        punches(s, e, "2026-01-05 07:30:59", "2026-01-05 16:00:00")  # Mon: on time -> apel attended
        punches(s, e, "2026-01-12 07:31:00", "2026-01-12 16:00:00")  # Mon: 1 min late -> apel missed
        punches(s, e, "2026-01-06 07:00:00", "2026-01-06 16:00:00")  # Tue: no apel
    run(db, load_policy("kotawaringin_timur"), 2026, 1)
    with db.session() as s:
        assert (record(s, e, "2026-01-05").late_minutes, record(s, e, "2026-01-05").apel) == (0, True)
        assert (record(s, e, "2026-01-12").late_minutes, record(s, e, "2026-01-12").apel) == (1, False)
        assert record(s, e, "2026-01-06").apel is None


def test_apel_days_and_time_are_policy_data(db, cal, tmp_path):
    pol = policy_file(tmp_path, 'base = "kotawaringin_timur"\n[attendance]\napel_weekdays = [0, 4]\napel_time = "07.45"\n')
    e = cal.employee_ids[0]
    with db.transaction() as s:
        punches(s, e, "2026-01-09 07:45:59", "2026-01-09 16:30:00")  # Fri: apel day now, within the minute
        punches(s, e, "2026-01-23 07:46:00", "2026-01-23 16:30:00")  # Fri: one minute after the apel
        punches(s, e, "2026-01-05 07:50:00", "2026-01-05 16:00:00")  # Mon: still an apel day
    run(db, pol, 2026, 1)
    with db.session() as s:
        assert record(s, e, "2026-01-09").apel is True
        r = record(s, e, "2026-01-23")
        assert (r.late_minutes, r.apel) == (16, False)
        assert record(s, e, "2026-01-05").apel is False


def test_upacara_days_count_like_apel_with_their_consequence(db, cal, tmp_path):
    pol = policy_file(tmp_path, 'base = "kotawaringin_timur"\n[attendance]\nceremony_time = "07:30"\n'
                                'ceremony_miss_pct = 2.0\n')
    e = cal.employee_ids[0]
    assert d("2026-10-01").weekday() == 3 and d("2026-10-28").weekday() == 2  # Thursday, Wednesday
    with db.transaction() as s:
        punches(s, e, "2026-10-01 07:30:59", "2026-10-01 16:00:00")  # Hari Kesaktian Pancasila: attended
        punches(s, e, "2026-10-28 07:31:00", "2026-10-28 16:00:00")  # Hari Sumpah Pemuda: missed
        punches(s, e, "2026-10-05 07:40:00", "2026-10-05 16:00:00")  # ordinary Monday apel missed
        punches(s, e, "2026-10-06 07:40:00", "2026-10-06 16:00:00")  # ordinary Tuesday: nothing
    run(db, pol, 2026, 10)
    with db.session() as s:
        r = record(s, e, "2026-10-01")
        assert (r.apel, "upacara" in r.flags) == (True, True)
        r = record(s, e, "2026-10-28")
        assert (r.apel, "upacara" in r.flags) == (False, True)
        assert record(s, e, "2026-10-06").apel is None
        grid = month_grid(s, cal.opd_id, 2026, 10)
        row = next(x for x in grid.rows if x.employee_id == e)
        assert "Upacara: tidak hadir" in row.cells[27].tooltip  # type: ignore[union-attr]
        lines = load_day_lines(s, [e], d("2026-10-01"), d("2026-10-31"))[e]
    punched = [ln for ln in lines if ln.date.day in (1, 5, 6, 28)]
    result = compute_deduction(punched, 1_000_000, pol)
    # 1st: nothing; 5th: TL1 0.5 % + apel 0.5 %; 6th: TL1 0.5 %; 28th: TL1 0.5 % + upacara 2 % (its own rate)
    assert (result.counts["APEL_MISS"], result.counts["UPACARA_MISS"]) == (1, 1)
    assert result.pct_raw == pytest.approx(4.0)


def test_upacara_on_a_day_off_is_not_counted(db, cal):
    e = cal.employee_ids[0]
    with db.transaction() as s:
        add_holiday(s, "operator", d("2026-08-17"), "Upacara Hari Kemerdekaan", "upacara", today=TODAY)
        punch(s, e, "2026-08-17 07:00:00")
    run(db, load_policy("kotawaringin_timur"), 2026, 8)
    with db.session() as s:
        r = record(s, e, "2026-08-17")
        assert (r.status, r.apel) == ("LIBUR", None)
