"""NIP / NI PPPK structure (RULES.md): date parts, gender digit, serial; no fixed digit after the PPPK year."""

from __future__ import annotations

import datetime as dt

import pytest

from services.org.nip import NipError, make_ni_pppk, parse_nip, validate_employee_id


@pytest.mark.parametrize(
    "nip,birth,year,gender,serial",
    [
        ("199203152022211004", dt.date(1992, 3, 15), "2022", "L", 4),  # '21' after the year
        ("198811072023112003", dt.date(1988, 11, 7), "2023", "P", 3),  # '11': first digit not '2'
        ("197505202024011999", dt.date(1975, 5, 20), "2024", "L", 999),  # '01'
        ("200001012020992001", dt.date(2000, 1, 1), "2020", "P", 1),  # exactly 20 in the appointment year
        ("199612312019001010", dt.date(1996, 12, 31), "2019", "L", 10),  # first PPPK year, '00'
    ],
)
def test_real_shaped_ni_pppk_is_accepted(nip: str, birth: dt.date, year: str, gender: str, serial: int) -> None:
    info = parse_nip(nip, "PPPK", today=dt.date(2026, 12, 1))
    assert (info.kind, info.birth_date, info.appointed, info.gender, info.serial) == ("PPPK", birth, year, gender, serial)


@pytest.mark.parametrize(
    "nip,fragment",
    [
        ("19920315202221100", "18 digit"),
        ("19920315202221100A", "18 digit"),
        ("199202302022211004", "tanggal lahir '19920230'"),
        ("199213012022211004", "tanggal lahir"),
        ("199203002022211004", "tanggal lahir"),
        ("199203152018211004", "PPPK pertama"),  # 2018: before PP 49/2018 appointments
        ("200203152021211004", "berusia 20"),  # 2021 - 2002 = 19
        ("199203152022213004", "jenis kelamin '3'"),
        ("199203152022210004", "jenis kelamin '0'"),
        ("199203152022211000", "nomor urut '000'"),
    ],
)
def test_each_bad_ni_pppk_part_is_named(nip: str, fragment: str) -> None:
    with pytest.raises(NipError, match=fragment):
        parse_nip(nip, "PPPK")


def test_future_dates_are_refused_only_against_the_given_today() -> None:
    nip = "199203152027211004"  # appointed 2027
    assert parse_nip(nip, "PPPK").appointed == "2027"
    with pytest.raises(NipError, match="masa depan"):
        parse_nip(nip, "PPPK", today=dt.date(2026, 12, 31))
    assert parse_nip(nip, "PPPK", today=dt.date(2027, 1, 1)).appointed == "2027"
    with pytest.raises(NipError, match="masa depan"):
        parse_nip("198505102012011001", "PNS", today=dt.date(2011, 12, 31))


@pytest.mark.parametrize(
    "nip,ok",
    [
        ("199005102008051001", True),  # TMT May 2008: month of the 18th birthday
        ("199005102008041001", False),  # April 2008: still 17
        ("199005102007121001", False),
        ("199005102015001001", False),  # month 00
        ("199005102015131001", False),  # month 13
        ("199005102015121001", True),
    ],
)
def test_pns_tmt_month_and_minimum_age_boundaries(nip: str, ok: bool) -> None:
    if ok:
        assert parse_nip(nip, "PNS").appointed == f"{nip[8:12]}-{nip[12:14]}"
    else:
        with pytest.raises(NipError, match="TMT CPNS"):
            parse_nip(nip, "PNS")


def test_validate_employee_id_strips_spaces_and_builder_round_trips() -> None:
    nip = make_ni_pppk(dt.date(1990, 6, 1), 2023, 21, "P", 7)
    assert nip == "199006012023212007"
    assert validate_employee_id("19900601 2023 21 2 007", "PPPK") == nip
    assert validate_employee_id(" PTT-01 ", "PTT") == "PTT-01"
    with pytest.raises(NipError, match="non-ASN"):
        validate_employee_id("  ", "NON_ASN")
