"""One writer at a time to the OPD database, within a process and across processes.

``write_transaction(db)`` is the unit of work for paths that write in bulk or run
next to other writers (device sync, USB import, the push receiver, scheduled
jobs):

- inside one process a lock per database serialises the writers, so parallel
  device reads hand their rows to one writer at a time;
- on SQLite the transaction starts with ``BEGIN IMMEDIATE``: the write lock is
  taken before the first read, so a transaction never has to upgrade a read
  snapshot to a write (the upgrade is what fails at once with "database is
  locked", busy timeout or not, when another process committed meanwhile);
- while another process (the GUI's auto-sync next to a scheduled CLI sync) holds
  the lock, BEGIN IMMEDIATE waits the connection's busy timeout and is retried
  until ``wait_s`` is used up; nothing has been written before it succeeds, so
  the retry is safe. Past ``wait_s`` a ``DatabaseBusyError`` names the file.

On PostgreSQL (several PCs on one OPD database) the same one-writer rule holds across PCs through
a transaction-level advisory lock (``pg_try_advisory_xact_lock``) taken as the transaction's first
statement: it is released by the commit/rollback itself, so a crashed PC never leaves it held.
It is polled (not waited for inside the server) so a cancel request is seen within 50 ms.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from services.errors import UserError
from services.jobs import NEVER_CANCELLED, CancelToken
from services.store.db import Database, stale_edits_refused

DEFAULT_WAIT_S = 600.0  # a month's recompute or a big import in another process may hold the lock for minutes

_locks: dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()


class DatabaseBusyError(UserError):
    title = "Basis data sibuk"


def process_lock(db: Database) -> threading.RLock:
    """The in-process writer lock of this database (shared by every Database object on the same URL)."""
    with _locks_guard:
        return _locks.setdefault(str(db.engine.url), threading.RLock())


def _is_locked(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "locked" in text or "busy" in text


BUSY_STEP_MS = 1000  # each BEGIN IMMEDIATE waits at most this long inside SQLite; cancel is checked in between
CONNECTION_BUSY_MS = 10000  # what services.store.db sets on every connection


WRITER_LOCK_KEY = 7263002  # the advisory lock id of the one-writer rule (any constant unique to this app)


def _advisory_writer_lock(session: Session, db: Database, wait_s: float, cancel: CancelToken) -> None:
    from sqlalchemy import text

    deadline = time.monotonic() + wait_s
    while not session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": WRITER_LOCK_KEY}).scalar():
        if time.monotonic() >= deadline:
            session.rollback()
            raise DatabaseBusyError(
                f"Basis data {db.location} sedang dipakai menulis oleh proses lain lebih dari {wait_s:g} detik "
                "(mis. sinkron mesin di PC lain atau di komputer ini). Tidak ada yang disimpan; coba lagi sebentar lagi.")
        cancel.raise_if_cancelled()
        time.sleep(0.05)


def _begin_immediate(session: Session, db: Database, wait_s: float, cancel: CancelToken) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            conn = session.connection()
            step = max(1, min(BUSY_STEP_MS, int((deadline - time.monotonic()) * 1000)))
            conn.exec_driver_sql(f"PRAGMA busy_timeout={step}")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.exec_driver_sql(f"PRAGMA busy_timeout={CONNECTION_BUSY_MS}")
            return
        except OperationalError as exc:
            session.rollback()
            if not _is_locked(exc) or time.monotonic() >= deadline:
                if _is_locked(exc):
                    raise DatabaseBusyError(
                        f"Basis data {db.location} sedang dipakai menulis oleh proses lain lebih dari {wait_s:g} detik "
                        "(mis. sinkron terjadwal atau aplikasi di komputer ini). Tidak ada yang disimpan; "
                        "coba lagi sebentar lagi."
                    ) from None
                raise
            cancel.raise_if_cancelled()
            time.sleep(0.05)


@contextlib.contextmanager
def write_transaction(db: Database, *, wait_s: float = DEFAULT_WAIT_S, checkpoint: bool = True,
                      cancel: CancelToken = NEVER_CANCELLED) -> Iterator[Session]:
    """A Session whose transaction holds the database's write lock from its first statement; commit on success.

    checkpoint=False: this commit does not copy the WAL into the database file (SQLite's automatic
    checkpoint); a run of bulk writes calls ``checkpoint_now`` once at its end instead of once per commit.
    """
    sqlite = db.engine.dialect.name == "sqlite"
    with process_lock(db):
        s = db.session()
        try:
            if sqlite:
                if not checkpoint:
                    s.connection().exec_driver_sql("PRAGMA wal_autocheckpoint=0")
                    s.rollback()
                _begin_immediate(s, db, wait_s, cancel)  # the session's transaction is now the IMMEDIATE one
            elif db.is_postgres:
                _advisory_writer_lock(s, db, wait_s, cancel)
            with stale_edits_refused():
                yield s
                s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            if sqlite and not checkpoint:
                with contextlib.suppress(Exception):
                    s.connection().exec_driver_sql(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
                    s.rollback()
            s.close()


AUTOCHECKPOINT_PAGES = 1000  # SQLite's default


def checkpoint_now(db: Database) -> None:
    """Copy the WAL into the database file now (PASSIVE: never waits for readers); no-op on PostgreSQL."""
    if db.engine.dialect.name != "sqlite":
        return
    with process_lock(db), db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
