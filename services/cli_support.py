"""Shared plumbing of the `presensi-opd` sub-commands: open the DB, find the user and the OPD."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from services.auth.users import CurrentUser, to_current
from services.clock import Clock
from services.errors import UnreachableError, UserError
from services.store.db import Database, is_pg_url
from services.store.models import Opd, User
from services.store.profile import open_store, resolve_location


class CliError(UserError):
    pass


def open_db(args: argparse.Namespace) -> Database:
    """The OPD store of a command: --db (a SQLite file or postgresql:// URL), this PC's profile, or the default file."""
    location = resolve_location(args.db)
    if not is_pg_url(location) and not Path(location).exists():
        raise CliError(f"Database tidak ditemukan: {location} (jalankan `presensi-opd demo` atau buka aplikasinya dulu)")
    try:
        db = open_store(location, clock=getattr(args, "clock", None))
    except OperationalError as exc:
        raise UnreachableError(f"Database {location} tidak dapat dihubungi: {str(exc.orig or exc).strip()[:300]}") from None
    resolve_last_month(args, db.clock)
    return db


def db_location(value: str) -> Path | str:
    """argparse type of --db: a postgresql:// address stays text, anything else is a SQLite file path."""
    return value if is_pg_url(value) else Path(value)


def resolve_last_month(args: argparse.Namespace, clock: Clock) -> None:
    """Commands with period arguments (``add_period_args``) default to last month by the office clock."""
    if not getattr(args, "last_month_default", False):
        return
    today = clock.today()
    if args.month is None:
        last = today.replace(day=1) - dt.timedelta(days=1)
        args.month = last.month
        args.year = last.year if args.year is None else args.year
    elif args.year is None:  # the month's latest occurrence up to now
        args.year = today.year if args.month <= today.month else today.year - 1


def cli_user(db: Database, username: str) -> CurrentUser:
    with db.session() as s:
        u = s.execute(select(User).where(User.username == username, User.active.is_(True))).scalar_one_or_none()
        if u is None:
            raise CliError(f"Pengguna '{username}' tidak ditemukan atau tidak aktif.")
        return to_current(u)


def cli_opd(db: Database, code: str | None) -> tuple[int, str]:
    with db.session() as s:
        q = select(Opd)
        if code:
            q = q.where(Opd.code == code)
        opds = list(s.execute(q).scalars())
        if len(opds) != 1:
            raise CliError(f"OPD '{code}' tidak ditemukan." if code else "Lebih dari satu OPD: pilih dengan --opd KODE.")
        return opds[0].id, opds[0].code
