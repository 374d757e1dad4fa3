"""Cuti tahunan balance (PP 11/2017 Pasal 310-313, PerBKN 24/2017): 12 working days a year, at most 6
carried (18), 24 after two years without cuti tahunan, working days only (cuti bersama does not reduce it for
ASN), and letters over the balance refused with hak / terpakai / sisa / diminta. Every figure is hand-computed."""

from __future__ import annotations

import datetime as dt

import pytest

import services.reconcile  # noqa: F401  (installs the recompute used by letters)
from services.calendar.schedules import seed_standard_schedules
from services.letters.leave import leave_balance, year_chain
from services.letters.register import LetterError, create_letter, update_letter
from services.store.models import Employee, Holiday, Setting

d = dt.date.fromisoformat
TODAY = dt.date(2026, 12, 1)
NUM = iter(range(1, 10_000))


@pytest.fixture
def emp(db, org) -> int:  # type: ignore[no-untyped-def]
    """A PNS with TMT CPNS March 2010 (right since 1 March 2011); the register starts in 2024."""
    e = org.employee_ids[10]
    with db.transaction() as s:
        seed_standard_schedules(s)
        row = s.get(Employee, e)
        row.nip, row.kind, row.active_from = "198503122010031002", "PNS", None
        s.add(Setting(key="leave.history_from", value="2024"))
    return e


def _ct(db, emp_id: int, first: str, last: str, letter_id: int | None = None):  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        n = f"851/{next(NUM)}"
        if letter_id is not None:
            return update_letter(s, "operator", letter_id, kind="CT", number=n, letter_date=d(first),
                                 date_from=d(first), date_to=d(last), employee_ids=[emp_id], today=TODAY).id
        return create_letter(s, "operator", "CT", n, d(first), d(first), d(last), [emp_id], today=TODAY).id


def _bal(db, emp_id: int, year: int):  # type: ignore[no-untyped-def]
    with db.session() as s:
        b = leave_balance(s, emp_id, year)
        assert b is not None
        return b.hak, b.terpakai, b.sisa


def test_year_chain_rule_table() -> None:
    # used per year -> hak per year (first year 12, carry min(6, sisa), 24 after two unused years)
    cases = [
        ({}, [12, 18, 24, 24]),
        ({2020: 10}, [12, 14, 18, 24]),
        ({2020: 12, 2021: 3}, [12, 12, 18, 18]),  # 2021: sisa 9, carry 6; 2023: 2021 was used
        ({2020: 0, 2021: 0, 2022: 20}, [12, 18, 24, 16]),
        ({2020: 12, 2021: 12, 2022: 12, 2023: 12}, [12, 12, 12, 12]),
    ]
    for used, hak in cases:
        assert [y.hak for y in year_chain(2020, 2023, used, None)] == hak, used
    # the right begins in 2021: 2020 has nothing, 2021 is a first year, 2022 carries 6, 2023 gets 24
    assert [y.hak for y in year_chain(2020, 2023, {}, d("2021-07-01"))] == [0, 12, 18, 24]


def test_carry_over_across_years_from_letters(db, emp) -> None:
    _ct(db, emp, "2024-02-05", "2024-02-16")  # Mon-Fri x 2 = 10 working days
    assert _bal(db, emp, 2024) == (12, 10, 2)
    assert _bal(db, emp, 2025) == (14, 0, 14)  # 12 + 2 left from 2024
    assert _bal(db, emp, 2026) == (18, 0, 18)  # 2025 unused but 2024 used: 12 + at most 6
    _ct(db, emp, "2025-03-03", "2025-03-14")  # 10 working days of 14
    assert _bal(db, emp, 2025) == (14, 10, 4)
    assert _bal(db, emp, 2026) == (16, 0, 16)  # 12 + 4


def test_two_unused_years_give_24_and_a_letter_over_it_is_refused_with_the_numbers(db, emp) -> None:
    assert _bal(db, emp, 2026) == (24, 0, 24)  # 2024 and 2025 in the register, both unused
    with pytest.raises(LetterError, match=r"tahun 2026 melebihi sisa hak: hak 24 hari kerja, terpakai 0, sisa 24, "
                                          r"diminta 25 hari kerja"):
        _ct(db, emp, "2026-06-01", "2026-07-03")  # 5 weeks = 25 working days
    _ct(db, emp, "2026-06-01", "2026-07-02")  # 24
    assert _bal(db, emp, 2026) == (24, 24, 0)
    with pytest.raises(LetterError, match=r"hak 24 hari kerja, terpakai 24, sisa 0, diminta 1 hari kerja"):
        _ct(db, emp, "2026-08-03", "2026-08-03")


def test_cuti_bersama_and_holidays_inside_a_letter_are_not_taken(db, emp) -> None:
    with db.transaction() as s:  # March 2026 (SKB): 19 Mar Nyepi; cuti bersama 18, 20, 23, 24 Mar
        s.add(Holiday(date=d("2026-03-19"), name="Nyepi", kind="nasional"))
        for day in ("2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24"):
            s.add(Holiday(date=d(day), name="Cuti bersama Idulfitri", kind="cuti_bersama"))
    _ct(db, emp, "2024-01-08", "2024-01-19")  # 10 days in 2024 -> 2025: 14 -> 2026: 18 (2025 unused)
    # Mon 16 - Fri 27 Mar: 10 weekdays - 1 holiday - 4 cuti bersama = 5 working days
    _ct(db, emp, "2026-03-16", "2026-03-27")
    assert _bal(db, emp, 2026) == (18, 5, 13)
    with db.session() as s:  # the balance does not move for a cuti bersama day (nor does a letter on it count)
        b = leave_balance(s, emp, 2026, extra_days=[d("2026-03-23")])
        assert b is not None and b.terpakai == 5


def test_letter_across_new_year_is_split_by_year(db, emp) -> None:
    with db.transaction() as s:
        s.add(Holiday(date=d("2026-01-01"), name="Tahun Baru", kind="nasional"))
    _ct(db, emp, "2025-12-29", "2026-01-02")  # Mon-Wed 2025 = 3; Thu 1 Jan holiday, Fri 2 Jan = 1
    assert _bal(db, emp, 2025)[1] == 3 and _bal(db, emp, 2026)[1] == 1
    assert _bal(db, emp, 2026)[0] == 18  # 2025 sisa 24 - 3 = 21 -> carry 6 (2025 was used)


def test_updating_a_letter_does_not_count_it_twice(db, emp) -> None:
    with db.transaction() as s:
        s.get(Setting, "leave.history_from").value = "2026"
    lid = _ct(db, emp, "2026-02-02", "2026-02-17")  # 12 working days = the whole first-year balance
    assert _bal(db, emp, 2026) == (12, 12, 0)
    _ct(db, emp, "2026-02-03", "2026-02-18", letter_id=lid)  # moved by a day: still 12
    with pytest.raises(LetterError, match="hak 12 hari kerja, terpakai 0, sisa 12, diminta 13"):
        _ct(db, emp, "2026-02-03", "2026-02-19", letter_id=lid)


def test_earlier_letter_that_shrinks_a_later_years_carry_is_refused(db, emp) -> None:
    _ct(db, emp, "2024-03-04", "2024-03-05")  # 2 days: 2025 hak 12 + 6 = 18
    _ct(db, emp, "2025-03-03", "2025-03-26")  # 18 working days
    assert _bal(db, emp, 2025) == (18, 18, 0)
    _ct(db, emp, "2026-03-02", "2026-03-17")  # 12 working days of 12
    with pytest.raises(LetterError, match="mengurangi sisa yang dibawa ke tahun 2025"):
        _ct(db, emp, "2024-04-01", "2024-04-08")  # 6 more in 2024 leaves 4: 2025 hak would be 16 < 18 used


def test_no_right_before_one_year_of_service_and_non_asn_is_not_counted(db, org, emp) -> None:
    with db.transaction() as s:
        row = s.get(Employee, emp)
        row.nip, row.active_from = "199801012026021001", None  # TMT CPNS February 2026
    with pytest.raises(LetterError, match="belum berhak cuti tahunan pada 02-11-2026.*mulai 01-02-2027"):
        _ct(db, emp, "2026-11-02", "2026-11-03")
    other = org.employee_ids[11]
    with db.transaction() as s:
        s.get(Employee, other).kind = "PTT"
    _ct(db, other, "2026-06-01", "2026-07-31")  # 45 working days: the contract decides, not PP 11/2017
    with db.session() as s:
        assert leave_balance(s, other, 2026) is None


def test_register_start_defaults_to_the_oldest_letter(db, org, emp) -> None:
    with db.transaction() as s:
        s.delete(s.get(Setting, "leave.history_from"))
    assert _bal(db, emp, 2026) == (12, 0, 12)  # nothing recorded before 2026: no carry-over assumed
    _ct(db, org.employee_ids[9], "2024-05-06", "2024-05-06")  # someone's 2024 letter: the register began in 2024
    assert _bal(db, emp, 2026) == (24, 0, 24)


def test_unknown_service_start_counts_from_the_register(db, emp) -> None:
    with db.transaction() as s:
        s.get(Employee, emp).nip = "LAMA-0001"  # a legacy id: no TMT to read, no active_from
    assert _bal(db, emp, 2026) == (24, 0, 24)  # 2024 (12, unused) -> 2025 (18, unused) -> 2026: 24
    _ct(db, emp, "2025-01-06", "2025-01-06")  # one day in 2025 -> 2025 sisa 17 -> 2026: 12 + 6
    assert _bal(db, emp, 2026) == (18, 0, 18)
