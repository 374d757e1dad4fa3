"""The OPD store a test runs against: SQLite (default) or PostgreSQL (``PRESENSI_TEST_STORE=postgresql``).

On PostgreSQL every test gets a fresh database made by ``CREATE DATABASE ... TEMPLATE`` from one
database migrated once per test session (a file copy on the server: far cheaper than migrating).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import os
from pathlib import Path

from sqlalchemy import create_engine, text

from services.clock import Clock
from services.store.db import Database, open_database

STORE = os.environ.get("PRESENSI_TEST_STORE", "sqlite").lower()
ON_POSTGRES = STORE in ("postgresql", "postgres", "pg")
_counter = itertools.count()
KEEP_USED = 12  # used test databases kept before dropping (see _Prepared.drop_later)


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
    name = f"presensi_tpl_{os.getpid()}_{next(_counter)}"
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


def _create_from(template: str) -> str:
    name = f"presensi_t_{os.getpid()}_{next(_counter)}"
    _admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


class _Prepared:
    """The next test's database is copied from the template while the current test runs (the server does
    the copy; ~0.5 s per test hidden), and used databases are dropped in the background."""

    def __init__(self) -> None:
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pg-test-db")
        self.next: dict[str, concurrent.futures.Future[str]] = {}
        self.drops: list[concurrent.futures.Future[None]] = []
        self.used: list[str] = []

    def take(self, template: str) -> str:
        ready = self.next.pop(template, None)
        name = ready.result() if ready is not None else _create_from(template)
        self.next[template] = self.pool.submit(_create_from, template)
        return name

    def drop_later(self, name: str) -> None:
        # Kept for a few more tests: a screen test's widgets and timers may still touch their database
        # while Qt tears them down during the next tests (a SQLite file simply stays in its tmp folder).
        self.used.append(name)
        while len(self.used) > KEEP_USED:
            self.drops.append(self.pool.submit(drop_database, self.used.pop(0)))

    def close(self) -> None:
        for fut in self.next.values():
            with contextlib.suppress(Exception):
                drop_database(fut.result())
        self.next.clear()
        for name in self.used:
            with contextlib.suppress(Exception):
                drop_database(name)
        self.used.clear()
        for fut in self.drops:
            with contextlib.suppress(Exception):
                fut.result()
        self.drops.clear()


PREPARED = _Prepared()


def fresh_pg_database(template: str) -> str:
    """A database copied from ``template`` just for the caller (drop it with drop_database)."""
    return _create_from(template)


def open_test_store(tmp_path: Path, clock: Clock, template: str | None) -> tuple[Database, str | None]:
    """(migrated Database, PostgreSQL database name to drop after or None on SQLite)."""
    if template is None:
        return open_database(tmp_path / "presensi.sqlite", clock=clock), None
    name = PREPARED.take(template)
    # commands the test runs (CLI --db URL, child processes) find the same stored-files folder
    os.environ["PRESENSI_OPD_FILES_DIR"] = str(tmp_path)
    return open_database(db_url(name), clock=clock, files_root=tmp_path), name
