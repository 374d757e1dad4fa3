"""Shared plumbing of the `presensi-opd` sub-commands: what a command needs, login, the DB, the OPD.

Every sub-command declares what it needs with ``needs(parser, roles)`` when it is registered:
``None`` for a pure tool (no database, no personal data), a tuple of roles (any one suffices;
admin holds every role), or a function of the parsed arguments returning either (e.g. `submit
--url` needs admin, plain `submit` an operator). The CLI core (services.cli.main) refuses a
command that declared nothing, and logs the user in before running one that needs roles: the
password comes from a terminal prompt or from ``--password-file F`` (a regular file only its owner
can read). The handler then finds the proven user in ``args.current_user``; nothing looks a user
up by name on trust.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from services.auth.users import STAFF_ROLES, CurrentUser
from services.clock import Clock
from services.errors import PermissionDeniedError, UnreachableError, UserError
from services.store.db import Database, is_pg_url
from services.store.models import Opd
from services.store.profile import open_store, resolve_location

Roles = tuple[str, ...]
Need = Roles | None | Callable[[argparse.Namespace], "Roles | None"]
STAFF: Roles = STAFF_ROLES  # anyone working at the office PC: reading personal data needs one of these
OPERATOR: Roles = ("operator",)
ADMIN: Roles = ("admin",)
SIGNER: Roles = ("signer",)
VERIFIER: Roles = ("verifier",)
PUBLIC = "public"  # the declared value of a pure tool


class CliError(UserError):
    pass


def add_login_args(p: argparse.ArgumentParser) -> None:
    """--user / --password-file; SUPPRESS keeps the same options given before the sub-command."""
    p.add_argument("--user", "--pengguna", dest="user", default=argparse.SUPPRESS,
                   help="nama pengguna Anda (kata sandinya ditanyakan, atau --password-file)")
    p.add_argument("--password-file", type=Path, default=argparse.SUPPRESS,
                   help="berkas berisi kata sandi (baris pertama), hanya dapat dibaca pemiliknya (chmod 600)")


def needs(p: argparse.ArgumentParser, roles: Need) -> None:
    """Declare what the command needs (see the module docstring)."""
    p.set_defaults(needs=PUBLIC if roles is None else roles)
    if roles is not None:
        add_login_args(p)


def required_roles(args: argparse.Namespace) -> Roles | None:
    """The roles this invocation needs; None = a pure tool. A command that declared nothing is refused."""
    declared = getattr(args, "needs", None)
    if declared is None:
        raise CliError(f"Perintah `{args.command}` belum menyatakan hak akses yang diperlukan; ditolak.")
    if declared == PUBLIC:
        return None
    value = declared(args) if callable(declared) else declared
    return None if value is None or value == PUBLIC else tuple(value)


def _password(args: argparse.Namespace, username: str) -> str:
    from services.secrets import read_owner_only_file

    path = getattr(args, "password_file", None)
    if path is not None:
        return read_owner_only_file(path, "kata sandi")
    if not sys.stdin.isatty():
        raise CliError(f"Kata sandi '{username}' diperlukan dan tidak ada terminal untuk menanyakannya; "
                       "gunakan --password-file F (berkas yang hanya dapat dibaca pemiliknya, chmod 600).")
    return getpass.getpass(f"Kata sandi {username}: ")


def cli_login(args: argparse.Namespace, roles: Roles) -> CurrentUser:
    """Prove who runs the command (throttled, audited login) and that they hold one of ``roles``."""
    from services.auth.users import login

    username = getattr(args, "user", None)
    if not username:
        if not sys.stdin.isatty():
            raise CliError(f"Perintah `{args.command}` memerlukan login: sebutkan --user NAMA dan --password-file F.")
        username = input("Pengguna: ").strip()
    db = open_db(args)
    try:
        user = login(db, username, _password(args, username), via=f"cli {args.command}")
    finally:
        db.dispose()
    user.require_any(roles, f"Perintah `{args.command}`")
    return user


def current(args: argparse.Namespace) -> CurrentUser:
    """The user the CLI core logged in for this command."""
    user = getattr(args, "current_user", None)
    if not isinstance(user, CurrentUser):
        raise PermissionDeniedError(f"Perintah `{args.command}` berjalan tanpa login; ditolak.")
    return user


def open_db(args: argparse.Namespace) -> Database:
    """The OPD store of a command: --db (a SQLite file or postgresql:// URL), this PC's profile, or the default file."""
    from services.store.location import check_database_location

    location = resolve_location(args.db)
    if not is_pg_url(location):
        if not Path(location).exists():
            raise CliError(f"Database tidak ditemukan: {location} (jalankan `presensi-opd demo` atau buka aplikasinya dulu)")
        check_database_location(Path(location))
    try:
        db = open_store(location, clock=getattr(args, "clock", None))
    except OperationalError as exc:
        raise UnreachableError(f"Database {location} tidak dapat dihubungi: {str(exc.orig or exc).strip()[:300]}") from None
    resolve_last_month(args, db.clock)
    return db


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


def cli_opd(db: Database, code: str | None) -> tuple[int, str]:
    with db.session() as s:
        q = select(Opd)
        if code:
            q = q.where(Opd.code == code)
        opds = list(s.execute(q).scalars())
        if len(opds) != 1:
            raise CliError(f"OPD '{code}' tidak ditemukan." if code else "Lebih dari satu OPD: pilih dengan --opd KODE.")
        return opds[0].id, opds[0].code
