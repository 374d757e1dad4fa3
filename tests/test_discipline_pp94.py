"""PP 94/2021 tracker: tiers, minute conversion, consecutive working days (hand-computed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from services.policy.discipline import assess, converted_days, discipline_summary, tier_for_days
from services.policy.model import load_policy
from services.store.models import DayRecord, Employee

D = dt.date
POLICY = load_policy("default")


def _day(emp_id: int, d: dt.date, status: str = "H", **kw) -> DayRecord:
    return DayRecord(employee_id=emp_id, date=d, status=status, working_day=kw.pop("working_day", status != "LIBUR"), **kw)


@pytest.mark.parametrize(("minutes", "hours", "days"), [(449, 7.5, 0), (450, 7.5, 1), (899, 7.5, 1), (900, 7.5, 2), (509, 8.5, 0), (510, 8.5, 1)])
def test_minutes_conversion(minutes: int, hours: float, days: int) -> None:
    assert converted_days(minutes, hours) == days


@pytest.mark.parametrize(
    ("days", "level", "sanction_part"),
    [(2, "", ""), (3, "ringan", "teguran lisan"), (4, "ringan", "teguran tertulis"), (6, "ringan", "teguran tertulis"),
     (7, "ringan", "tidak puas"), (10, "ringan", "tidak puas"), (11, "sedang", "gaji berkala"), (13, "sedang", "gaji berkala"),
     (14, "sedang", "kenaikan pangkat"), (17, "sedang", "penurunan pangkat"), (20, "sedang", "penurunan pangkat"),
     (21, "berat", "penurunan jabatan"), (24, "berat", "penurunan jabatan"), (25, "berat", "jabatan pelaksana"),
     (27, "berat", "jabatan pelaksana"), (28, "berat", "pemberhentian"), (60, "berat", "pemberhentian")],
)
def test_tiers_at_boundaries(days: int, level: str, sanction_part: str) -> None:
    a = assess(tk_days=days, late_minutes=0, early_minutes=0, longest_run=1, employee_kind="PNS", policy=POLICY)
    assert a["level"] == level
    assert sanction_part in str(a["sanction"])
    assert (tier_for_days(days) is None) == (level == "")


def test_sedang_mode_switches_to_tpp_cut() -> None:
    potong = replace(POLICY, discipline=replace(POLICY.discipline, sedang_mode="potongan_tpp"))
    a = assess(tk_days=11, late_minutes=0, early_minutes=0, longest_run=1, employee_kind="PNS", policy=potong)
    assert a["sanction"] == "pemotongan tunjangan kinerja 25% selama 6 bulan"
    b = assess(tk_days=11, late_minutes=0, early_minutes=0, longest_run=1, employee_kind="PNS", policy=POLICY)
    assert b["sanction"] == "penundaan kenaikan gaji berkala selama 1 tahun"
    assert "Pasal 42" in str(b["legal_basis"])


def test_minutes_push_into_next_tier_and_actors() -> None:
    # 2 TK days + 450 late minutes (= 1 day at 7.5 h) = 3 days -> ringan, teguran lisan, atasan langsung examines
    a = assess(tk_days=2, late_minutes=300, early_minutes=150, longest_run=1, employee_kind="PNS", policy=POLICY)
    assert (a["converted_days"], a["total_days"], a["level"]) == (1, 3, "ringan")
    assert a["examiner"] == "Atasan langsung"
    assert a["next_kind"] == "SP1"
    berat = assess(tk_days=21, late_minutes=0, early_minutes=0, longest_run=1, employee_kind="PNS", policy=POLICY)
    assert "tim pemeriksa" in str(berat["examiner"]).lower() and "PPK" in str(berat["decider"])


def test_pppk_berat_ends_contract() -> None:
    a = assess(tk_days=21, late_minutes=0, early_minutes=0, longest_run=1, employee_kind="PPPK", policy=POLICY)
    assert "pemutusan hubungan perjanjian kerja" in str(a["sanction"])


def test_procedure_steps_follow_notices() -> None:
    kw = dict(tk_days=5, late_minutes=0, early_minutes=0, longest_run=1, employee_kind="PNS", policy=POLICY)
    assert assess(**kw, notices=[("SP1", D(2026, 3, 2))])["next_kind"] == "BAP"  # type: ignore[arg-type]
    assert assess(**kw, notices=[("SP1", D(2026, 3, 2)), ("BAP", D(2026, 3, 5))])["next_kind"] == "TEGURAN_TERTULIS"  # type: ignore[arg-type]
    done = assess(**kw, notices=[("SP1", D(2026, 3, 2)), ("BAP", D(2026, 3, 5)), ("TEGURAN_TERTULIS", D(2026, 3, 6))])  # type: ignore[arg-type]
    assert done["next_kind"] is None
    # reaching 7 days later starts a new cycle
    kw["tk_days"] = 7
    again = assess(**kw, notices=[("SP1", D(2026, 3, 2)), ("BAP", D(2026, 3, 5)), ("TEGURAN_TERTULIS", D(2026, 3, 6))])  # type: ignore[arg-type]
    assert again["next_kind"] == "SP1"


def _emp(org, i: int = 1) -> int:  # type: ignore[no-untyped-def]
    return org.employee_ids[i]


def _summary_row(db, org, emp_id, policy=POLICY, as_of=None):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return next(r for r in discipline_summary(s, org.opd_id, 2026, policy, as_of) if r.employee_id == emp_id)


def test_ten_consecutive_working_days_across_weekend(db, org) -> None:
    emp_id = _emp(org)
    with db.transaction() as s:
        # Mon 2 Feb .. Fri 13 Feb 2026 = 10 working days TK, with the weekend 7-8 Feb as LIBUR rows
        for n in range(12):
            d = D(2026, 2, 2) + dt.timedelta(days=n)
            s.add(_day(emp_id, d, "LIBUR" if d.weekday() >= 5 else "TK"))
    r = _summary_row(db, org, emp_id)
    assert (r.tk_days, r.longest_run, r.run_start, r.run_end) == (10, 10, D(2026, 2, 2), D(2026, 2, 13))
    assert r.consecutive_berat and r.level == "berat"
    assert "gaji dihentikan" in r.sanction
    assert "Pasal 15 ayat (2)" in r.legal_basis


def test_consecutive_run_without_weekend_rows_and_broken_by_a_present_day(db, org) -> None:
    a, b = _emp(org, 1), _emp(org, 2)
    with db.transaction() as s:
        days = [D(2026, 2, 2) + dt.timedelta(days=n) for n in range(12)]
        for d in days:
            if d.weekday() < 5:  # no rows at all for the weekend: still one run
                s.add(_day(a, d, "TK"))
                s.add(_day(b, d, "H" if d == D(2026, 2, 9) else "TK"))
    ra, rb = _summary_row(db, org, a), _summary_row(db, org, b)
    assert ra.longest_run == 10 and ra.consecutive_berat
    assert rb.tk_days == 9 and rb.longest_run == 5 and not rb.consecutive_berat
    assert rb.level == "ringan"  # 9 days cumulative -> pernyataan tidak puas


def test_summary_counts_tk_and_minutes_over_the_year(db, org) -> None:
    emp_id = _emp(org, 3)
    with db.transaction() as s:
        s.add(_day(emp_id, D(2026, 1, 5), "TK"))
        s.add(_day(emp_id, D(2026, 6, 8), "TK"))
        s.add(_day(emp_id, D(2026, 6, 9), late_minutes=200, tl_tier=4))
        s.add(_day(emp_id, D(2026, 7, 1), early_minutes=250, psw_tier=4))
        s.add(_day(emp_id, D(2026, 7, 2), "S"))
        s.add(_day(emp_id, D(2025, 12, 31), "TK"))  # previous year does not count
    r = _summary_row(db, org, emp_id)
    assert (r.tk_days, r.late_minutes, r.early_minutes, r.converted_days, r.total_days) == (2, 200, 250, 1, 3)
    assert r.level == "ringan" and r.sanction == "teguran lisan" and r.next_kind == "SP1"
    early = _summary_row(db, org, emp_id, as_of=D(2026, 6, 30))  # before the early leave on 1 July
    assert (early.minutes_total, early.total_days, early.level) == (200, 2, "")


def test_configurable_hours_per_day(db, org) -> None:
    emp_id = _emp(org, 4)
    with db.transaction() as s:
        s.get(Employee, emp_id).kind = "PNS"
        s.add(_day(emp_id, D(2026, 3, 2), late_minutes=500))
    r75 = _summary_row(db, org, emp_id)
    r85 = _summary_row(db, org, emp_id, replace(POLICY, discipline=replace(POLICY.discipline, hours_per_day=8.5)))
    assert (r75.converted_days, r85.converted_days) == (1, 0)


def test_aggregate_path_matches_day_by_day(db, org) -> None:
    """Employees with 0-1 TK days are summed in SQL; the result must equal the day-by-day path."""
    one, two = _emp(org, 5), _emp(org, 6)
    with db.transaction() as s:
        for emp in (one, two):
            s.add(_day(emp, D(2026, 4, 6), "TK"))
            s.add(_day(emp, D(2026, 4, 7), late_minutes=30, early_minutes=15))
            s.add(_day(emp, D(2026, 4, 8), "DL", late_minutes=999))  # minutes only count on H days
        s.add(_day(two, D(2026, 4, 9), "TK"))
    r1, r2 = _summary_row(db, org, one), _summary_row(db, org, two)
    assert (r1.tk_days, r1.minutes_total, r1.longest_run, r1.run_start) == (1, 45, 1, D(2026, 4, 6))
    assert (r2.tk_days, r2.minutes_total, r2.longest_run, r2.run_start) == (2, 45, 1, D(2026, 4, 6))
