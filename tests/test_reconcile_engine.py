"""Hand-computed daily status cases (policy: kotawaringin_timur = Permentan tiers 1-30/31-60/61-90/>90)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from services.calendar.holidays import seed_holidays
from services.calendar.schedules import seed_standard_schedules, set_roster
from services.policy.model import load_policy
from services.reconcile.engine import recompute
from tests.reconcile_helpers import d, punch, punches, record

POLICY = load_policy("kotawaringin_timur")
TODAY = dt.date(2026, 6, 30)


@pytest.fixture
def cal(db, org):
    with db.transaction() as s:
        seed_standard_schedules(s, roster_unit_id=org.unit_ids[2])
        seed_holidays(s, [2026])
    return org


def _run(db, year=2026, month=1, **kw):
    with db.transaction() as s:
        return recompute(s, year, month, POLICY, today=kw.pop("today", TODAY), **kw)


def test_late_tiers_at_boundaries(db, cal):
    e = cal.employee_ids[0]  # unit 0: standard 5-day schedule
    with db.transaction() as s:
        punches(s, e, "2026-01-05 08:00:00", "2026-01-05 16:00:00")  # Mon: 30 min late -> TL1
        punches(s, e, "2026-01-06 08:01:00", "2026-01-06 16:05:00")  # 31 min -> TL2
        punches(s, e, "2026-01-07 07:30:59", "2026-01-07 16:00:00")  # 0 min (rounded down)
        punches(s, e, "2026-01-08 09:00:00", "2026-01-08 14:59:00")  # 90 -> TL3, 61 early -> PSW3
        punches(s, e, "2026-01-09 09:01:00", "2026-01-09 16:00:00")  # Fri 91 -> TL4; out 30 early -> PSW1
        punch(s, e, "2026-01-12 07:10:00")                                       # only check-in -> no_checkout
        punch(s, e, "2026-01-13 15:30:00")                                       # only check-out -> no_checkin
    _run(db)
    with db.session() as s:
        r = record(s, e, "2026-01-05")
        assert (r.status, r.late_minutes, r.tl_tier, r.psw_tier, r.apel) == ("H", 30, 1, 0, False)
        r = record(s, e, "2026-01-06")
        assert (r.late_minutes, r.tl_tier, r.apel) == (31, 2, None)  # Tuesday: no apel
        r = record(s, e, "2026-01-07")
        assert (r.late_minutes, r.tl_tier) == (0, 0)
        r = record(s, e, "2026-01-08")
        assert (r.late_minutes, r.tl_tier, r.early_minutes, r.psw_tier) == (90, 3, 61, 3)
        r = record(s, e, "2026-01-09")
        assert (r.tl_tier, r.early_minutes, r.psw_tier) == (4, 30, 1)
        assert r.sched_end == dt.datetime(2026, 1, 9, 16, 30)
        r = record(s, e, "2026-01-12")
        assert (r.status, r.tl_tier, r.psw_tier, r.apel) == ("H", 0, 4, True)
        assert "no_checkout" in r.flags.split(",")
        r = record(s, e, "2026-01-13")
        assert (r.status, r.tl_tier, r.early_minutes, r.psw_tier, r.check_in) == ("H", 4, 30, 1, None)
        assert "no_checkin" in r.flags.split(",")
        r = record(s, e, "2026-01-14")
        assert (r.status, r.working_day) == ("TK", True)
        r = record(s, e, "2026-01-10")  # Saturday
        assert (r.status, r.working_day, r.apel) == ("LIBUR", False, None)
        r = record(s, e, "2026-01-16")  # Isra Mikraj (national)
        assert (r.status, r.working_day) == ("LIBUR", False)


def test_overnight_shift_dated_by_start_day(db, cal):
    e = cal.employee_ids[2]  # unit 2 runs the roster
    with db.transaction() as s:
        set_roster(s, "test", e, d("2026-01-12"), "M")  # 21:00 -> 07:00 next day
        set_roster(s, "test", e, d("2026-01-13"), None)
        set_roster(s, "test", e, d("2026-01-14"), "M")
        set_roster(s, "test", e, d("2026-01-16"), "P")  # works on the national holiday: roster decides
        punches(s, e, "2026-01-12 20:55:00", "2026-01-13 07:02:00")
        punches(s, e, "2026-01-14 21:40:00", "2026-01-15 06:20:00")
        punches(s, e, "2026-01-16 07:00:00", "2026-01-16 14:00:00")
    _run(db)
    with db.session() as s:
        r = record(s, e, "2026-01-12")
        assert (r.status, r.tl_tier, r.psw_tier) == ("H", 0, 0)
        assert r.check_out == dt.datetime(2026, 1, 13, 7, 2)
        assert r.sched_end == dt.datetime(2026, 1, 13, 7, 0)
        r = record(s, e, "2026-01-13")
        assert (r.status, r.working_day) == ("LIBUR", False)
        r = record(s, e, "2026-01-14")
        assert (r.late_minutes, r.tl_tier, r.early_minutes, r.psw_tier) == (40, 2, 40, 2)
        r = record(s, e, "2026-01-16")
        assert (r.status, r.working_day, r.tl_tier, r.apel) == ("H", True, 0, None)
        r = record(s, e, "2026-01-17")  # no roster entry at all
        assert r.status == "LIBUR" and "tanpa_roster" in r.flags


def test_letters_holiday_dl_and_cuti_bersama(db, cal):
    from services.letters.register import create_letter

    e1, e2 = cal.employee_ids[0], cal.employee_ids[3]
    with db.transaction() as s:
        # CT Thu 15 Jan .. Mon 19 Jan covers the 16 Jan holiday and a weekend
        create_letter(s, "operator", "CT", "851/001/2026", d("2026-01-10"), d("2026-01-15"), d("2026-01-19"), [e1],
                      policy=POLICY, today=TODAY)
        create_letter(s, "operator", "DL", "094/ST/002", d("2026-01-19"), d("2026-01-20"), d("2026-01-20"), [e2],
                      policy=POLICY, today=TODAY)
    _run(db)
    _run(db, month=2)
    with db.session() as s:
        assert record(s, e1, "2026-01-15").status == "CT"
        r = record(s, e1, "2026-01-16")
        assert (r.status, r.working_day, r.letter_id) == ("LIBUR", False, None)
        assert record(s, e1, "2026-01-17").status == "LIBUR"
        assert record(s, e1, "2026-01-19").status == "CT"
        r = record(s, e2, "2026-01-20")
        assert (r.status, r.working_day, r.check_in, r.tl_tier, r.psw_tier) == ("DL", True, None, 0, 0)
        assert r.letter_id is not None
        r = record(s, e1, "2026-02-16")  # cuti bersama Imlek
        assert (r.status, r.working_day) == ("LIBUR", False)
        assert "cuti_bersama" in r.flags.split(",")
        assert record(s, e1, "2026-02-17").flags == ""  # Imlek itself: national holiday


def test_voided_punches_and_correction(db, cal):
    from services.auth.users import CurrentUser
    from services.reconcile.corrections import add_correction, revoke_correction
    from services.reconcile.grid import exception_queue

    e = cal.employee_ids[3]
    with db.transaction() as s:
        punch(s, e, "2026-01-05 07:20:00", source="mobile", flags="outside_geofence")
        punch(s, e, "2026-01-05 16:10:00", source="mobile", flags="outside_geofence")
        punch(s, e, "2026-01-06 07:20:00", source="mobile", verdict="rejected")
        punch(s, e, "2026-01-06 16:10:00", source="mobile", verdict="approved")
        punch(s, e, "2026-01-07 07:25:00", source="mobile", verdict="manipulation")
        punch(s, e, "2026-01-07 16:05:00", source="device", flags="outside_geofence")  # device: flag ignored
    _run(db)
    with db.session() as s:
        r = record(s, e, "2026-01-05")
        assert r.status == "TK" and "outside_geofence" in r.flags
        r = record(s, e, "2026-01-06")
        assert (r.status, r.tl_tier, r.psw_tier) == ("H", 4, 0) and "selfie_rejected" in r.flags
        r = record(s, e, "2026-01-07")
        assert (r.status, r.check_out.hour) == ("H", 16) and "manipulation" in r.flags
        queue = {(q.employee_id, q.date) for q in exception_queue(s, cal.opd_id, 2026, 1)}
        assert (e, d("2026-01-05")) in queue
    op = CurrentUser(id=2, username="operator", full_name="Op", roles=frozenset({"operator"}))
    with db.transaction() as s:
        add_correction(s, op, e, d("2026-01-05"), "check_in", "07:20", "Lokasi kantor baru, radius belum diperbarui",
                       policy=POLICY, today=TODAY)
        c2 = add_correction(s, op, e, d("2026-01-05"), "check_out", "16:10", "Lokasi kantor baru, radius belum diperbarui",
                            policy=POLICY, today=TODAY)
    with db.session() as s:
        r = record(s, e, "2026-01-05")
        assert (r.status, r.corrected, r.tl_tier, r.psw_tier) == ("H", True, 0, 0)
        assert (e, d("2026-01-05")) not in {(q.employee_id, q.date) for q in exception_queue(s, cal.opd_id, 2026, 1)}
    with db.transaction() as s:
        revoke_correction(s, op, c2.id, "Salah input jam pulang", policy=POLICY, today=TODAY)
    with db.session() as s:
        r = record(s, e, "2026-01-05")
        assert (r.status, r.corrected, r.psw_tier) == ("H", True, 4)  # check-in correction still active


def test_correction_needs_reason_and_role(db, cal):
    from services.auth.users import AuthError, CurrentUser
    from services.reconcile.corrections import CorrectionError, add_correction

    op = CurrentUser(id=2, username="operator", full_name="Op", roles=frozenset({"operator"}))
    nobody = CurrentUser(id=9, username="tamu", full_name="Tamu", roles=frozenset())
    e = cal.employee_ids[0]
    with db.transaction() as s:
        with pytest.raises(CorrectionError, match="Alasan"):
            add_correction(s, op, e, d("2026-01-05"), "status", "H", "  ", policy=POLICY, today=TODAY)
        with pytest.raises(CorrectionError, match="tidak valid"):
            add_correction(s, op, e, d("2026-01-05"), "check_in", "7.45 pagi", "Lupa absen karena rapat", policy=POLICY)
        with pytest.raises(AuthError):
            add_correction(s, nobody, e, d("2026-01-05"), "status", "H", "Lupa absen karena rapat", policy=POLICY)


def test_future_days_and_today(db, cal):
    e = cal.employee_ids[0]
    with db.transaction() as s:
        punch(s, e, "2026-01-07 07:15:00")
    _run(db, today=d("2026-01-07"))
    with db.session() as s:
        r = record(s, e, "2026-01-07")
        assert (r.status, r.psw_tier) == ("H", 0) and "belum_pulang" in r.flags
        assert record(s, cal.employee_ids[1], "2026-01-07").status == "BELUM"
        assert record(s, e, "2026-01-08") is None


def test_pmk_preset_three_tiers(db, cal):
    pmk = load_policy("pmk_221")  # TL1 1-30, TL2 31-60, TL3 > 60 after the flexible start (09.00); PSW1-4 (0.5/1/1.25/1.5 %), no check-out = PSW4
    e = cal.employee_ids[0]
    with db.transaction() as s:
        punches(s, e, "2026-01-05 10:01:00", "2026-01-05 17:30:00")
        punch(s, e, "2026-01-06 09:30:00")
        recompute(s, 2026, 1, pmk, employee_ids=[e], dates=[d("2026-01-05"), d("2026-01-06")], today=TODAY)
    with db.session() as s:
        r = record(s, e, "2026-01-05")
        assert (r.late_minutes, r.tl_tier) == (61, 3)
        r = record(s, e, "2026-01-06")
        assert (r.late_minutes, r.tl_tier, r.psw_tier) == (30, 1, 4)


@pytest.mark.sqlite_only  # SQLite keeps timestamps as text; PostgreSQL's timestamp column has one form
def test_punch_text_without_microseconds_still_counts(db, cal):
    """Punches written by raw SQL without the ".ffffff" part are normalised, not misplaced."""
    e = cal.employee_ids[0]
    with db.transaction() as s:
        pin = s.execute(text("SELECT pin FROM employee_pin WHERE employee_id = :e"), {"e": e}).scalar()
        for ts in ("2026-01-05 07:30:00", "2026-01-05T16:00:00"):
            s.execute(text("INSERT INTO punch (source, source_serial, pin, ts, tz, employee_id, state, verify, "
                           "captured_offline, flags) VALUES ('usb', 'SN-RAW', :pin, :ts, 'Asia/Jakarta', :e, 0, 1, 0, '')"),
                      {"pin": pin, "ts": ts, "e": e})
    _run(db)
    with db.session() as s:
        r = record(s, e, "2026-01-05")
        assert (r.status, r.late_minutes, r.tl_tier, r.early_minutes, r.psw_tier) == ("H", 0, 0, 0, 0)
        assert r.check_out == dt.datetime(2026, 1, 5, 16, 0)
