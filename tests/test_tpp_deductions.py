"""TPP deductions, hand-computed (Kotawaringin Timur preset: TL/PSW 0.5/1/1.5/2 %, TK 4 %, apel 0.5 %, of the whole TPP)."""

from __future__ import annotations

import datetime as dt

import pytest

from services.policy.model import load_policy, policy_from_dict
from services.policy.tpp import month_recap, rupiah
from services.store.models import DayRecord, Employee, Punch, SelfieCheck

D = dt.date


def _day(emp_id: int, d: dt.date, status: str = "H", **kw) -> DayRecord:
    working = kw.pop("working_day", status != "LIBUR")
    return DayRecord(employee_id=emp_id, date=d, status=status, working_day=working, **kw)


def _march_rows(emp_id: int) -> list[DayRecord]:
    return [
        _day(emp_id, D(2026, 3, 2), tl_tier=1, late_minutes=10, apel=False),  # 0.5 + apel 0.5
        _day(emp_id, D(2026, 3, 3), tl_tier=3, late_minutes=75),  # 1.5
        _day(emp_id, D(2026, 3, 4), psw_tier=2, early_minutes=40),  # 1.0
        _day(emp_id, D(2026, 3, 5), "TK"),  # 4.0
        _day(emp_id, D(2026, 3, 6), flags="no_checkout"),  # PSW4 = 2.0
        _day(emp_id, D(2026, 3, 7), "LIBUR"),
        _day(emp_id, D(2026, 3, 8), "LIBUR"),
        _day(emp_id, D(2026, 3, 9), apel=True),  # 0
        _day(emp_id, D(2026, 3, 10), "CT"),
        _day(emp_id, D(2026, 3, 11), "DL"),
    ]


def _setup(db, org, base: int = 4_000_000) -> int:  # type: ignore[no-untyped-def]
    emp_id = org.employee_ids[1]
    with db.transaction() as s:
        s.get(Employee, emp_id).tpp_base = base
        s.add_all(_march_rows(emp_id))
    return emp_id


def _row(db, org, emp_id, policy):  # type: ignore[no-untyped-def]
    with db.session() as s:
        rows = month_recap(s, org.opd_id, 2026, 3, policy)
    assert len(rows) == 12  # every active employee appears, even without records
    return next(r for r in rows if r.employee_id == emp_id)


def test_month_recap_hand_computed(db, org) -> None:
    emp_id = _setup(db, org)
    r = _row(db, org, emp_id, load_policy("kotawaringin_timur"))
    # 0.5 + 0.5 (apel) + 1.5 + 1.0 + 4.0 + 2.0 = 9.5 % of the whole TPP 4.000.000 (SE 800.1/1090: "0,5 persen" of TPP)
    assert r.deduction_pct == pytest.approx(9.5)
    assert r.deduction_base_rp == 4_000_000
    assert r.deduction_rp == 380_000
    assert r.tpp_net == 3_620_000
    assert r.working_days == 8
    assert (r.count("H"), r.count("TL1"), r.count("TL3"), r.count("PSW2"), r.count("PSW4")) == (5, 1, 1, 1, 1)
    assert (r.count("TK"), r.count("CUTI"), r.count("DL"), r.count("APEL_MISS")) == (1, 1, 1, 1)
    assert not r.manipulation


def test_default_policy_has_no_apel_deduction(db, org) -> None:
    emp_id = _setup(db, org)
    r = _row(db, org, emp_id, load_policy("default"))
    assert r.deduction_pct == pytest.approx(9.0)
    assert r.count("APEL_MISS") == 1  # still counted for the report, just free of charge
    assert r.deduction_rp == 360_000  # 9 % of the whole TPP (Permentan 68/2012 template)


def _custom(**over) -> object:
    data = {
        "attendance": {
            "tl_tiers": [{"code": "TL1", "from": 1, "to": 30, "pct": 1.0}, {"code": "TL2", "from": 31, "to": 60, "pct": 1.25},
                         {"code": "TL3", "from": 61, "to": 90, "pct": 2.5}, {"code": "TL4", "from": 91, "pct": 2.5}],
            "psw_tiers": [{"code": "PSW1", "from": 1, "to": 30, "pct": 1.0}, {"code": "PSW2", "from": 31, "to": 60, "pct": 1.25},
                          {"code": "PSW3", "from": 61, "to": 90, "pct": 2.5}, {"code": "PSW4", "from": 91, "pct": 2.5}],
            "absent_pct": 3.0, "apel_miss_pct": 2.0, **over.pop("attendance", {}),
        },
        "tpp": {"components": {"kehadiran": 40, "kinerja": 60}, "deduction_base": "kehadiran", **over.pop("tpp", {})},
    }
    return policy_from_dict(data, "uji")


def test_other_region_percentages_come_from_policy(db, org) -> None:
    emp_id = _setup(db, org)
    # TL1 1 + apel 2 + TL3 2.5 + PSW2 1.25 + TK 3 + PSW4 2.5 = 12.25 %
    r = _row(db, org, emp_id, _custom())
    assert r.deduction_pct == pytest.approx(12.25)
    assert r.deduction_rp == 196_000  # 12.25 % x 1.600.000


def test_deduction_base_total(db, org) -> None:
    emp_id = _setup(db, org)
    r = _row(db, org, emp_id, _custom(tpp={"deduction_base": "total"}))
    assert r.deduction_base_rp == 4_000_000
    assert r.deduction_rp == 490_000  # 12.25 % x 4.000.000
    assert r.tpp_net == 3_510_000


def test_cap_at_100_percent(db, org) -> None:
    emp_id = org.employee_ids[2]
    with db.transaction() as s:
        s.get(Employee, emp_id).tpp_base = 4_000_000
        # 22 TK working days in March 2026 x 6 % = 132 % -> capped at 100 %
        days = [D(2026, 3, d) for d in range(1, 32) if D(2026, 3, d).weekday() < 5]
        s.add_all(_day(emp_id, d, "TK") for d in days)
    r = _row(db, org, emp_id, _custom(attendance={"absent_pct": 6.0}))
    assert r.count("TK") == 22
    assert r.deduction_pct_raw == pytest.approx(132.0)
    assert r.deduction_pct == pytest.approx(100.0)
    assert r.deduction_rp == 1_600_000  # the whole kehadiran part, never more
    assert r.tpp_net == 2_400_000
    r50 = _row(db, org, emp_id, _custom(attendance={"absent_pct": 6.0, "cap_pct": 50.0}))
    assert r50.deduction_pct == pytest.approx(50.0) and r50.deduction_rp == 800_000


def _manipulated_punch(db, emp_id: int, when: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        p = Punch(source="mobile", source_serial="MOBILE", pin="2", ts=when, employee_id=emp_id)
        s.add(p)
        s.flush()
        s.add(SelfieCheck(punch_id=p.id, verdict="manipulation", verifier="atasan", reason="foto layar"))


def test_manipulation_kehadiran_nol(db, org) -> None:
    emp_id = _setup(db, org)
    _manipulated_punch(db, emp_id, dt.datetime(2026, 3, 9, 7, 20))
    r = _row(db, org, emp_id, load_policy("sumatera_utara"))
    assert r.manipulation
    assert r.deduction_rp == 1_600_000  # kehadiran part 0 for the month
    assert r.tpp_net == 2_400_000
    assert r.deduction_pct == pytest.approx(100.0)
    # a manipulation in another month does not touch April
    with db.session() as s:
        april = next(x for x in month_recap(s, org.opd_id, 2026, 4, load_policy("sumatera_utara")) if x.employee_id == emp_id)
    assert not april.manipulation and april.deduction_rp == 0


def test_manipulation_alpa_counts_day_as_tk(db, org) -> None:
    emp_id = _setup(db, org)
    _manipulated_punch(db, emp_id, dt.datetime(2026, 3, 9, 7, 20))  # 9 March was H, on time
    r = _row(db, org, emp_id, _custom(tpp={"manipulation": "alpa"}))
    assert r.count("TK") == 2 and r.count("H") == 4
    assert r.deduction_pct == pytest.approx(15.25)  # 12.25 + 3
    assert r.deduction_rp == 244_000


def test_rounding_half_up_to_whole_rupiah(db, org) -> None:
    emp_id = org.employee_ids[3]
    with db.transaction() as s:
        s.get(Employee, emp_id).tpp_base = 3_333_333
        s.add(_day(emp_id, D(2026, 3, 2), tl_tier=1, late_minutes=5))
    r = _row(db, org, emp_id, load_policy("sumatera_utara"))
    assert r.deduction_base_rp == 1_333_333  # 40 % = 1.333.333,2
    assert r.deduction_rp == 6_667  # 0.5 % = 6.666,665 -> 6.667
    assert r.tpp_net + r.deduction_rp == r.tpp_base
    assert rupiah(2.5) == 3 and rupiah(3.5) == 4  # half-up, not banker's rounding


@pytest.mark.parametrize(("minutes", "code"), [(1, "TL1"), (30, "TL1"), (31, "TL2"), (60, "TL2"), (61, "TL3"), (90, "TL3"), (91, "TL4"), (400, "TL4")])
def test_tier_boundaries_per_policy(minutes: int, code: str) -> None:
    rules = load_policy("kotawaringin_timur").attendance
    tier = rules.tier_for(rules.tl_tiers, minutes)
    assert tier is not None and tier.code == code
    assert rules.tier_for(rules.tl_tiers, 0) is None


def test_employee_inactive_in_month_is_left_out(db, org) -> None:
    with db.transaction() as s:
        s.get(Employee, org.employee_ids[5]).active_to = D(2026, 2, 28)
    with db.session() as s:
        rows = month_recap(s, org.opd_id, 2026, 3, load_policy("default"))
    assert org.employee_ids[5] not in {r.employee_id for r in rows}
    assert len(rows) == 11


def test_every_shipped_preset_gives_consistent_rows(db, org) -> None:
    from services.policy.model import list_presets

    emp_id = _setup(db, org)
    _manipulated_punch(db, emp_id, dt.datetime(2026, 3, 2, 7, 20))
    for name in list_presets():
        policy = load_policy(name)
        with db.session() as s:
            rows = month_recap(s, org.opd_id, 2026, 3, policy)
        for r in rows:
            assert r.tpp_net + r.deduction_rp == r.tpp_base, name
            assert 0 <= r.deduction_rp <= r.tpp_base, name
            assert r.deduction_pct <= max(policy.attendance.cap_pct, 100.0), name
        mine = next(r for r in rows if r.employee_id == emp_id)
        assert mine.manipulation and mine.deduction_rp > 0, name
