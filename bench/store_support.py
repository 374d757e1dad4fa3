"""The OPD store a bench runs on: ``--store sqlite`` (a file in the bench's temp folder) or ``--store postgresql``
(a fresh database on the server named by ``--pg-url``, dropped after the run)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

from services.store.db import Database, open_database  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
_created: list[tuple[str, str]] = []


def add_store_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--pg-url", default=DEFAULT_PG, help="superuser URL of the PostgreSQL server (bench databases)")


def _admin(pg_url: str, sql: str) -> None:
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            c.execute(text(sql))
    finally:
        engine.dispose()


def pg_database_url(pg_url: str, name: str) -> str:
    return pg_url.rsplit("/", 1)[0] + f"/{name}"


def open_bench_store(args: argparse.Namespace, tmp: Path, name: str, **options: Any) -> Database:
    """A fresh migrated OPD store for one bench run."""
    if args.store == "sqlite":
        return open_database(tmp / f"{name}.sqlite", **options)
    db_name = f"presensi_bench_{name}".lower()
    _admin(args.pg_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    _admin(args.pg_url, f'CREATE DATABASE "{db_name}"')
    _created.append((args.pg_url, db_name))
    return open_database(pg_database_url(args.pg_url, db_name), files_root=tmp / name, **options)


def drop_bench_stores() -> None:
    while _created:
        url, name = _created.pop()
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_floor_copy(db: Database, rows: list[tuple[Any, ...]], columns: tuple[str, ...], table: str = "punch") -> float:
    """Seconds for raw psycopg COPY of ``rows`` into ``table`` plus commit: the least PostgreSQL can pay to store them."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()  # type: ignore[union-attr]
        t0 = time.perf_counter()
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
        raw.commit()
        return time.perf_counter() - t0
    finally:
        raw.close()
