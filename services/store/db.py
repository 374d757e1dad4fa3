"""Engine/session factory for the local OPD database (SQLite file or PostgreSQL server) and start-up migration.

SQLite is the embedded default for one PC; PostgreSQL is the OPD store when several Umpeg PCs share
one database (``Database("postgresql://user@host/db")``). One Database object per process; each
thread opens its own Session via ``db.session()`` (never share a Session across threads).

On PostgreSQL the password is never part of a stored URL: it comes from the OS keyring
(services.secrets, kind ``opd-db``), and TLS follows ``sslmode``/``sslrootcert`` given in the URL's
query or in the connection profile (services.store.profile).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from services.clock import Clock, SystemClock

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
PG_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")
SECRET_KIND = "opd-db"  # keyring kind of OPD database passwords (services.secrets)


def is_pg_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(PG_SCHEMES)


def pg_url(location: str) -> URL:
    """The SQLAlchemy URL (psycopg 3 driver) of a ``postgresql://`` address."""
    url = make_url(location.replace("postgres://", "postgresql://", 1))
    return url.set(drivername="postgresql+psycopg")


def secret_name(url: URL) -> str:
    """The keyring entry of a PostgreSQL login: user@host:port/database (no password in it)."""
    return f"{url.username or ''}@{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def display_location(url: URL) -> str:
    """The database address for messages and logs, password hidden."""
    return url.render_as_string(hide_password=True).replace("postgresql+psycopg://", "postgresql://", 1)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def default_files_root(url: URL) -> Path:
    """Where a PostgreSQL OPD's files (photos, PDFs) live on this PC unless the profile names a shared folder."""
    from services.paths import data_dir

    tag = hashlib.sha256(secret_name(url).encode()).hexdigest()[:10]
    return data_dir() / "opd-pg" / f"{url.database or 'opd'}-{tag}"


class Database:
    """The OPD store. ``clock`` is the office clock every service stamps times with.

    ``location`` is a SQLite file path or a ``postgresql://`` URL. Without an explicit clock the
    system clock in the OPD's time zone is used (read from the database once, after migration).
    ``files_root`` (PostgreSQL): the folder holding the OPD's stored files; on SQLite the files sit
    beside the database file. ``password`` (PostgreSQL): overrides the keyring.
    """

    def __init__(self, location: Path | str, clock: Clock | None = None, *, files_root: Path | None = None,
                 password: str | None = None, connect_args: dict[str, Any] | None = None) -> None:
        self._clock = clock
        options = {"office_clock": lambda: self.clock}  # read by creation-stamp column defaults (store.models._now)
        if is_pg_url(location):
            assert isinstance(location, str)
            self.sa_url = pg_url(location)
            args = _pg_connect_args(self.sa_url, password, connect_args or {})
            self.sa_url = self.sa_url.set(password=None)
            env_root = os.environ.get("PRESENSI_OPD_FILES_DIR")  # a shared folder for every PC (or a test's tmp)
            root = files_root or (Path(env_root) if env_root else default_files_root(self.sa_url))
            root.mkdir(parents=True, exist_ok=True)
            # stored files resolve against path.parent (services.paths.files_dir), as beside a SQLite file
            self.path = root / "presensi.pg"
            self.location = display_location(self.sa_url)
            self.engine: Engine = create_engine(self.sa_url, execution_options=options, connect_args=args,
                                                pool_pre_ping=True)
        else:
            self.path = Path(location)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.sa_url = make_url(f"sqlite:///{self.path}")
            self.location = str(self.path)
            self.engine = create_engine(self.sa_url, execution_options=options)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.url = self.sa_url.render_as_string(hide_password=True)
        self._factory = sessionmaker(self.engine, expire_on_commit=False, info={"database": self})

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

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
        except Exception:  # noqa: BLE001 - no table yet: a fresh database before migration
            zone = None
        return str(zone or "Asia/Jakarta")

    def session(self) -> Session:
        return self._factory()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back everything on any error."""
        s = self._factory()
        try:
            with stale_edits_refused(), s.begin():
                yield s
        finally:
            s.close()

    # -- migration -------------------------------------------------------------
    def _alembic_config(self):  # type: ignore[no-untyped-def]
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
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
        """Upgrade to head. Backs the database up first when it already holds data.

        Returns the backup path (None when no backup was needed). On PostgreSQL several PCs may
        start at once: an advisory lock lets one of them migrate while the others wait.
        """
        from alembic import command

        with self._migration_lock():
            backup: Path | None = None
            has_tables = bool(inspect(self.engine).get_table_names())
            if has_tables and self.current_revision() != self.head_revision():
                backup = self.backup(suffix="pre-migrate")
            command.upgrade(self._alembic_config(), "head")
        return backup

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if not self.is_postgres:
            yield
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_advisory_lock(7263001)")
            try:
                yield
            finally:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(7263001)")
                conn.commit()

    def backup(self, suffix: str = "backup", target: Path | None = None) -> Path:
        """A consistent copy of the whole database (SQLite online backup, or pg_dump -Fc on PostgreSQL)."""
        from services.store import backup

        return backup.backup_database(self, suffix=suffix, target=target)

    def dispose(self) -> None:
        self.engine.dispose()


def _pg_connect_args(url: URL, password: str | None, extra: dict[str, Any]) -> dict[str, Any]:
    """psycopg connect arguments: the password (given, in the URL, or from keyring) and TLS settings."""
    args: dict[str, Any] = {"connect_timeout": 10, "application_name": "presensi-opd"}
    secret = password or url.password
    if secret is None:
        from services.secrets import get_secret

        secret = get_secret(SECRET_KIND, secret_name(url))
    if secret:
        args["password"] = secret
    args.update(extra)
    return args


STALE_EDIT_MESSAGE = ("Data ini baru saja diubah oleh pengguna lain (mungkin dari PC lain) sejak Anda membukanya. "
                      "Perubahan Anda tidak disimpan agar perubahan itu tidak tertimpa: muat ulang lalu ulangi.")


@contextlib.contextmanager
def stale_edits_refused() -> Iterator[None]:
    """An ORM update that found its row at another version (services.store.models version_id_col) is a
    ConflictError with a message staff can act on, never a traceback and never a silent overwrite."""
    from sqlalchemy.orm.exc import StaleDataError

    from services.errors import ConflictError

    try:
        yield
    except StaleDataError:
        raise ConflictError(STALE_EDIT_MESSAGE) from None


def xact_lock(session: Session, key1: int, key2: int, *, shared: bool = False) -> None:
    """PostgreSQL: a transaction-level advisory lock on (key1, key2), released by commit/rollback.

    SQLite needs none: its single write lock already orders writers (a stale read cannot be upgraded).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    from sqlalchemy import text

    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    session.execute(text(f"SELECT {fn}(:a, :b)"), {"a": int(key1), "b": int(key2)})


def clock_of(session: Session) -> Clock:
    """The office clock of the Database a Session was opened from."""
    database = session.info.get("database")
    if not isinstance(database, Database):
        raise RuntimeError("Session tidak dibuka lewat services.store.db.Database (tanpa jam kantor)")
    return database.clock


def database_of(session: Session) -> Database:
    database = session.info.get("database")
    if not isinstance(database, Database):
        raise RuntimeError("Session tidak dibuka lewat services.store.db.Database")
    return database


def open_database(location: Path | str, migrate: bool = True, clock: Clock | None = None,
                  **options: Any) -> Database:
    db = Database(location, clock, **options)
    if migrate:
        db.migrate()
    return db
