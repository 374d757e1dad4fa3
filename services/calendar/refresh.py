"""Calendar edits keep the day records current: a locked-month refusal before, a recompute after.

Holiday, schedule-assignment and roster edits call ``ensure_no_locked_month`` before writing and
``recompute_scope`` after, inside the caller's transaction. Both go through the port in
services/derived.py to the one owner of "recompute after an edit", services/reconcile/scope.py
(calendar sits below reconcile and never imports it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import derived
from services.derived import DateRange
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.store.models import Employee, WorkUnit

__all__ = ["DateRange", "ensure_no_locked_month", "recompute_scope", "run_in_transaction", "unit_employee_ids"]


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


def ensure_no_locked_month(session: Session, action: str, ranges: Iterable[DateRange],
                           employee_ids: list[int] | None) -> None:
    """Raise PeriodLockedError (the usual message) when any range reaches a locked month of an OPD in scope."""
    derived.upkeep().refuse_locked(session, action, ranges, employee_ids)


def recompute_scope(session: Session, ranges: Iterable[DateRange], employee_ids: list[int] | None,
                    today: dt.date | None = None, skip_locked: bool = False, *,
                    progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> int:
    """Recompute employees (None = everyone) x the days of ``ranges``; returns day rows recomputed.

    ``skip_locked`` leaves days of locked months alone instead of refusing (used for the
    neighbouring days of a roster edit, whose punch windows may shift by the new shift).
    """
    return derived.upkeep().recompute_ranges(session, ranges, employee_ids, today, skip_locked,
                                             progress=progress, cancel=cancel)


def run_in_transaction(db, fn, *args, progress: ProgressFn = no_progress,  # type: ignore[no-untyped-def]
                       cancel: CancelToken = NEVER_CANCELLED, **kwargs):
    """Background-job form of a calendar edit (desktop/ops.py): ``fn(session, *args, ...)`` in its own transaction.

    A refusal (locked month, bad input) or a cancel rolls everything back: the edit and the recompute.
    """
    with db.transaction() as s:
        return fn(s, *args, progress=progress, cancel=cancel, **kwargs)
