"""Validation of NIP (PNS, 18 digits) and NI PPPK (18 digits); structure in RULES.md.

PNS:      YYYYMMDD (birth) + YYYYMM (TMT CPNS) + G (1 male, 2 female) + SSS (001-999)
NI PPPK:  YYYYMMDD (birth) + YYYY (appointment year) + KK + G + SSS

The two NI PPPK digits after the appointment year are explained by one public source as the
number of work contracts; no source says the first one is always '2', so any two digits pass
(real numbers such as 199203152022211004 and 198811072023112003 must be accepted).

Plausibility of the dates (the law's own lower bounds, so a real number is never refused):
- PNS: applicants are at least 18 (PP 11/2017 Pasal 23 ayat (1) huruf a), so the TMT CPNS falls
  in or after the year of the 18th birthday and not before the birth month of that year.
- PPPK: applicants are at least 20 (PP 49/2018 Pasal 16 huruf a), and the first PPPK were
  appointed under PP 49/2018 (in force 28 November 2018), so the appointment year is >= 2019.
- Neither the birth date nor the appointment may lie after ``today`` when a date is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.errors import BadInputError


class NipError(BadInputError):
    pass


@dataclass(frozen=True)
class NipInfo:
    kind: str  # PNS / PPPK
    birth_date: dt.date
    gender: str  # L / P
    serial: int
    appointed: str  # "YYYY-MM" (PNS TMT) or "YYYY" (PPPK)


def _birth(nip: str) -> dt.date:
    try:
        return dt.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError as exc:
        raise NipError(f"tanggal lahir '{nip[0:8]}' tidak valid") from exc


def _gender(ch: str) -> str:
    if ch not in "12":
        raise NipError(f"kode jenis kelamin '{ch}' harus 1 (laki-laki) atau 2 (perempuan)")
    return "L" if ch == "1" else "P"


def _serial(s: str) -> int:
    n = int(s)
    if not 1 <= n <= 999:
        raise NipError(f"nomor urut '{s}' harus 001-999")
    return n


PNS_MIN_AGE = 18  # PP 11/2017 Pasal 23 ayat (1) huruf a
PPPK_MIN_AGE = 20  # PP 49/2018 Pasal 16 huruf a
PPPK_FIRST_YEAR = 2019  # PP 49/2018 in force 28-11-2018; first appointments 2019


def _check_pns_tmt(label: str, raw: str, birth: dt.date, year: int, month: int) -> None:
    if not 1 <= month <= 12:
        raise NipError(f"{label} '{raw}': bulan TMT CPNS '{month:02d}' tidak valid (01-12)")
    earliest = (birth.year + PNS_MIN_AGE, birth.month)
    if (year, month) < earliest:
        raise NipError(f"{label} '{raw}': TMT CPNS {month:02d}-{year} sebelum pegawai berusia {PNS_MIN_AGE} tahun "
                       f"(lahir {birth:%d-%m-%Y})")


def _check_pppk_year(label: str, raw: str, birth: dt.date, year: int) -> None:
    if year < PPPK_FIRST_YEAR:
        raise NipError(f"{label} '{raw}': tahun pengangkatan {year} sebelum PPPK pertama diangkat "
                       f"({PPPK_FIRST_YEAR}, PP 49/2018)")
    if year < birth.year + PPPK_MIN_AGE:
        raise NipError(f"{label} '{raw}': tahun pengangkatan {year} sebelum pegawai berusia {PPPK_MIN_AGE} tahun "
                       f"(lahir {birth:%d-%m-%Y})")


def parse_nip(raw: str, kind: str, today: dt.date | None = None) -> NipInfo:
    """Validate a NIP / NI PPPK and return its parts; raises NipError with an Indonesian message.

    ``today`` (from the caller's Clock) additionally refuses a birth date or appointment in the future.
    """
    nip = raw.replace(" ", "").strip()
    label = "NI PPPK" if kind == "PPPK" else "NIP"
    if len(nip) != 18 or not nip.isascii() or not nip.isdigit():  # isdigit() alone accepts '٣' and '３'
        raise NipError(f"{label} '{raw[:40]}' harus 18 digit angka 0-9")
    birth = _birth(nip)
    year = int(nip[8:12])
    if kind == "PPPK":
        _check_pppk_year(label, raw, birth, year)
        month = 1
        appointed = f"{year:04d}"
    else:
        month = int(nip[12:14])
        _check_pns_tmt(label, raw, birth, year, month)
        appointed = f"{year:04d}-{month:02d}"
    gender, serial = _gender(nip[14]), _serial(nip[15:18])
    if today is not None:
        if birth > today:
            raise NipError(f"{label} '{raw}': tanggal lahir {birth:%d-%m-%Y} di masa depan")
        if (year, month) > (today.year, today.month):
            raise NipError(f"{label} '{raw}': tahun/bulan pengangkatan {appointed} di masa depan")
    return NipInfo(kind="PPPK" if kind == "PPPK" else "PNS", birth_date=birth, gender=gender, serial=serial, appointed=appointed)


def validate_employee_id(raw: str, kind: str, today: dt.date | None = None) -> str:
    """Normalised id for an employee of any kind. PTT / non-ASN ids are free-form but non-empty."""
    if kind in ("PNS", "PPPK"):
        parse_nip(raw, kind, today)
        return raw.replace(" ", "").strip()
    value = raw.strip()
    if not value:
        raise NipError("nomor identitas pegawai non-ASN tidak boleh kosong")
    return value


def make_nip(birth: dt.date, tmt: tuple[int, int], gender: str, serial: int) -> str:
    return f"{birth:%Y%m%d}{tmt[0]:04d}{tmt[1]:02d}{'1' if gender == 'L' else '2'}{serial:03d}"


def make_ni_pppk(birth: dt.date, year: int, contracts: int, gender: str, serial: int) -> str:
    """NI PPPK with ``contracts`` (00-99) as the two digits after the appointment year."""
    return f"{birth:%Y%m%d}{year:04d}{contracts:02d}{'1' if gender == 'L' else '2'}{serial:03d}"
