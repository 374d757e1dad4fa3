"""The DayRecord bulk write on PostgreSQL (several PCs on one OPD database): same contract as write.py.

Rows keep the engine's storage form (dates and timestamps as text, booleans as 0/1): COPY's text
input reads exactly those ('1'/'0' are booleans to PostgreSQL), so no per-row conversion is needed
and 155,000 rows stream in one COPY instead of 155,000 bound INSERTs.
"""

from __future__ import annotations

from typing import Any

from services.reconcile.load import id_clauses

COLUMNS = ("employee_id", "date", "status", "working_day", "sched_start", "sched_end", "check_in", "check_out",
           "late_minutes", "early_minutes", "tl_tier", "psw_tier", "apel", "letter_id", "flags", "corrected")
_COPY_SQL = f"COPY {{table}} ({', '.join(COLUMNS)}) FROM STDIN"
_TS = "'YYYY-MM-DD HH24:MI:SS.US'"
# the same text line per stored row as write.signature() builds in Python
_SIG_SQL = ("to_char(date, 'YYYY-MM-DD') || '|' || status || '|' || working_day::int || '|' || "
            f"coalesce(to_char(sched_start, {_TS}), 'None') || '|' || coalesce(to_char(sched_end, {_TS}), 'None') "
            f"|| '|' || coalesce(to_char(check_in, {_TS}), 'None') || '|' || "
            f"coalesce(to_char(check_out, {_TS}), 'None') || '|' || late_minutes || '|' || early_minutes || '|' || "
            "tl_tier || '|' || psw_tier || '|' || coalesce((apel::int)::text, 'None') || '|' || "
            "coalesce(letter_id::text, 'None') || '|' || coalesce(flags, '') || '|' || corrected::int")


def pg_params(sql: str) -> str:
    """write.py's SQLite statements (``?`` placeholders) in psycopg's ``%s`` style."""
    return sql.replace("%", "%%").replace("?", "%s")


def copy_rows(cur: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    with cur.copy(_COPY_SQL.format(table=table)) as cp:
        for r in rows:
            cp.write_row(r)


def delete_keys(cur: Any, keys: list[tuple[int, str]]) -> None:
    if keys:
        cur.execute("DELETE FROM day_record d USING (SELECT unnest(%s::int[]) AS e, unnest(%s::date[]) AS dd) k "
                    "WHERE d.employee_id = k.e AND d.date = k.dd", ([k[0] for k in keys], [str(k[1]) for k in keys]))


def replace_all(cur: Any, date_sql: str, date_params: tuple[str, ...], employee_ids: list[int] | None,
                rows: list[tuple[Any, ...]]) -> int:
    """A whole month: COPY into a temporary table, upsert from it, delete stored rows it no longer has."""
    date_sql = pg_params(date_sql)
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS day_record_in (LIKE day_record) ON COMMIT DELETE ROWS")
    cur.execute("TRUNCATE day_record_in")
    copy_rows(cur, "day_record_in", rows)
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:])
    cur.execute(f"INSERT INTO day_record ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM day_record_in "
                f"ON CONFLICT (employee_id, date) DO UPDATE SET {updates}")
    for ids in id_clauses("employee_id", employee_ids):
        cur.execute(f"DELETE FROM day_record d WHERE {date_sql.replace('date', 'd.date')}{ids.replace('employee_id', 'd.employee_id')} "
                    "AND NOT EXISTS (SELECT 1 FROM day_record_in i WHERE i.employee_id = d.employee_id "
                    "AND i.date = d.date)", date_params)
    cur.execute("TRUNCATE day_record_in")
    return len(rows)


def stored_signatures(cur: Any, date_sql: str, date_params: tuple[str, ...], ids: str) -> list[tuple[int, str]]:
    cur.execute(f"SELECT employee_id, string_agg({_SIG_SQL}, E'\\n') FROM day_record "
                f"WHERE {pg_params(date_sql)}{ids} GROUP BY employee_id", date_params)
    return list(cur.fetchall())
