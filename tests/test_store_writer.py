"""The one-writer seam: BEGIN IMMEDIATE waits for another process's write lock (beyond the busy timeout
of one attempt), gives up with a clear message, and serialises writers inside one process."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from services.store.db import Database
from services.store.writer import DatabaseBusyError, write_transaction


def _hold_lock(db: Database, seconds: float, ready: threading.Event) -> threading.Thread:
    """Another writer (a raw connection, as another process would be) holding the write lock: SQLite's
    write lock, or on PostgreSQL the one-writer advisory lock another PC would hold."""
    if db.is_postgres:
        return _hold_pg_lock(db, seconds, ready)
    path = db.path

    def run() -> None:
        con = sqlite3.connect(path, timeout=1)
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO setting (key, value) VALUES ('other', 'x')")
        ready.set()
        time.sleep(seconds)
        con.commit()
        con.close()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _hold_pg_lock(db: Database, seconds: float, ready: threading.Event) -> threading.Thread:
    import psycopg

    from services.store.writer import WRITER_LOCK_KEY

    url = db.sa_url.set(drivername="postgresql").render_as_string(hide_password=False)

    def run() -> None:
        with psycopg.connect(url) as con:
            con.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK_KEY,))
            con.execute("INSERT INTO setting (key, value) VALUES ('other', 'x')")
            ready.set()
            time.sleep(seconds)
            con.commit()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_waits_for_another_writer_longer_than_one_busy_timeout(db: Database) -> None:
    ready = threading.Event()
    holder = _hold_lock(db, 2.5, ready)
    ready.wait(5)
    t0 = time.monotonic()
    with write_transaction(db) as s:  # each attempt waits 1 s inside SQLite; retried until the lock is free
        s.execute(text("INSERT INTO setting (key, value) VALUES ('mine', 'y')"))
    assert time.monotonic() - t0 >= 2.0
    holder.join(5)
    with db.session() as s:
        assert dict(s.execute(text("SELECT key, value FROM setting")).all()) == {"other": "x", "mine": "y"}


def test_gives_up_with_a_clear_message(db: Database) -> None:
    ready = threading.Event()
    holder = _hold_lock(db, 3.0, ready)
    ready.wait(5)
    with pytest.raises(DatabaseBusyError, match="sedang dipakai menulis oleh proses lain"), write_transaction(db, wait_s=1.2):
        pass
    holder.join(5)


def test_writers_in_one_process_take_turns(db: Database) -> None:
    order: list[str] = []

    def writer(name: str) -> None:
        with write_transaction(db) as s:
            order.append(name + "+")
            time.sleep(0.05)
            s.execute(text("INSERT INTO setting (key, value) VALUES (:k, 'v')"), {"k": name})
            order.append(name + "-")

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(order) == 12 and all(order[i][:-1] == order[i + 1][:-1] for i in range(0, 12, 2))
