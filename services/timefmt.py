"""One way to write times for people: "08.21", "01-12-2026 08.21", "08.21 WIB".

Indonesian spelling (PUEBI) separates hours and minutes with a dot, so every screen, PDF and
message uses these functions instead of its own ``strftime``; machine formats (file names, ISO
timestamps in data files, CLI output read by scripts) are not user text and keep their own.
Local times are naive office-zone datetimes (services/clock.py); the zone suffix is added only
where a time is read outside the office (signatures, submissions, the central server).
"""

from __future__ import annotations

import datetime as dt

ZONE_ABBR = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_abbr(zone: str) -> str:
    """WIB / WITA / WIT for an office zone name (the name itself when unknown)."""
    return ZONE_ABBR.get(zone, zone)


def jam(ts: dt.datetime | dt.time | None, empty: str = "-") -> str:
    """"08.21" (``empty`` for no time)."""
    return ts.strftime("%H.%M") if ts is not None else empty


def jam_detik(ts: dt.datetime | dt.time | None, empty: str = "-") -> str:
    """"08.21.05": where seconds matter (device clock, selfie time)."""
    return ts.strftime("%H.%M.%S") if ts is not None else empty


def jam_pada(ts: dt.datetime | None, day: dt.date, empty: str = "-") -> str:
    """"08.21" on ``day``; "00.15 (02/12)" when the time falls on another date (a night shift's check-out)."""
    if ts is None:
        return empty
    return jam(ts) if ts.date() == day else f"{jam(ts)} ({ts:%d/%m})"


def tanggal_jam(ts: dt.datetime | None, empty: str = "-") -> str:
    """"01-12-2026 08.21"."""
    return f"{ts:%d-%m-%Y} {jam(ts)}" if ts is not None else empty


def tanggal_jam_detik(ts: dt.datetime | None, empty: str = "-") -> str:
    """"01-12-2026 08.21.05"."""
    return f"{ts:%d-%m-%Y} {jam_detik(ts)}" if ts is not None else empty


def tanggal_jam_zona(ts: dt.datetime | None, zone: str, empty: str = "-") -> str:
    """"01-12-2026 08.21 WIB": an aware instant shown in the office zone, a naive one taken as already local."""
    if ts is None:
        return empty
    if ts.tzinfo is not None:
        from zoneinfo import ZoneInfo

        ts = ts.astimezone(ZoneInfo(zone))
    return f"{tanggal_jam(ts)} {zone_abbr(zone)}"


def rentang_jam(start: dt.datetime | dt.time | None, end: dt.datetime | dt.time | None) -> str:
    """"07.30–16.00"."""
    return f"{jam(start)}–{jam(end)}"
