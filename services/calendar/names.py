"""Indonesian month and weekday names and month arithmetic, shared by every report, screen and rule."""

from __future__ import annotations

import calendar
import datetime as dt

BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November",
         "Desember"]  # index = month - 1
HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]  # index = date.weekday()


def month_label(year: int, month: int) -> str:
    return f"{BULAN[month - 1]} {year}"


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of a month; ValueError for a month outside 1-12."""
    if not 1 <= month <= 12:
        raise ValueError(f"Bulan {month} tidak valid (1-12).")
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
