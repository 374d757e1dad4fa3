"""Shared plumbing of the `presensi-opd` sub-commands: open the DB, find the user and the OPD."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from services.auth.users import CurrentUser, to_current
from services.paths import default_db_path
from services.store.db import Database, open_database
from services.store.models import Opd, User


class CliError(Exception):
    pass


def open_db(args: argparse.Namespace) -> Database:
    path = args.db or default_db_path()
    if not path.exists():
        raise CliError(f"Database tidak ditemukan: {path} (jalankan `presensi-opd demo` atau buka aplikasinya dulu)")
    return open_database(path)


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
