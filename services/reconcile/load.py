"""Everything the engine reads for one month, in a handful of bulk queries (typed inputs, no rules).

A 5,000-employee month is a few thousand Python objects rather than one per punch: punches come as
one concatenated row per employee and stay in their storage text (see classify.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.calendar.holidays import event_map, holiday_map
from services.calendar.schedules import ScheduleBook
from services.policy.model import MobileRules, Policy
from services.reconcile.classify import LetterDay, fmt_ts
from services.store.models import OUTSIDE_GEOFENCE, Correction, Employee, Letter, LetterEmployee

BAD_VERDICTS = {"rejected": "selfie_rejected", "manipulation": "manipulation"}


@dataclass(frozen=True)
class MonthPolicy:
    """What loading needs from the region policy: mobile validity rules and the Ramadan switch."""

    mobile: MobileRules | None = None  # None = late uploads and app versions are not judged
    ramadan_schedule: str | None = None  # schedule code used on the calendar's Ramadan dates (None = off)

    @staticmethod
    def of(policy: Policy) -> MonthPolicy:
        return MonthPolicy(policy.mobile, policy.schedule.ramadan_schedule if policy.schedule.ramadan_auto else None)
_CHUNK = 500  # SQLite bound-parameter friendly chunk for IN lists


class EmployeeRow(NamedTuple):
    id: int
    opd_id: int
    unit_id: int | None
    active_from: dt.date | None
    active_to: dt.date | None


@dataclass
class MonthInputs:
    """One month's inputs for the employees in scope (``subset`` False: every employee, no id filter)."""

    first: dt.date
    last: dt.date
    employees: list[EmployeeRow]
    book: ScheduleBook  # first - 1 .. last + 1: neighbouring days split the punch windows
    holidays: dict[dt.date, set[str]]  # date -> holiday kinds
    letters: dict[int, dict[dt.date, LetterDay]]  # employee -> date -> the letter that wins the day
    corrections: dict[int, dict[dt.date, dict[str, str]]]  # employee -> date -> field -> value (active only)
    punches: dict[int, list[str]]  # employee -> sorted storage-form timestamps, first - 1 .. last + 1
    void: dict[int, dict[str, str]]  # employee -> timestamp -> flag, punches that do not count
    ceremonies: frozenset[dt.date] = frozenset()  # upacara days of the calendar


def chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def id_clauses(column: str, emp_ids: list[int] | None) -> list[str]:
    """SQL fragments " AND column IN (...)" per chunk of ids ([""] = no filter)."""
    if emp_ids is None:
        return [""]
    # ints only, so inlining them is safe; chunks keep the statement small
    return [f" AND {column} IN ({', '.join(str(int(e)) for e in chunk)})" for chunk in chunks(emp_ids)]


def load_employees(session: Session, employee_ids: list[int] | None, opd_id: int | None) -> list[EmployeeRow]:
    """Employees in scope ordered by id: the given ids (None = all), of one OPD when ``opd_id`` is set."""
    q = select(Employee.id, Employee.opd_id, Employee.unit_id, Employee.active_from, Employee.active_to)
    if opd_id is not None:
        q = q.where(Employee.opd_id == opd_id)
    if employee_ids is None:
        return [EmployeeRow(*r) for r in session.execute(q.order_by(Employee.id))]
    out: list[EmployeeRow] = []
    for chunk in chunks(employee_ids):
        out += [EmployeeRow(*r) for r in session.execute(q.where(Employee.id.in_(chunk)))]
    out.sort()
    return out


def load_month(session: Session, first: dt.date, last: dt.date, employees: list[EmployeeRow],
               subset: bool, month_policy: MonthPolicy = MonthPolicy()) -> MonthInputs:
    """The month's schedules, holidays, letters, corrections and punches for ``employees``.

    ``subset`` False loads without an id filter (every employee's rows: cheaper than an IN list).
    """
    one = dt.timedelta(days=1)
    ids = [e.id for e in employees] if subset else None
    punches, void = load_punches(session, first - one, last + 2 * one, ids)
    if month_policy.mobile is not None:
        void_invalid_mobile(session, first - one, last + 2 * one, ids, month_policy.mobile, void)
    book = ScheduleBook(session, first - one, last + one, ids, ramadan_schedule=month_policy.ramadan_schedule)
    ceremonies = frozenset(event_map(session, first, last, ("upacara",)))
    return MonthInputs(first, last, employees, book,
                       holiday_map(session, first, last), load_letters(session, first, last, ids),
                       load_corrections(session, first, last, ids), punches, void, ceremonies)


def _as_datetime(value: str | dt.datetime) -> dt.datetime:
    """A timestamp as the driver returns it: SQLite's stored text, PostgreSQL's datetime."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def void_invalid_mobile(session: Session, lo: dt.date, hi: dt.date, emp_ids: list[int] | None,
                        rules: MobileRules, void: dict[int, dict[str, str]]) -> None:
    """Add the mobile records the policy does not accept as attendance to ``void``:

    - "late_upload": uploaded after the deadline (day N of the next month, 23:59:59) when the
      policy's ``late_upload_consequence`` is "tidak_sah";
    - "old_app_version": made by an app older than ``min_app_version`` on/after ``min_app_version_from``.

    Judged here at every recompute (not only at import), so a policy change applies to stored records.
    Only records uploaded in a later month, or carrying an app version, are read.
    """
    judge_late = rules.late_upload_consequence == "tidak_sah"
    judge_version = bool(rules.min_app_version)
    if not judge_late and not judge_version:
        return
    where = ["p.source = 'mobile'", "p.employee_id IS NOT NULL", "p.ts >= ?", "p.ts < ?"]
    wanted = []
    params: tuple[str, ...] = (lo.isoformat(), hi.isoformat())
    if judge_late:  # no record of the range can be late before the deadline of the range's first month
        wanted.append("(p.uploaded_at IS NOT NULL AND p.uploaded_at > ?)")
        params += (fmt_ts(rules.upload_deadline(dt.datetime.combine(lo, dt.time()))) or "",)
    if judge_version:
        wanted.append("(p.app_version IS NOT NULL AND p.app_version != '')")
    cur = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    pg = session.get_bind().dialect.name == "postgresql"
    try:
        for ids in id_clauses("p.employee_id", emp_ids):
            sql = (f"SELECT p.employee_id, p.ts, p.uploaded_at, p.app_version FROM punch p "
                   f"WHERE {' AND '.join(where)} AND ({' OR '.join(wanted)}){ids} ORDER BY p.id")
            cur.execute(sql.replace("?", "%s::timestamp") if pg else sql, params)
            for emp, ts, uploaded, version in cur.fetchall():
                when = _as_datetime(ts)
                key = fmt_ts(when)
                if judge_version and rules.app_version_too_old(version, when.date()):
                    void.setdefault(emp, {}).setdefault(key, "old_app_version")  # type: ignore[arg-type]
                elif (judge_late and uploaded is not None
                      and _as_datetime(uploaded) > rules.upload_deadline(when)):
                    void.setdefault(emp, {}).setdefault(key, "late_upload")  # type: ignore[arg-type]
    finally:
        cur.close()


def load_letters(session: Session, first: dt.date, last: dt.date,
                 emp_ids: list[int] | None) -> dict[int, dict[dt.date, LetterDay]]:
    """employee -> date -> LetterDay. Later letters (by letter date, id) win."""
    q = (select(LetterEmployee.employee_id, Letter.id, Letter.kind, Letter.date_from, Letter.date_to)
         .join(Letter, Letter.id == LetterEmployee.letter_id)
         .where(Letter.date_from <= last, Letter.date_to >= first)
         .order_by(Letter.letter_date, Letter.id))
    rows = []
    if emp_ids is None:
        rows = list(session.execute(q))
    else:
        for chunk in chunks(emp_ids):
            # an employee sits in exactly one chunk, so each employee's rows keep the query order
            rows += list(session.execute(q.where(LetterEmployee.employee_id.in_(chunk))))
    out: dict[int, dict[dt.date, LetterDay]] = {}
    one = dt.timedelta(days=1)
    for emp, lid, kind, d0, d1 in rows:
        per = out.setdefault(emp, {})
        d = max(d0, first)
        end = min(d1, last)
        while d <= end:
            prev = per.get(d)
            per[d] = LetterDay(lid, kind, prev is not None and prev.letter_id != lid)
            d += one
    return out


def load_corrections(session: Session, first: dt.date, last: dt.date,
                     emp_ids: list[int] | None) -> dict[int, dict[dt.date, dict[str, str]]]:
    q = (select(Correction.employee_id, Correction.date, Correction.field, Correction.value)
         .where(Correction.active.is_(True), Correction.date >= first, Correction.date <= last)
         .order_by(Correction.id))
    rows = []
    if emp_ids is None:
        rows = list(session.execute(q))
    else:
        for chunk in chunks(emp_ids):
            rows += list(session.execute(q.where(Correction.employee_id.in_(chunk))))
    out: dict[int, dict[dt.date, dict[str, str]]] = {}
    for emp, d, fld, value in rows:
        out.setdefault(emp, {}).setdefault(d, {})[fld] = value
    return out


def load_punches(session: Session, lo: dt.date, hi: dt.date, emp_ids: list[int] | None
                 ) -> tuple[dict[int, list[str]], dict[int, dict[str, str]]]:
    """(employee -> sorted timestamp strings, employee -> {timestamp: flag} of punches that do not count).

    Timestamps stay in their storage form ("YYYY-MM-DD HH:MM:SS.ffffff"), which sorts and
    compares like the datetime itself. One concatenated row per employee keeps the fetch
    to a few thousand Python objects instead of one per punch.
    """
    where = "p.employee_id IS NOT NULL AND p.ts >= ? AND p.ts < ?"
    params = (lo.isoformat(), hi.isoformat())
    out: dict[int, list[str]] = {}
    void: dict[int, dict[str, str]] = {}
    cur = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    if session.get_bind().dialect.name == "postgresql":
        try:
            return _pg_punches(cur, lo, hi, emp_ids)
        finally:
            cur.close()
    try:
        for ids in id_clauses("p.employee_id", emp_ids):
            cur.execute(f"SELECT p.employee_id, group_concat(p.ts, '|') FROM punch p WHERE {where}{ids} "
                        "GROUP BY p.employee_id", params)
            for emp, joined in cur.fetchall():
                lst = joined.split("|")
                if len(joined) != 27 * len(lst) - 1:  # some text not in the 26-char storage form: normalise
                    lst = [fmt_ts(dt.datetime.fromisoformat(t)) or "" for t in lst]
                lst.sort()
                out[emp] = lst
            # the few punches that do not count: bad selfie verdicts and mobile punches outside the geofence.
            # For every employee, walk the (smaller) selfie table first instead of probing it once per punch;
            # ORDER BY p.id keeps "the last of two same-time punches wins" as in the punch-first plan.
            join = "selfie_check s CROSS JOIN punch p" if emp_ids is None else "punch p JOIN selfie_check s"
            cur.execute(f"SELECT p.employee_id, p.ts, s.verdict FROM {join} ON s.punch_id = p.id "
                        f"WHERE {where}{ids} AND s.verdict IN ('rejected', 'manipulation') ORDER BY p.id", params)
            for emp, ts, verdict in cur.fetchall():
                void.setdefault(emp, {})[ts] = BAD_VERDICTS[verdict]
            # the condition of the partial index ix_punch_outside_geofence, verbatim (SQLite matches it term by term)
            cur.execute(f"SELECT p.employee_id, p.ts FROM punch p WHERE {where}{ids} AND {OUTSIDE_GEOFENCE}", params)
            for emp, ts in cur.fetchall():
                void.setdefault(emp, {}).setdefault(ts, "outside_geofence")
    finally:
        cur.close()
    return out, void


_PG_TS = "to_char(p.ts, 'YYYY-MM-DD HH24:MI:SS.US')"  # the storage form SQLite keeps (classify.py compares text)


def _pg_punches(cur: Any, lo: dt.date, hi: dt.date, emp_ids: list[int] | None
                ) -> tuple[dict[int, list[str]], dict[int, dict[str, str]]]:
    """load_punches on PostgreSQL: string_agg for SQLite's group_concat, timestamps rendered as text."""
    where = "p.employee_id IS NOT NULL AND p.ts >= %s::timestamp AND p.ts < %s::timestamp"
    params = (lo.isoformat(), hi.isoformat())
    out: dict[int, list[str]] = {}
    void: dict[int, dict[str, str]] = {}
    for ids in id_clauses("p.employee_id", emp_ids):
        cur.execute(f"SELECT p.employee_id, string_agg({_PG_TS}, '|' ORDER BY p.ts) FROM punch p "
                    f"WHERE {where}{ids} GROUP BY p.employee_id", params)
        for emp, joined in cur.fetchall():
            out[emp] = joined.split("|")
        cur.execute(f"SELECT p.employee_id, {_PG_TS}, s.verdict FROM punch p JOIN selfie_check s ON s.punch_id = p.id "
                    f"WHERE {where}{ids} AND s.verdict IN ('rejected', 'manipulation') ORDER BY p.id", params)
        for emp, ts, verdict in cur.fetchall():
            void.setdefault(emp, {})[ts] = BAD_VERDICTS[verdict]
        cur.execute(f"SELECT p.employee_id, {_PG_TS} FROM punch p WHERE {where}{ids} AND p.source = 'mobile' "
                    "AND p.flags LIKE '%%outside_geofence%%'", params)
        for emp, ts in cur.fetchall():
            void.setdefault(emp, {}).setdefault(ts, "outside_geofence")
    return out, void
