"""Daily status engine: DayRecord rows from punches + schedules + holidays + letters + selfie verdicts + corrections.

``recompute`` is three steps over typed values:

1. load (load.py): the month's inputs for the employees in scope, in a handful of bulk queries;
2. classify (classify.py): a pure function per employee-day, ``classify_day`` -> ``DayOutcome``
   (the rules are in classify.py's docstring);
3. write (write.py): one bulk write making the stored rows in scope equal to the computed ones
   (a small scope rewrites only the rows that changed).

A 5,000-employee month stays around a second, and one letter change touches only its
employees x dates. This module keeps the public API (recompute, recompute_spans,
recompute_month, parse_correction_time, ...) the rest of the app imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from services.calendar.names import month_bounds
from services.changes import Changes
from services.errors import BadInputError
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.letters.kinds import LETTER_KINDS
from services.policy.model import Policy, policy_for_opd
from services.reconcile.classify import (
    DayOutcome,
    DayRules,
    DayShift,
    LetterDay,
    classify_day,
    parse_correction_time,
    shift_windows,
)
from services.reconcile.load import BAD_VERDICTS, MonthInputs, MonthPolicy, load_employees, load_month
from services.reconcile.period import ensure_unlocked
from services.reconcile.write import DayRow, WriteScope, write_day_records
from services.store.db import clock_of

__all__ = ["BAD_VERDICTS", "STATUS_CODES", "DayOutcome", "DayRules", "DayShift", "LetterDay", "RecomputeResult",
           "ReconcileError", "classify_day", "parse_correction_time", "policy_for_opd", "recompute",
           "recompute_month", "recompute_spans"]

STATUS_CODES = ("H", "TK", "LIBUR", "BELUM", *LETTER_KINDS)


class ReconcileError(BadInputError):
    pass


@dataclass
class RecomputeResult:
    year: int
    month: int
    employees: int = 0
    days: int = 0
    written: int = 0  # rows written or removed (a small scope writes only changed rows; a whole month all)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> Changes:
        return Changes(records=True)


def recompute(
    session: Session,
    year: int,
    month: int,
    policy: Policy,
    employee_ids: Iterable[int] | None = None,
    dates: Iterable[dt.date] | None = None,
    *,
    opd_id: int | None = None,
    today: dt.date | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> RecomputeResult:
    """Recompute DayRecords of one month for all (or the given) employees and dates.

    Refuses with PeriodLockedError when the month is locked for any OPD in scope. Days after
    ``today`` get no row; today without punches or letter is "BELUM". Runs inside the caller's
    transaction; Cancelled propagates so the caller rolls back.
    """
    first, last = month_bounds(year, month)
    today = today or clock_of(session).today()
    emp_filter = None if employee_ids is None else sorted(set(employee_ids))
    target_dates = None if dates is None else sorted(set(dates))
    if target_dates and (target_dates[0] < first or target_dates[-1] > last):
        raise ReconcileError(f"Tanggal di luar bulan {month:02d}-{year}.")
    result = RecomputeResult(year, month)
    if emp_filter == [] or target_dates == []:
        return result
    session.flush()  # pending ORM changes (a new letter, a correction) must be visible to the raw reads below

    employees = load_employees(session, emp_filter, opd_id)
    ensure_unlocked(session, {e.opd_id for e in employees}, year, month, "Hitung ulang")
    progress(0, len(employees), "Memuat data bulan ini")
    inputs = load_month(session, first, last, employees, subset=emp_filter is not None,
                        month_policy=MonthPolicy.of(policy))
    cancel.raise_if_cancelled()

    days = [d for d in (target_dates or inputs.book.dates[1:-1]) if d <= today]
    rows, counts = classify_month(inputs, days, today, DayRules(policy), progress=progress, cancel=cancel)
    cancel.raise_if_cancelled()

    progress(len(employees), len(employees), "Menyimpan hasil")
    by_employee = emp_filter is not None or opd_id is not None
    scope = WriteScope(first, last, [e.id for e in employees] if by_employee else None, target_dates)
    result.written = write_day_records(session, scope, rows)
    result.employees = len(employees)
    result.days = len(rows)
    result.counts = counts
    return result


def classify_month(inputs: MonthInputs, days: list[dt.date], today: dt.date, rules: DayRules, *,
                   progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED,
                   ) -> tuple[list[DayRow], dict[str, int]]:
    """``classify_day`` for every employee in ``inputs`` x ``days`` (within their active dates).

    Returns the day_record rows (write.COLUMNS order) and the count per status.
    """
    book = inputs.book
    index = {d: i + 1 for i, d in enumerate(book.dates[1:-1])}  # plan index of each month day (book starts a day early)
    wanted = [(d, d.isoformat(), index[d], inputs.holidays.get(d), d in inputs.ceremonies) for d in days]
    windows: dict[int, tuple[list, list[DayShift | None]]] = {}  # id(plans) -> (plans, their windows)
    rows: list[DayRow] = []
    counts: dict[str, int] = {}
    no_punches: list[str] = []
    letters, corrections, punches, void = inputs.letters, inputs.corrections, inputs.punches, inputs.void
    for n, (emp_id, _opd, unit_id, active_from, active_to) in enumerate(inputs.employees):
        if n % 250 == 0:
            cancel.raise_if_cancelled()
            progress(n, len(inputs.employees), "Menghitung status harian")
        plans = book.plans(emp_id, unit_id)
        cached = windows.get(id(plans))
        if cached is None or cached[0] is not plans:  # plans lists are shared between employees of one schedule
            cached = windows[id(plans)] = (plans, shift_windows(plans, rules))
        shifts = cached[1]
        emp_punches = punches.get(emp_id, no_punches)
        emp_void = void.get(emp_id)
        emp_letters = letters.get(emp_id)
        emp_corr = corrections.get(emp_id)
        for d, d_s, i, holiday, ceremony in wanted:
            if (active_from and d < active_from) or (active_to and d > active_to):
                continue
            out = classify_day(d, today, plans[i], shifts[i], holiday, emp_punches, emp_void,
                               emp_letters.get(d) if emp_letters else None,
                               emp_corr.get(d) if emp_corr else None, rules, ceremony)
            status = out.status
            counts[status] = counts.get(status, 0) + 1
            rows.append((emp_id, d_s) + out)
    return rows, counts


def recompute_spans(session: Session, spans: dict[int, set[dt.date]], policy: Policy,
                    today: dt.date | None = None) -> int:
    """Recompute only the given employee -> dates (e.g. one letter's days). Returns rows written.

    Employees sharing the same dates of a month are recomputed together in one pass.
    """
    by_month: dict[tuple[int, int], dict[frozenset[dt.date], list[int]]] = {}
    for emp, ds in spans.items():
        months: dict[tuple[int, int], set[dt.date]] = {}
        for d in ds:
            months.setdefault((d.year, d.month), set()).add(d)
        for ym, month_days in months.items():
            by_month.setdefault(ym, {}).setdefault(frozenset(month_days), []).append(emp)
    written = 0
    for (y, m), groups in sorted(by_month.items()):
        for dset, emps in groups.items():
            written += recompute(session, y, m, policy, employee_ids=emps, dates=dset, today=today).days
    return written


def recompute_month(db, opd_id: int, year: int, month: int, *, today: dt.date | None = None,  # type: ignore[no-untyped-def]
                    progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> RecomputeResult:
    """Background-job form (desktop/ops.py, CLI, demo): own transaction, the OPD's policy, all its employees.

    The rows written are derived from employees/letters read in the same transaction, so the
    per-row foreign-key lookups (about 40 % of a 155k-row bulk insert) are switched off for this
    one connection. SQLite only accepts that outside a transaction, so it is set before the first
    write and switched back on after commit/rollback, before the connection returns to the pool.
    """
    if db.engine.dialect.name != "sqlite":  # PostgreSQL: the COPY path is cheap with its FK checks on
        with db.transaction() as s:
            return recompute(s, year, month, policy_for_opd(s, opd_id), opd_id=opd_id, today=today,
                             progress=progress, cancel=cancel)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            with Session(bind=conn, info={"database": db}) as s:
                result = recompute(s, year, month, policy_for_opd(s, opd_id), opd_id=opd_id, today=today,
                                   progress=progress, cancel=cancel)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
    return result
