"""Recompute the DayRecords a calendar edit (holiday, schedule assignment, roster) touches.

Letters already recompute their own days (services/letters/register.py); calendar edits do
the same here, inside the caller's transaction:

- first ``ensure_no_locked_month`` (before anything is written): an edit that reaches into a
  locked month of an OPD in scope is refused as a whole, like a letter touching a locked month;
- then ``recompute_scope`` recomputes only the employees x dates in scope, clipped to days up
  to ``today`` (later days have no rows) and to months that already have DayRecords for that
  OPD (a month nobody has computed yet stays uncomputed instead of gaining a few stray rows).

The engine itself decides who a change really affects (e.g. a holiday only turns fixed-schedule
days into LIBUR; roster staff keep their shifts) and writes only rows that changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.reconcile.period import ensure_unlocked, is_locked, month_label
from services.store.db import clock_of
from services.store.models import DayRecord, Employee, Period, WorkUnit

# (first day, last day or None = open-ended)
DateRange = tuple[dt.date, dt.date | None]


def unit_employee_ids(session: Session, unit_id: int) -> list[int]:
    """Employees of a unit and of all its sub-units (an assignment to a unit is inherited downwards)."""
    children: dict[int | None, list[int]] = {}
    for uid, parent in session.execute(select(WorkUnit.id, WorkUnit.parent_id)):
        children.setdefault(parent, []).append(uid)
    units, todo = set(), [unit_id]
    while todo:
        u = todo.pop()
        if u in units:
            continue
        units.add(u)
        todo += children.get(u, [])
    return list(session.execute(select(Employee.id).where(Employee.unit_id.in_(units))).scalars())


def _opds_of(session: Session, employee_ids: list[int] | None) -> dict[int, list[int] | None]:
    """opd id -> its employees in scope (None = every employee of that OPD)."""
    if employee_ids is None:
        return {o: None for o in session.execute(select(Employee.opd_id).distinct()).scalars()}
    by_opd: dict[int, list[int]] = {}
    for emp, opd in session.execute(select(Employee.id, Employee.opd_id).where(Employee.id.in_(employee_ids))):
        by_opd.setdefault(opd, []).append(emp)
    return {o: ids for o, ids in by_opd.items()}  # noqa: C416 - widens the value type for the signature


def _month_first(d: dt.date) -> dt.date:
    return d.replace(day=1)


def ensure_no_locked_month(session: Session, action: str, ranges: Iterable[DateRange],
                           employee_ids: list[int] | None) -> None:
    """Raise PeriodLockedError (the usual message) when any range reaches a locked month of an OPD in scope."""
    opds = sorted(_opds_of(session, employee_ids))
    ranges = list(ranges)
    if not opds or not ranges:
        return
    locked = sorted({(y, m) for y, m in session.execute(
        select(Period.year, Period.month).where(Period.opd_id.in_(opds), Period.status != "open"))})
    for y, m in locked:
        month = dt.date(y, m, 1)
        for lo, hi in ranges:
            if _month_first(lo) <= month and (hi is None or month <= _month_first(hi)):
                ensure_unlocked(session, opds, y, m, action)  # raises with who/when locked it


def _months(lo: dt.date, hi: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(first, last) of each month overlapping [lo, hi], clipped to [lo, hi]."""
    out = []
    cur = _month_first(lo)
    while cur <= hi:
        nxt = (cur + dt.timedelta(days=32)).replace(day=1)
        out.append((max(cur, lo), min(nxt - dt.timedelta(days=1), hi)))
        cur = nxt
    return out


def _month_has_rows(session: Session, opd_id: int, month_lo: dt.date) -> bool:
    month_hi = (month_lo + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    q = (select(DayRecord.date).join(Employee, Employee.id == DayRecord.employee_id)
         .where(Employee.opd_id == opd_id, DayRecord.date >= month_lo, DayRecord.date <= month_hi).limit(1))
    return session.execute(q).first() is not None


def recompute_scope(session: Session, ranges: Iterable[DateRange], employee_ids: list[int] | None,
                    today: dt.date | None = None, skip_locked: bool = False, *,
                    progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> int:
    """Recompute employees (None = everyone) x the days of ``ranges``; returns day rows recomputed.

    ``skip_locked`` leaves days of locked months alone instead of refusing (used for the
    neighbouring days of a roster edit, whose punch windows may shift by the new shift).
    """
    from services.reconcile.engine import policy_for_opd, recompute

    limit = today or clock_of(session).today()
    # month (first day) -> set of dates to recompute
    wanted: dict[dt.date, set[dt.date]] = {}
    for lo, hi in ranges:
        top = limit if hi is None else min(hi, limit)
        for first, last in _months(lo, top) if lo <= top else []:
            days = wanted.setdefault(_month_first(first), set())
            days.update(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    if not wanted:
        return 0
    done = 0
    tasks = [(opd_id, emps, month, days) for opd_id, emps in sorted(_opds_of(session, employee_ids).items())
             for month, days in sorted(wanted.items())]
    policies: dict[int, object] = {}
    for k, (opd_id, emps, month, days) in enumerate(tasks):
        cancel.raise_if_cancelled()
        progress(k, len(tasks), f"Menghitung ulang {month_label(month.year, month.month)}")
        if skip_locked and is_locked(session, opd_id, month.year, month.month):
            continue
        if not _month_has_rows(session, opd_id, month):
            continue
        if opd_id not in policies:
            policies[opd_id] = policy_for_opd(session, opd_id)
        done += recompute(session, month.year, month.month, policies[opd_id], employee_ids=emps,  # type: ignore[arg-type]
                          dates=days, opd_id=opd_id, today=today, cancel=cancel).days
    progress(len(tasks), len(tasks), "Selesai")
    return done


def run_in_transaction(db, fn, *args, progress: ProgressFn = no_progress,  # type: ignore[no-untyped-def]
                       cancel: CancelToken = NEVER_CANCELLED, **kwargs):
    """Background-job form of a calendar edit (desktop/ops.py): ``fn(session, *args, ...)`` in its own transaction.

    A refusal (locked month, bad input) or a cancel rolls everything back: the edit and the recompute.
    """
    with db.transaction() as s:
        return fn(s, *args, progress=progress, cancel=cancel, **kwargs)
