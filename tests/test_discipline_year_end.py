"""PP 94/2021 Pasal 15 ayat (2) across 1 January, and the sedang substitutes as policy data (hand-computed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from services.policy.discipline import assess, discipline_summary, sedang_substitute, sedang_substitutes, tier_for_days
from services.policy.model import PolicyError, load_policy, policy_from_dict
from services.store.models import DayRecord

D = dt.date
POLICY = load_policy("default")
# Days off between 22 Dec 2026 and 7 Jan 2027: weekends, 24 Dec (cuti bersama), 25 Dec and 1 Jan (holidays)
DAYS_OFF = {D(2026, 12, 24), D(2026, 12, 25), D(2027, 1, 1)}


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _is_off(d: dt.date) -> bool:
    return d.weekday() >= 5 or d in DAYS_OFF


def _add_run(db, emp_id: int, first: dt.date, last: dt.date, present: set[dt.date] = frozenset()) -> None:  # type: ignore[no-untyped-def,assignment]
    with db.transaction() as s:
        for d in _days(first, last):
            status = "LIBUR" if _is_off(d) else ("H" if d in present else "TK")
            s.add(DayRecord(employee_id=emp_id, date=d, status=status, working_day=not _is_off(d)))


def _row(db, org, emp_id: int, year: int, as_of: dt.date | None = None):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return next(r for r in discipline_summary(s, org.opd_id, year, POLICY, as_of) if r.employee_id == emp_id)


def test_working_days_22_dec_to_7_jan_are_one_run_of_ten(db, org) -> None:
    emp = org.employee_ids[1]
    _add_run(db, emp, D(2026, 12, 22), D(2027, 1, 7))
    # working days: 22, 23, 28, 29, 30, 31 Dec (6) + 4, 5, 6, 7 Jan (4) = 10
    r27 = _row(db, org, emp, 2027, as_of=D(2027, 1, 7))
    assert (r27.longest_run, r27.run_start, r27.run_end) == (10, D(2026, 12, 22), D(2027, 1, 7))
    assert r27.consecutive_berat and r27.level == "berat" and "Pasal 15 ayat (2)" in r27.legal_basis
    assert r27.tk_days == 4  # the cumulative count (ayat 1) restarts on 1 January
    r26 = _row(db, org, emp, 2026)  # the same run seen from the old year
    assert (r26.longest_run, r26.consecutive_berat, r26.tk_days) == (10, True, 6)


def test_nine_days_across_the_year_end_are_not_berat(db, org) -> None:
    emp = org.employee_ids[2]
    _add_run(db, emp, D(2026, 12, 22), D(2027, 1, 6))  # 9 working days
    r = _row(db, org, emp, 2027, as_of=D(2027, 1, 6))
    assert r.longest_run == 9 and not r.consecutive_berat and r.tk_days == 3


def test_as_of_31_december_sees_only_the_old_part(db, org) -> None:
    emp = org.employee_ids[3]
    _add_run(db, emp, D(2026, 12, 22), D(2027, 1, 7))
    r = _row(db, org, emp, 2026, as_of=D(2026, 12, 31))
    assert (r.longest_run, r.consecutive_berat, r.tk_days, r.level) == (6, False, 6, "ringan")


def test_a_present_working_day_in_january_breaks_the_run(db, org) -> None:
    emp = org.employee_ids[4]
    _add_run(db, emp, D(2026, 12, 22), D(2027, 1, 8), present={D(2027, 1, 4)})
    r = _row(db, org, emp, 2027, as_of=D(2027, 1, 8))
    # 22-31 Dec = 6 working days, broken by the present 4 Jan before any 2027 TK day: 2026's run only;
    # 5-8 Jan = 4 is 2027's longest
    assert (r.longest_run, r.run_start, r.run_end, r.consecutive_berat) == (4, D(2027, 1, 5), D(2027, 1, 8), False)
    assert _row(db, org, emp, 2026).longest_run == 6


def test_a_single_tk_day_on_the_first_working_day_still_joins_the_old_run(db, org) -> None:
    """The aggregate path (employees with one TK day) must not hide a run across 1 January."""
    emp = org.employee_ids[5]
    _add_run(db, emp, D(2026, 12, 14), D(2027, 1, 4))  # 14-18, 21-23, 28-31 Dec (12) + 4 Jan = 13 working days
    r = _row(db, org, emp, 2027, as_of=D(2027, 1, 4))
    assert r.tk_days == 1 and r.longest_run == 13 and r.consecutive_berat


def test_runs_of_the_previous_year_that_end_before_january_do_not_count(db, org) -> None:
    emp = org.employee_ids[6]
    _add_run(db, emp, D(2026, 11, 2), D(2026, 11, 13))  # 10 TK working days in November 2026
    with db.transaction() as s:
        s.add(DayRecord(employee_id=emp, date=D(2027, 1, 4), status="TK", working_day=True))
        s.add(DayRecord(employee_id=emp, date=D(2027, 1, 5), status="TK", working_day=True))
        s.add(DayRecord(employee_id=emp, date=D(2026, 12, 31), status="H", working_day=True))
    r27 = _row(db, org, emp, 2027, as_of=D(2027, 1, 31))
    assert (r27.longest_run, r27.tk_days, r27.consecutive_berat) == (2, 2, False)
    assert _row(db, org, emp, 2026).consecutive_berat  # November's run is 2026's


# ------------------------------------------------------------------ sedang substitutes (policy data)

@pytest.mark.parametrize(("days", "sanction"), [
    (10, None), (11, "penundaan kenaikan gaji berkala selama 1 tahun"), (13, "penundaan kenaikan gaji berkala selama 1 tahun"),
    (14, "penundaan kenaikan pangkat selama 1 tahun"), (16, "penundaan kenaikan pangkat selama 1 tahun"),
    (17, "penurunan pangkat setingkat lebih rendah selama 1 tahun"), (20, "penurunan pangkat setingkat lebih rendah selama 1 tahun"),
    (21, None)])
def test_substitute_per_day_band(days: int, sanction: str | None) -> None:
    sub = sedang_substitute(POLICY, tier_for_days(days), days)
    assert (sub.sanction if sub else None) == sanction
    if sub:
        assert "Pasal 42 PP 94/2021" in sub.legal_basis and not sub.confirmed
        assert sub.replaces == tier_for_days(days).sanction  # type: ignore[union-attr]
        a = assess(tk_days=days, late_minutes=0, early_minutes=0, longest_run=1, employee_kind="PNS", policy=POLICY)
        assert a["substitute"] == sub and a["sanction"] == sub.sanction and sub.legal_basis in str(a["legal_basis"])
    assert not POLICY.source_of("discipline.sedang_substitutes").verified  # the pairing is not confirmed


def test_substitutes_switch_off_and_re_pair() -> None:
    off = replace(POLICY, discipline=replace(POLICY.discipline, sedang_mode="potongan_tpp"))
    assert sedang_substitutes(off) == () and sedang_substitute(off, tier_for_days(12), 12) is None
    a = assess(tk_days=12, late_minutes=0, early_minutes=0, longest_run=1, employee_kind="PNS", policy=off)
    assert a["sanction"] == "pemotongan tunjangan kinerja 25% selama 6 bulan" and a["substitute"] is None
    repaired = policy_from_dict({"tpp": {"deduction_base": "tpp"}, "discipline": {"sedang_substitutes": [
        {"from": 11, "to": 20, "replaces": "pemotongan tunjangan kinerja 25%", "sanction": "penundaan kenaikan pangkat selama 1 tahun",
         "legal_basis": "Pasal 42 PP 94/2021", "confirmed": True}]}}, "uji")
    assert [sedang_substitute(repaired, tier_for_days(d), d).sanction for d in (11, 20)] == [  # type: ignore[union-attr]
        "penundaan kenaikan pangkat selama 1 tahun"] * 2
    with pytest.raises(PolicyError, match="legal_basis"):
        policy_from_dict({"tpp": {"deduction_base": "tpp"}, "discipline": {"sedang_substitutes": [
            {"from": 11, "to": 13, "replaces": "x", "sanction": "y", "confirmed": False}]}}, "uji")
