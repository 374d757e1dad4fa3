"""The one owner of "recompute after an edit": which day records an edit of their inputs touches.

Calendar edits (holiday, schedule assignment, roster) and letters reach this module through the
port in services/derived.py (they sit below reconcile and never import it); it is installed by
``services/reconcile/__init__.py``. Inside the caller's transaction:

- first ``ensure_no_locked_month`` (before anything is written): an edit that reaches into a
  locked month of an OPD in scope is refused as a whole, like a letter touching a locked month;
- then ``recompute_scope`` (calendar) recomputes only the employees x dates in scope, clipped to
  days up to ``today`` (later days have no rows) and to months that already have DayRecords for
  that OPD (a month nobody has computed yet stays uncomputed instead of gaining a few stray rows);
- ``recompute_days`` (letters) recomputes the letter's employees x days up to today, per OPD.

The engine itself decides who a change really affects (e.g. a holiday only turns fixed-schedule
days into LIBUR; roster staff keep their shifts) and writes only rows that changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.derived import DateRange
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.policy.model import Policy, policy_for_opd
from services.reconcile.engine import recompute, recompute_spans
from services.reconcile.period import ensure_unlocked, is_locked, month_label
from services.store.db import clock_of
from services.store.models import DayRecord, Employee, Period


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
    policies: dict[int, Policy] = {}
    for k, (opd_id, emps, month, days) in enumerate(tasks):
        cancel.raise_if_cancelled()
        progress(k, len(tasks), f"Menghitung ulang {month_label(month.year, month.month)}")
        if skip_locked and is_locked(session, opd_id, month.year, month.month):
            continue
        if not _month_has_rows(session, opd_id, month):
            continue
        if opd_id not in policies:
            policies[opd_id] = policy_for_opd(session, opd_id)
        done += recompute(session, month.year, month.month, policies[opd_id], employee_ids=emps,
                          dates=days, opd_id=opd_id, today=today, cancel=cancel).days
    progress(len(tasks), len(tasks), "Selesai")
    return done


def recompute_days(session: Session, spans: dict[int, set[dt.date]], policy: Policy | None = None,
                   today: dt.date | None = None) -> int:
    """Recompute the given employee -> dates (a letter's days), up to ``today``; returns day rows recomputed.

    Unlike ``recompute_scope`` a month without DayRecords is computed for these days too (a letter
    entered for an uncomputed month shows in that month's records). ``policy`` None = each OPD's own.
    """
    limit = today or clock_of(session).today()
    spans = {e: {d for d in ds if d <= limit} for e, ds in spans.items()}
    spans = {e: ds for e, ds in spans.items() if ds}
    if not spans:
        return 0
    emp_opd = dict(session.execute(select(Employee.id, Employee.opd_id).where(Employee.id.in_(list(spans)))).all())
    done = 0
    for opd_id in sorted(set(emp_opd.values())):
        part = {e: ds for e, ds in spans.items() if emp_opd.get(e) == opd_id}
        done += recompute_spans(session, part, policy or policy_for_opd(session, opd_id), today=today)
    return done


class _ReconcileUpkeep:
    """services.derived.DayRecordUpkeep backed by this module (installed by services/reconcile/__init__.py)."""

    def refuse_locked(self, session: Session, action: str, ranges: Iterable[DateRange],
                      employee_ids: list[int] | None) -> None:
        ensure_no_locked_month(session, action, ranges, employee_ids)

    def recompute_ranges(self, session: Session, ranges: Iterable[DateRange], employee_ids: list[int] | None,
                         today: dt.date | None = None, skip_locked: bool = False, *,
                         progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> int:
        return recompute_scope(session, ranges, employee_ids, today, skip_locked, progress=progress, cancel=cancel)

    def recompute_days(self, session: Session, spans: dict[int, set[dt.date]], policy: Policy | None = None,
                       today: dt.date | None = None) -> int:
        return recompute_days(session, spans, policy, today)


UPKEEP = _ReconcileUpkeep()
