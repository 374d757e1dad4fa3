"""The deduction base each preset states, and the per-rule lines that make the arithmetic checkable by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from services.policy.model import list_presets, load_policy, policy_from_dict
from services.policy.tpp import DayLine, compute_deduction

NO_FLAGS: frozenset[str] = frozenset()


def _h(day: int, tl: int = 0, psw: int = 0, apel: bool | None = None, flags: frozenset[str] = NO_FLAGS) -> DayLine:
    return DayLine(dt.date(2026, 3, day), "H", True, tl, psw, 0, 0, apel, flags)


def _tk(day: int) -> DayLine:
    return DayLine(dt.date(2026, 3, day), "TK", True, 0, 0, 0, 0, None, NO_FLAGS)


def _lines(res) -> list[tuple[str, int, float, int]]:  # type: ignore[no-untyped-def]
    return [(ln.code, ln.count, ln.pct, ln.rupiah) for ln in res.lines]


def test_kotawaringin_timur_half_percent_apel_is_of_the_whole_tpp() -> None:
    # SE 800.1/1090/BKPSDM.PKAP/2025: "pengurangan TPP sebesar 0,5 persen per kegiatan" -> 0,5 % x 4.000.000 = 20.000
    # (the old silent 40 % kehadiran base charged 8.000, i.e. 0,2 % of TPP)
    res = compute_deduction([_h(2, apel=False), _h(9, apel=False)], 4_000_000, load_policy("kotawaringin_timur"))
    assert res.base_rp == 4_000_000
    assert _lines(res) == [("APEL_MISS", 2, 0.5, 40_000)]
    assert res.deduction_rp == 40_000 and res.tpp_net == 3_960_000


def test_sumatera_utara_charges_the_kehadiran_component() -> None:
    res = compute_deduction([_h(2, tl=1), _tk(3)], 4_000_000, load_policy("sumatera_utara"))
    assert res.base_rp == 1_600_000  # 40 % of 4.000.000
    # TL1 0,5 % x 1.600.000 = 8.000; TK 4 % x 1.600.000 = 64.000
    assert _lines(res) == [("TL1", 1, 0.5, 8_000), ("TK", 1, 4.0, 64_000)]
    assert res.deduction_rp == 72_000


def test_tulang_bawang_charges_its_discipline_component() -> None:
    res = compute_deduction([_h(2, apel=False)], 5_000_000, load_policy("tulang_bawang"))
    assert res.base_rp == 2_000_000  # assumed 40 % disiplin share (marked unverified in the preset)
    assert _lines(res) == [("APEL_MISS", 1, 2.0, 40_000)]


def test_each_rule_line_is_rounded_and_the_lines_add_up() -> None:
    p = load_policy("default")  # whole TPP
    # TL1 x 2 = 1 % of 3.333.333 = 33.333,33 -> 33.333 (one line per rule, not per day)
    res = compute_deduction([_h(2, tl=1), _h(3, tl=1)], 3_333_333, p)
    assert _lines(res) == [("TL1", 2, 0.5, 33_333)] and res.deduction_rp == 33_333
    # TL1 + PSW1: 16.666,665 -> 16.667 each, 33.334 in all
    res = compute_deduction([_h(2, tl=1, psw=1)], 3_333_333, p)
    assert _lines(res) == [("TL1", 1, 0.5, 16_667), ("PSW1", 1, 0.5, 16_667)] and res.deduction_rp == 33_334
    assert res.tpp_net == 3_333_333 - 33_334


def _custom(absent: float, cap: float = 100.0):  # type: ignore[no-untyped-def]
    return policy_from_dict({"attendance": {"absent_pct": absent, "cap_pct": cap},
                             "tpp": {"deduction_base": "tpp"}}, "uji")


def test_cap_boundary() -> None:
    days = [d for d in range(2, 31) if dt.date(2026, 3, d).weekday() < 5][:21]
    exactly = compute_deduction([_tk(d) for d in days[:20]], 1_000_000, _custom(5.0))  # 20 x 5 = 100 %
    assert _lines(exactly) == [("TK", 20, 5.0, 1_000_000)] and exactly.deduction_rp == 1_000_000
    over = compute_deduction([_tk(d) for d in days[:21]], 1_000_000, _custom(5.0))  # 105 % -> 100 %
    assert _lines(over) == [("TK", 21, 5.0, 1_050_000), ("CAP", 1, -5.0, -50_000)]
    assert over.deduction_rp == 1_000_000 and over.pct == 100.0 and over.pct_raw == 105.0
    half = compute_deduction([_tk(d) for d in days[:11]], 1_000_000, _custom(5.0, cap=50.0))  # 55 % -> 50 %
    assert _lines(half)[-1] == ("CAP", 1, -5.0, -50_000) and half.deduction_rp == 500_000


def test_manipulation_kehadiran_nol_line() -> None:
    p = load_policy("sumatera_utara")
    res = compute_deduction([_h(2, tl=1)], 4_000_000, p, manipulated_on={dt.date(2026, 3, 2)})
    # TL1 8.000, then the whole kehadiran component 1.600.000 is lost: + 1.592.000
    assert _lines(res) == [("TL1", 1, 0.5, 8_000), ("MANIPULASI", 1, 99.5, 1_592_000)]
    assert res.deduction_rp == 1_600_000 and res.tpp_net == 2_400_000


@pytest.mark.parametrize("name", list_presets())
def test_lines_add_up_for_every_preset(name: str) -> None:
    p = load_policy(name)
    days = [_h(2, tl=1, psw=2, apel=False), _h(3, tl=4), _h(4, flags=frozenset({"no_checkin", "no_checkout"})),
            _tk(5), _tk(6)]
    for base in (0, 1, 3_333_333, 7_654_321):
        res = compute_deduction(days, base, p, manipulated_on={dt.date(2026, 3, 3)})
        assert sum(ln.rupiah for ln in res.lines) == res.deduction_rp, name
        assert 0 <= res.deduction_rp <= base and res.tpp_net == base - res.deduction_rp


@pytest.mark.parametrize(("minutes", "code", "pct"), [
    (0, None, 0.0), (1, "TL1", 1.0), (30, "TL1", 1.0), (31, "TL2", 1.25), (60, "TL2", 1.25), (61, "TL3", 2.5),
    (300, "TL3", 2.5)])
def test_pmk_221_late_tiers_count_after_the_flexible_start(minutes: int, code: str | None, pct: float) -> None:
    # minutes after 09.00 (07.30 + 90): 09.01-<09.31 1 %, 09.31-<10.01 1,25 %, >= 10.01 2,5 %
    a = load_policy("pmk_221").attendance
    tier = a.tier_for(a.tl_tiers, minutes)
    assert (tier.code if tier else None, tier.pct if tier else 0.0) == (code, pct)


@pytest.mark.parametrize(("minutes", "code", "pct"), [
    (1, "PSW1", 0.5), (30, "PSW1", 0.5), (31, "PSW2", 1.0), (60, "PSW2", 1.0), (61, "PSW3", 1.25), (90, "PSW3", 1.25),
    (91, "PSW4", 1.5)])
def test_pmk_221_early_leave_tiers(minutes: int, code: str, pct: float) -> None:
    a = load_policy("pmk_221").attendance
    tier = a.tier_for(a.psw_tiers, minutes)
    assert tier is not None and (tier.code, tier.pct) == (code, pct)


def test_pmk_221_deduction_of_a_month() -> None:
    p = load_policy("pmk_221")
    days = [_h(2, tl=1), _h(3, tl=3), _h(4, psw=4), _h(5, flags=frozenset({"no_checkin"}))]
    res = compute_deduction(days, 2_000_000, p)
    # TL1 1 % = 20.000; TL3 2,5 % x 2 (10.05 check-in and no check-in) = 100.000; PSW4 1,5 % = 30.000
    assert _lines(res) == [("TL1", 1, 1.0, 20_000), ("TL3", 2, 2.5, 100_000), ("PSW4", 1, 1.5, 30_000)]
    assert res.deduction_rp == 150_000
