"""The OPD store a test runs against: SQLite (default) or PostgreSQL (``PRESENSI_TEST_STORE=postgresql``).

On PostgreSQL every test gets a fresh database made by ``CREATE DATABASE ... TEMPLATE`` from one
database migrated once per test session (a file copy on the server: far cheaper than migrating).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from sqlalchemy import create_engine, text

from services.clock import Clock
from services.store.db import Database, open_database

STORE = os.environ.get("PRESENSI_TEST_STORE", "sqlite").lower()
ON_POSTGRES = STORE in ("postgresql", "postgres", "pg")
_counter = itertools.count()


def admin_url() -> str:
    return os.environ.get("PRESENSI_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def db_url(name: str) -> str:
    return admin_url().rsplit("/", 1)[0] + f"/{name}"


def _admin_exec(sql: str) -> None:
    engine = create_engine(admin_url().replace("postgresql://", "postgresql+psycopg://", 1),
                           isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            c.execute(text(sql))
    finally:
        engine.dispose()


def create_template() -> str:
    """A migrated empty OPD database to copy per test; its name."""
    name = f"presensi_tpl_{os.getpid()}"
    _admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin_exec(f'CREATE DATABASE "{name}"')
    db = Database(db_url(name), files_root=None)
    try:
        db.migrate()
    finally:
        db.dispose()
    return name


def drop_database(name: str) -> None:
    _admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_pg_database(template: str) -> str:
    name = f"presensi_t_{os.getpid()}_{next(_counter)}"
    _admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def open_test_store(tmp_path: Path, clock: Clock, template: str | None) -> tuple[Database, str | None]:
    """(migrated Database, PostgreSQL database name to drop after or None on SQLite)."""
    if template is None:
        return open_database(tmp_path / "presensi.sqlite", clock=clock), None
    name = fresh_pg_database(template)
    # commands the test runs (CLI --db URL, child processes) find the same stored-files folder
    os.environ["PRESENSI_OPD_FILES_DIR"] = str(tmp_path)
    return open_database(db_url(name), clock=clock, files_root=tmp_path), name
