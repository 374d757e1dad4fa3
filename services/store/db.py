"""Engine/session factory for the local SQLite database and start-up migration.

One Database object per process; each thread opens its own Session via
``db.session()`` (never share a Session across threads).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.clock import Clock, SystemClock

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class Database:
    """The OPD store. ``clock`` is the office clock every service stamps times with.

    Without an explicit clock the system clock in the OPD's time zone is used (read
    from the database once, after migration).
    """

    def __init__(self, path: Path | str, clock: Clock | None = None) -> None:
        self._clock = clock
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.url = f"sqlite:///{self.path}"
        # the clock getter is read by creation-stamp column defaults (store.models._now)
        self.engine: Engine = create_engine(self.url, execution_options={"office_clock": lambda: self.clock})
        event.listen(self.engine, "connect", _sqlite_pragmas)
        self._factory = sessionmaker(self.engine, expire_on_commit=False, info={"database": self})

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            self._clock = SystemClock(self._opd_zone())
        return self._clock

    @clock.setter
    def clock(self, value: Clock) -> None:
        self._clock = value

    def _opd_zone(self) -> str:
        from sqlalchemy import text

        try:
            with self.engine.connect() as conn:
                zone = conn.execute(text("SELECT timezone FROM opd ORDER BY id LIMIT 1")).scalar()
        except Exception:  # noqa: BLE001 - no table yet: a fresh file before migration
            zone = None
        return str(zone or "Asia/Jakarta")

    def session(self) -> Session:
        return self._factory()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back everything on any error."""
        s = self._factory()
        try:
            with s.begin():
                yield s
        finally:
            s.close()

    # -- migration -------------------------------------------------------------
    def _alembic_config(self):  # type: ignore[no-untyped-def]
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url)
        cfg.attributes["engine"] = self.engine
        return cfg

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def migrate(self) -> Path | None:
        """Upgrade to head. Copies the DB file first when it already holds data.

        Returns the backup path (None when no backup was needed).
        """
        from alembic import command

        backup: Path | None = None
        has_tables = bool(inspect(self.engine).get_table_names())
        if has_tables and self.current_revision() != self.head_revision():
            backup = self.backup(suffix="pre-migrate")
        command.upgrade(self._alembic_config(), "head")
        return backup

    def backup(self, suffix: str = "backup") -> Path:
        stamp = self.clock.now().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.stem}.{stamp}.{suffix}{self.path.suffix}")
        # sqlite's online backup copies a consistent snapshot even with WAL pages pending
        raw = self.engine.raw_connection()
        try:
            import sqlite3

            dst = sqlite3.connect(target)
            try:
                raw.driver_connection.backup(dst)  # type: ignore[union-attr]
            finally:
                dst.close()
        finally:
            raw.close()
        return target

    def dispose(self) -> None:
        self.engine.dispose()


def clock_of(session: Session) -> Clock:
    """The office clock of the Database a Session was opened from."""
    database = session.info.get("database")
    if not isinstance(database, Database):
        raise RuntimeError("Session tidak dibuka lewat services.store.db.Database (tanpa jam kantor)")
    return database.clock


def open_database(path: Path | str, migrate: bool = True, clock: Clock | None = None) -> Database:
    db = Database(path, clock)
    if migrate:
        db.migrate()
    return db
