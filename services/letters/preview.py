"""What a letter would change before it is saved: the affected days, before -> after.

A letter wins a working day over its punches and over check-in/out corrections (the day's status
becomes the letter's kind, the fingerprint times no longer count), but not over a holiday or an
operator's status correction, and not over a letter with a later letter date (the rules of
services/reconcile/classify.py: non-working day > status correction > latest letter > punches).
``preview_days`` applies exactly that to the days as they are recorded now; it is pure (no
database) so the dialog, the CLI and the tests share it. ``letter_preview`` reads those days.

Days without a recorded status (the future, a month never computed) are not listed: nothing is
overridden there, the letter simply applies when the day is computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.letters.kinds import LETTER_KINDS
from services.store.models import Correction, DayRecord, Employee, Letter
from services.timefmt import rentang_jam

_TIME_FIELDS = {"check_in": "jam masuk", "check_out": "jam pulang"}


@dataclass(frozen=True)
class RecordedDay:
    """One employee-day as it is recorded now (DayRecord plus the day's active corrections)."""

    employee_id: int
    employee_name: str
    date: dt.date
    status: str
    working_day: bool
    check_in: dt.datetime | None = None
    check_out: dt.datetime | None = None
    letter_id: int | None = None
    letter_number: str = ""
    letter_date: dt.date | None = None
    corrections: Mapping[str, str] = field(default_factory=dict)  # field -> value (active ones)


@dataclass(frozen=True)
class OverrideDay:
    """One affected day: status before and after the new letter, and what the letter overrides."""

    employee_id: int
    employee_name: str
    date: dt.date
    before: str
    after: str
    overrides: str  # Indonesian: what recorded data stops counting ("" when nothing is lost)
    changes: bool  # False: listed because something keeps the day as it is (the user should know)


def _overridden(day: RecordedDay) -> str:
    parts: list[str] = []
    times = {f: v for f, v in day.corrections.items() if f in _TIME_FIELDS}
    if day.letter_id is not None or day.status in LETTER_KINDS:  # the times already do not count
        return f"menggantikan surat {day.letter_number or day.letter_id}" if day.letter_id is not None else ""
    if day.check_in is not None or day.check_out is not None:
        source = "hasil koreksi operator" if times else "sidik jari/mobile"
        parts.append(f"presensi {rentang_jam(day.check_in, day.check_out)} ({source}) tidak dihitung lagi")
    elif times:
        parts.append("koreksi " + " dan ".join(_TIME_FIELDS[f] for f in times) + " operator tidak dipakai lagi")
    return "; ".join(parts)


def preview_days(kind: str, letter_date: dt.date, days: Iterable[RecordedDay]) -> list[OverrideDay]:
    """The days whose status the letter changes, plus those it cannot change although it covers them."""
    if kind not in LETTER_KINDS:
        raise ValueError(f"unknown letter kind {kind!r}")
    out: list[OverrideDay] = []
    for d in days:
        keep = ""
        if "status" in d.corrections:
            keep = f"koreksi status operator ({d.corrections['status']}) tetap berlaku"
        elif not d.working_day:
            continue  # a holiday / day off inside the range stays a holiday: nothing to show
        elif d.letter_id is not None and d.letter_date is not None and d.letter_date > letter_date:
            keep = f"surat {d.letter_number or d.letter_id} bertanggal lebih baru tetap berlaku"
        if keep:
            out.append(OverrideDay(d.employee_id, d.employee_name, d.date, d.status, d.status, keep, False))
            continue
        what = _overridden(d)
        if d.status == kind and d.letter_id is None:
            continue  # already this status (the letter being edited keeps its own days)
        out.append(OverrideDay(d.employee_id, d.employee_name, d.date, d.status, kind, what, True))
    out.sort(key=lambda o: (o.employee_name, o.date))
    return out


def recorded_days(session: Session, employee_ids: list[int], date_from: dt.date, date_to: dt.date,
                  exclude_letter_id: int | None = None) -> list[RecordedDay]:
    """The recorded days of ``employee_ids`` in the range (``exclude_letter_id``: the letter being edited)."""
    if not employee_ids:
        return []
    corr: dict[tuple[int, dt.date], dict[str, str]] = {}
    for emp, day, fld, value in session.execute(
            select(Correction.employee_id, Correction.date, Correction.field, Correction.value)
            .where(Correction.active.is_(True), Correction.employee_id.in_(employee_ids),
                   Correction.date >= date_from, Correction.date <= date_to).order_by(Correction.id)):
        corr.setdefault((emp, day), {})[fld] = value
    q = (select(DayRecord.employee_id, Employee.name, DayRecord.date, DayRecord.status, DayRecord.working_day,
                DayRecord.check_in, DayRecord.check_out, DayRecord.letter_id, Letter.number, Letter.letter_date)
         .join(Employee, Employee.id == DayRecord.employee_id)
         .outerjoin(Letter, Letter.id == DayRecord.letter_id)
         .where(DayRecord.employee_id.in_(employee_ids), DayRecord.date >= date_from, DayRecord.date <= date_to)
         .order_by(Employee.name, DayRecord.date))
    out: list[RecordedDay] = []
    for emp, name, day, status, working, cin, cout, lid, number, ldate in session.execute(q):
        own = exclude_letter_id is not None and lid == exclude_letter_id  # the letter being edited
        out.append(RecordedDay(emp, name, day, status, bool(working), cin, cout, None if own else lid,
                               "" if own else (number or ""), None if own else ldate, corr.get((emp, day), {})))
    return out


def letter_preview(session: Session, kind: str, letter_date: dt.date, employee_ids: list[int],
                   date_from: dt.date, date_to: dt.date, exclude_letter_id: int | None = None) -> list[OverrideDay]:
    """``preview_days`` over the days recorded now (what the dialog shows before "Simpan")."""
    if date_to < date_from:
        return []
    return preview_days(kind, letter_date,
                        recorded_days(session, sorted(set(employee_ids)), date_from, date_to, exclude_letter_id))
