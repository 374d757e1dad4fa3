"""Backups of the OPD database and the "last backup" stamp the dashboard reminds about.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot even
while the app writes. PostgreSQL: ``pg_dump -Fc`` / ``pg_restore`` (the PostgreSQL client tools);
when they are not installed the message says so and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from services.errors import BadInputError, UserError

if TYPE_CHECKING:
    from services.store.db import Database

LAST_BACKUP_KEY = "last_backup_at"
MAX_AGE_KEY = "backup_max_age_days"  # the OPD's own rule; without it DEFAULT_MAX_AGE_DAYS
DEFAULT_MAX_AGE_DAYS = 7
PG_DUMP_TIMEOUT_S = 3600


class BackupToolMissing(UserError):
    title = "Alat cadangan tidak ada"


def _pg_env(db: Database) -> dict[str, str]:
    """pg_dump/pg_restore get the login through libpq's environment (never on the command line)."""
    env = dict(os.environ)
    args = db.engine.dialect.create_connect_args(db.sa_url)[1]
    from services.store.db import _pg_connect_args

    connect = _pg_connect_args(db.sa_url, None, {})
    if connect.get("password"):
        env["PGPASSWORD"] = str(connect["password"])
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"),
                     ("sslkey", "PGSSLKEY")):
        if args.get(key):
            env[var] = str(args[key])
    return env


def _pg_target_args(db: Database) -> list[str]:
    u = db.sa_url
    return ["-h", u.host or "localhost", "-p", str(u.port or 5432), "-U", u.username or "postgres"]


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupToolMissing(
            f"Program '{name}' (alat klien PostgreSQL) tidak ditemukan di PC ini, jadi cadangan database "
            "PostgreSQL tidak dapat dibuat/dipulihkan di sini. Pasang PostgreSQL client tools (versi yang sama "
            "dengan server) atau jalankan perintah ini di PC server.")
    return found


def default_target(db: Database, suffix: str) -> Path:
    stamp = db.clock.now().strftime("%Y%m%d-%H%M%S")
    if db.is_postgres:
        return db.path.parent / "backups" / f"{db.sa_url.database}.{stamp}.{suffix}.dump"
    return db.path.with_name(f"{db.path.stem}.{stamp}.{suffix}{db.path.suffix}")


def backup_database(db: Database, *, suffix: str = "backup", target: Path | None = None) -> Path:
    """Write a consistent copy to ``target`` (default: a stamped file beside the database) and record the time."""
    target = Path(target) if target is not None else default_target(db, suffix)
    target.parent.mkdir(parents=True, exist_ok=True)
    if db.is_postgres:
        cmd = [_tool("pg_dump"), "-Fc", "--no-owner", *_pg_target_args(db), "-f", str(target),
               db.sa_url.database or ""]
        done = subprocess.run(cmd, env=_pg_env(db), capture_output=True, text=True, timeout=PG_DUMP_TIMEOUT_S,
                              check=False)
        if done.returncode != 0:
            target.unlink(missing_ok=True)
            raise UserError(f"pg_dump gagal mencadangkan {db.location}: {done.stderr.strip()[:500]}")
    else:
        raw = db.engine.raw_connection()
        try:
            dst = sqlite3.connect(target)
            try:
                raw.driver_connection.backup(dst)  # type: ignore[union-attr]
            finally:
                dst.close()
        finally:
            raw.close()
    _record_backup(db, target)
    return target


def _record_backup(db: Database, target: Path) -> None:
    from services.store.models import Setting

    if "setting" not in inspect(db.engine).get_table_names():
        return  # a database before its first migration (the pre-migrate copy of an empty file)
    with db.transaction() as s:
        stamp = db.clock.now().isoformat(timespec="seconds")
        row = s.get(Setting, LAST_BACKUP_KEY)
        if row is None:
            s.add(Setting(key=LAST_BACKUP_KEY, value=stamp))
        else:
            row.value = stamp
        row_file = s.get(Setting, LAST_BACKUP_KEY + "_file")
        if row_file is None:
            s.add(Setting(key=LAST_BACKUP_KEY + "_file", value=str(target)))
        else:
            row_file.value = str(target)


def restore_database(db: Database, source: Path) -> None:
    """Replace the database's contents with a backup made by ``backup_database`` (same kind of store)."""
    source = Path(source)
    if not source.is_file():
        raise BadInputError(f"Berkas cadangan tidak ditemukan: {source}")
    with source.open("rb") as fh:
        head = fh.read(16)
    if db.is_postgres:
        if not head.startswith(b"PGDMP"):
            raise BadInputError(f"{source.name} bukan cadangan PostgreSQL (pg_dump -Fc); untuk database ini "
                                "pulihkan dari berkas .dump.")
        db.dispose()
        cmd = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
               *_pg_target_args(db), "-d", db.sa_url.database or "", str(source)]
        done = subprocess.run(cmd, env=_pg_env(db), capture_output=True, text=True, timeout=PG_DUMP_TIMEOUT_S,
                              check=False)
        if done.returncode != 0:
            raise UserError(f"pg_restore gagal memulihkan {db.location}: {done.stderr.strip()[:500]}")
        return
    if not head.startswith(b"SQLite format 3"):
        raise BadInputError(f"{source.name} bukan cadangan SQLite; untuk database ini pulihkan dari berkas .sqlite.")
    db.dispose()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(db.path)
        try:
            src.backup(dst)  # page by page into the live file, under SQLite's own write lock
        finally:
            dst.close()
    finally:
        src.close()


def last_backup(session: Session) -> dt.datetime | None:
    from services.store.models import Setting

    row = session.get(Setting, LAST_BACKUP_KEY)
    if row is None or not row.value:
        return None
    try:
        return dt.datetime.fromisoformat(row.value)
    except ValueError:
        return None


def backup_overdue(session: Session, now: dt.datetime, max_age_days: int) -> str | None:
    """The reminder text when the last backup is older than ``max_age_days`` (or never made); None when fresh."""
    last = last_backup(session)
    if last is None:
        return "Database belum pernah dicadangkan. Buat cadangan sekarang (Pengaturan → Cadangkan)."
    age = now - last
    if age > dt.timedelta(days=max_age_days):
        return (f"Cadangan terakhir {last:%d-%m-%Y %H:%M}, sudah {age.days} hari (batas {max_age_days} hari). "
                "Buat cadangan sekarang (Pengaturan → Cadangkan).")
    return None


def backup_reminder(session: Session, now: dt.datetime) -> str | None:
    """The dashboard's reminder for the admin (None when the last backup is recent enough)."""
    from services.store.models import Setting

    row = session.get(Setting, MAX_AGE_KEY)
    try:
        max_age = int(row.value) if row is not None else DEFAULT_MAX_AGE_DAYS
    except ValueError:
        max_age = DEFAULT_MAX_AGE_DAYS
    return backup_overdue(session, now, max(1, max_age))
