"""Copy an OPD store into an empty PostgreSQL OPD database (SQLite → PostgreSQL when an office outgrows one PC).

Rows are copied verbatim, table by table in foreign-key order, with COPY (one transaction: the target
is either a complete copy or untouched). Nothing is recomputed or re-stamped, so hash chains
(the audit log) stay valid whatever their scheme. Counts per table are compared afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, or_, select

from services.errors import BadInputError, ConflictError
from services.store.db import Database
from services.store.models import Base

BATCH = 5000


@dataclass
class TransferResult:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (source rows, target rows)

    @property
    def mismatched(self) -> list[str]:
        return [t for t, (a, b) in self.counts.items() if a != b]


def _forward_refs(table: Table, copied: set[str]) -> list[str]:
    """Columns pointing at rows not copied yet: its own table (a supervisor) or a later one (opd.head_employee_id)."""
    return [c.name for c in table.columns for fk in c.foreign_keys if fk.column.table.name not in copied]


def _copy_table(src: Database, cur: Any, table: Table, copied: set[str]) -> list[str]:
    """COPY one table; returns the forward-reference columns left NULL (``_fill_forward`` sets them)."""
    cols = [c.name for c in table.columns]
    later = _forward_refs(table, copied)
    copy_cols = ", ".join(f'"{c}"' for c in cols)
    pk = list(table.primary_key.columns)
    with src.engine.connect() as conn, cur.copy(f'COPY "{table.name}" ({copy_cols}) FROM STDIN') as cp:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
            select(table).order_by(*pk))
        for row in result:
            values = list(row)
            for name in later:
                values[cols.index(name)] = None
            cp.write_row(values)
    return later


def _fill_forward(src: Database, cur: Any, table: Table, later: list[str]) -> None:
    pk = list(table.primary_key.columns)
    if later:
        with src.engine.connect() as conn:
            keys = [c.name for c in pk]
            rows = list(conn.execute(select(*pk, *[table.c[n] for n in later])
                                     .where(or_(*[table.c[n].is_not(None) for n in later]))))
        if rows:
            cur.execute(f'CREATE TEMP TABLE "_later_{table.name}" AS SELECT {", ".join(keys + later)} '
                        f'FROM "{table.name}" WITH NO DATA')
            with cur.copy(f'COPY "_later_{table.name}" FROM STDIN') as cp:
                for r in rows:
                    cp.write_row(list(r))
            sets = ", ".join(f"{n} = l.{n}" for n in later)
            match = " AND ".join(f't."{k}" = l."{k}"' for k in keys)
            cur.execute(f'UPDATE "{table.name}" t SET {sets} FROM "_later_{table.name}" l WHERE {match}')


def _reset_sequences(cur: Any, table: Table) -> None:
    for col in table.primary_key.columns:
        if col.autoincrement is True or (col.autoincrement == "auto" and len(table.primary_key.columns) == 1
                                         and col.type.python_type is int):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{col.name}'), "
                        f"coalesce(max(\"{col.name}\"), 0) + 1, false) FROM \"{table.name}\"")


def count_rows(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in Base.metadata.sorted_tables}


def transfer(src: Database, dst: Database, progress: Callable[[str], None] = lambda _t: None) -> TransferResult:
    """Copy every table of ``src`` (migrated to head) into ``dst`` (an empty PostgreSQL OPD database)."""
    if not dst.is_postgres:
        raise BadInputError("Tujuan migrasi harus database PostgreSQL (postgresql://...).")
    if src.current_revision() != src.head_revision():
        src.migrate()
    dst.migrate()
    filled = [t for t, n in count_rows(dst).items() if n]
    if filled:
        raise ConflictError(f"Database tujuan {dst.location} tidak kosong (tabel {', '.join(filled[:5])} berisi data). "
                            "Migrasi hanya ke database OPD yang baru dibuat dan kosong.")
    raw = dst.engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()  # type: ignore[union-attr]
        copied: set[str] = set()
        pending: list[tuple[Table, list[str]]] = []
        for table in Base.metadata.sorted_tables:
            pending.append((table, _copy_table(src, cur, table, copied)))  # own table not yet in copied
            copied.add(table.name)
            progress(table.name)
        for table, later in pending:  # every row is there now: point the forward references
            _fill_forward(src, cur, table, later)
        for table in Base.metadata.sorted_tables:
            _reset_sequences(cur, table)
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    source, target = count_rows(src), count_rows(dst)
    return TransferResult({t: (source[t], target.get(t, -1)) for t in source})

