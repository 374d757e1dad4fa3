"""Bulk write of computed DayRecords: make the stored rows in scope equal to the computed ones.

Rows are tuples in COLUMNS order (``(employee_id, date) + classify.DayOutcome``), bound by one executemany.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from services.errors import ConflictError
from services.reconcile.load import id_clauses

COLUMNS = ("employee_id", "date", "status", "working_day", "sched_start", "sched_end", "check_in", "check_out",
           "late_minutes", "early_minutes", "tl_tier", "psw_tier", "apel", "letter_id", "flags", "corrected")
DayRow = tuple[Any, ...]  # one value per COLUMNS entry
_INSERT_SQL = f"INSERT INTO day_record ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_UPSERT_SQL = (_INSERT_SQL + " ON CONFLICT(employee_id, date) DO UPDATE SET "
               + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:]))
_DELETE_KEY_SQL = "DELETE FROM day_record WHERE employee_id = ? AND date = ?"
BULK_ROWS = 20000  # above this many day rows the writer replaces the scope instead of diffing

# One text line per stored DayRecord, built the same way in SQL and in Python, so the
# writer can tell unchanged rows apart without materialising 16 objects per row.
_SIG_SQL = ("date || '|' || status || '|' || working_day || '|' || ifnull(sched_start, 'None') || '|' || "
            "ifnull(sched_end, 'None') || '|' || ifnull(check_in, 'None') || '|' || ifnull(check_out, 'None') || '|' || "
            "late_minutes || '|' || early_minutes || '|' || tl_tier || '|' || psw_tier || '|' || ifnull(apel, 'None') || "
            "'|' || ifnull(letter_id, 'None') || '|' || ifnull(flags, '') || '|' || corrected")


class StaleInputsError(ConflictError):
    """Employees or letters referenced by the computed rows were deleted meanwhile."""


@dataclass(frozen=True)
class WriteScope:
    """The stored rows the computed ones replace: these dates (None = first..last) of these employees (None = all)."""

    first: dt.date
    last: dt.date
    employee_ids: list[int] | None
    dates: list[dt.date] | None

    def date_filter(self) -> tuple[str, tuple[str, ...]]:
        if self.dates is not None:
            return f"date IN ({', '.join('?' * len(self.dates))})", tuple(d.isoformat() for d in self.dates)
        return "date >= ? AND date <= ?", (self.first.isoformat(), self.last.isoformat())


def signature(r: DayRow) -> str:
    # rows hold 0/1 ints for booleans and None for NULL, so str() matches the SQL text above
    return "|".join(map(str, r[1:]))


def write_day_records(session: Session, scope: WriteScope, rows: list[DayRow]) -> int:
    """Make the stored DayRecords in ``scope`` equal to ``rows``; returns rows written or removed.

    Large scopes (a whole month) are upserted wholesale: measured on 155k rows, comparing
    with the stored rows costs as much as rewriting them, and an in-place upsert is cheaper
    than delete + insert. Small scopes (a letter, a correction, one employee) rewrite only
    the rows that differ.
    """
    big = len(rows) > BULK_ROWS
    cur = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    if session.get_bind().dialect.name == "postgresql":
        try:
            return _pg_write(cur, scope, rows, big)
        finally:
            cur.close()
    if big:  # a 64 MB page cache for the bulk read/compare/insert of a large month (restored after)
        prev_cache = cur.execute("PRAGMA cache_size").fetchone()[0]
        cur.execute("PRAGMA cache_size=-65536")
    try:
        return _replace_all(cur, scope, rows) if big else _replace_changed(cur, scope, rows)
    finally:
        if big:
            cur.execute(f"PRAGMA cache_size={int(prev_cache)}")
        cur.close()


def _pg_write(cur: Any, scope: WriteScope, rows: list[DayRow], big: bool) -> int:
    """PostgreSQL: COPY instead of executemany, the same diff for small scopes (services.reconcile.write_pg)."""
    from services.reconcile import write_pg

    date_sql, date_params = scope.date_filter()
    if big:
        n = write_pg.replace_all(cur, date_sql, date_params, scope.employee_ids, rows)
        _check_references(cur, rows)
        return n
    old: dict[int, dict[str, str]] = {}
    for ids in id_clauses("employee_id", scope.employee_ids):
        for emp, joined in write_pg.stored_signatures(cur, date_sql, date_params, ids):
            old[emp] = {line[:10]: line for line in joined.split("\n")}
    changed = []
    for r in rows:
        per = old.get(r[0])
        o = per.pop(r[1], None) if per else None
        if o is None or o != signature(r):
            changed.append(r)
    stale = [(emp, d) for emp, per in old.items() for d in per]
    write_pg.delete_keys(cur, [(r[0], r[1]) for r in changed] + stale)
    write_pg.copy_rows(cur, "day_record", changed)
    return len(changed) + len(stale)


def _replace_all(cur: Any, scope: WriteScope, rows: list[DayRow]) -> int:
    date_sql, date_params = scope.date_filter()
    id_sql = id_clauses("employee_id", scope.employee_ids)

    def stored() -> int:
        n = 0
        for ids in id_sql:
            cur.execute(f"SELECT count(*) FROM day_record WHERE {date_sql}{ids}", date_params)
            n += cur.fetchone()[0]
        return n

    if stored() == 0:  # first computation of the month
        cur.executemany(_INSERT_SQL, rows)
        _check_references(cur, rows)
        return len(rows)
    # upsert in place: unchanged keys leave the indexes alone (cheaper than delete + insert)
    cur.executemany(_UPSERT_SQL, rows)
    _check_references(cur, rows)
    if stored() > len(rows):  # rows in scope that are no longer produced (future day, inactive employee)
        produced = {(r[0], r[1]) for r in rows}
        stale = []
        for ids in id_sql:
            cur.execute(f"SELECT employee_id, date FROM day_record WHERE {date_sql}{ids}", date_params)
            stale += [k for k in cur.fetchall() if k not in produced]
        cur.executemany(_DELETE_KEY_SQL, stale)
    return len(rows)


def _replace_changed(cur: Any, scope: WriteScope, rows: list[DayRow]) -> int:
    date_sql, date_params = scope.date_filter()
    id_sql = id_clauses("employee_id", scope.employee_ids)
    old: dict[int, dict[str, str]] = {}
    n_old = 0
    for ids in id_sql:
        cur.execute(f"SELECT employee_id, group_concat({_SIG_SQL}, char(10)) FROM day_record "
                    f"WHERE {date_sql}{ids} GROUP BY employee_id", date_params)
        for emp, joined in cur.fetchall():
            lines = joined.split("\n")
            n_old += len(lines)
            old[emp] = {line[:10]: line for line in lines}
    if not old:
        cur.executemany(_INSERT_SQL, rows)
        return len(rows)
    changed = []
    for r in rows:
        per = old.get(r[0])
        o = per.pop(r[1], None) if per else None
        if o is None or o != signature(r):
            changed.append(r)
    stale = [(emp, d) for emp, per in old.items() for d in per]  # in scope, no longer produced
    if len(changed) + len(stale) > n_old // 2 and n_old > 1000:
        for ids in id_sql:
            cur.execute(f"DELETE FROM day_record WHERE {date_sql}{ids}", date_params)
        cur.executemany(_INSERT_SQL, rows)
        return len(rows)
    cur.executemany(_DELETE_KEY_SQL, [(r[0], r[1]) for r in changed] + stale)
    cur.executemany(_INSERT_SQL, changed)
    return len(changed) + len(stale)


def _check_references(cur: Any, rows: list[DayRow]) -> None:
    """Employees and letters referenced by the written rows still exist (checked inside the write
    transaction, so it also holds when recompute_month switched per-row foreign-key checks off)."""
    emp_ids = {r[0] for r in rows}
    letter_ids = {r[13] for r in rows if r[13] is not None}
    cur.execute("SELECT id FROM employee")
    missing = emp_ids - {i for (i,) in cur.fetchall()}
    if letter_ids:
        cur.execute("SELECT id FROM letter")
        missing |= letter_ids - {i for (i,) in cur.fetchall()}
    if missing:
        raise StaleInputsError("Data pegawai atau surat berubah selama perhitungan; ulangi 'Hitung ulang'.")
