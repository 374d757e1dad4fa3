"""Validation of NIP (PNS, 18 digits) and NI PPPK (18 digits); structure in RULES.md.

PNS:      YYYYMMDD (birth) + YYYYMM (TMT CPNS) + G (1 male, 2 female) + SSS (001-999)
NI PPPK:  YYYYMMDD (birth) + YYYY (appointment year) + '2' + B (batch 1-9) + G + SSS
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


def parse_nip(raw: str, kind: str) -> NipInfo:
    """Validate a NIP / NI PPPK and return its parts; raises NipError with an Indonesian message."""
    nip = raw.replace(" ", "").strip()
    label = "NI PPPK" if kind == "PPPK" else "NIP"
    if len(nip) != 18 or not nip.isascii() or not nip.isdigit():  # isdigit() alone accepts '٣' and '３'
        raise NipError(f"{label} '{raw[:40]}' harus 18 digit angka 0-9")
    birth = _birth(nip)
    if kind == "PPPK":
        year = int(nip[8:12])
        if nip[12] != "2":
            raise NipError(f"{label} '{raw}': digit ke-13 harus '2' (kode PPPK)")
        if nip[13] not in "123456789":
            raise NipError(f"{label} '{raw}': digit angkatan harus 1-9")
        gender, serial, appointed = _gender(nip[14]), _serial(nip[15:18]), f"{year:04d}"
    else:
        year, month = int(nip[8:12]), int(nip[12:14])
        if not 1 <= month <= 12:
            raise NipError(f"{label} '{raw}': bulan TMT CPNS '{nip[12:14]}' tidak valid")
        gender, serial, appointed = _gender(nip[14]), _serial(nip[15:18]), f"{year:04d}-{month:02d}"
    if year < birth.year + 15:
        raise NipError(f"{label} '{raw}': tahun pengangkatan {year} terlalu dekat dengan tahun lahir {birth.year}")
    return NipInfo(kind="PPPK" if kind == "PPPK" else "PNS", birth_date=birth, gender=gender, serial=serial, appointed=appointed)


def validate_employee_id(raw: str, kind: str) -> str:
    """Normalised id for an employee of any kind. PTT / non-ASN ids are free-form but non-empty."""
    if kind in ("PNS", "PPPK"):
        parse_nip(raw, kind)
        return raw.replace(" ", "").strip()
    value = raw.strip()
    if not value:
        raise NipError("nomor identitas pegawai non-ASN tidak boleh kosong")
    return value


def make_nip(birth: dt.date, tmt: tuple[int, int], gender: str, serial: int) -> str:
    return f"{birth:%Y%m%d}{tmt[0]:04d}{tmt[1]:02d}{'1' if gender == 'L' else '2'}{serial:03d}"


def make_ni_pppk(birth: dt.date, year: int, batch: int, gender: str, serial: int) -> str:
    return f"{birth:%Y%m%d}{year:04d}2{batch}{'1' if gender == 'L' else '2'}{serial:03d}"
