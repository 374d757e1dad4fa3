"""`presensi-opd` command line.

Each domain package contributes its sub-commands through a ``register(subparsers)``
function in the modules listed in COMMAND_MODULES; a handler takes the parsed
args and returns an exit code. Every sub-command declares what it needs
(``services.cli_support.needs``); ``main`` logs the user in before running one that
needs a role, and refuses one that declared nothing.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from services.clock import Clock
from services.paths import default_db_path

COMMAND_MODULES = [
    "services.demo.build",
    "services.devices.commands",
    "services.devices.push_commands",
    "services.mobile.commands",
    "services.reconcile.commands",
    "services.selfie.commands",
    "services.policy.commands",
    "services.reports.commands",
    "services.reports.card_commands",
    "services.signing.commands",
    "services.central.commands",
    "services.store.commands",  # db-init, db-migrate, backup, restore
    "services.auth.commands",  # audit-verify, user-unlock
    "services.demo.mobile_commands",  # mobile-demo-bundle (demo/test only)
    "services.demo.signing_commands",  # esign-emulator, make-test-cert (demo/test only)
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="presensi-opd", description="Presensi OPD — rekap kehadiran, TPP dan disiplin")
    from services.cli_support import db_location

    parser.add_argument("--db", type=db_location, default=None,
                        help=f"berkas database SQLite atau alamat postgresql://pengguna@host/db "
                             f"(bawaan: profil PC ini, atau {default_db_path()})")
    parser.add_argument("-v", "--verbose", action="store_true")
    from services.cli_support import add_login_args, needs

    add_login_args(parser)  # also accepted before the sub-command
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    gui = sub.add_parser("gui", help="buka aplikasi")
    gui.set_defaults(func=_run_gui)
    needs(gui, None)  # the app has its own login dialog
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # that area has no commands yet
            raise
        module.register(sub)
    return parser


# The desktop layer installs its launcher here (services never import Qt/desktop).
GuiLauncher = Callable[["Path | str", "Clock | None"], int]
_gui_launcher: GuiLauncher | None = None


def open_gui(db_path: Path | str, clock: Clock | None = None) -> int:
    """Open the app on ``db_path``; ``clock`` None = the system clock in the OPD's zone."""
    from services.store.location import check_database_location

    check_database_location(db_path)  # an SQLite file on a network share is refused before anything opens it
    if _gui_launcher is None:
        print("Antarmuka grafis tidak tersedia pada instalasi ini.", file=sys.stderr)
        return 2
    return _gui_launcher(db_path, clock)


def _run_gui(args: argparse.Namespace) -> int:
    from services.store.profile import resolve_location

    return open_gui(resolve_location(args.db))


def main(argv: list[str] | None = None, gui_launcher: GuiLauncher | None = None, clock: Clock | None = None) -> int:
    """Run one command. ``clock`` (tests) replaces the system clock of every database the command opens."""
    global _gui_launcher
    if gui_launcher is not None:
        _gui_launcher = gui_launcher
    parser = build_parser()
    args = parser.parse_args(argv)
    args.clock = clock
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    if not getattr(args, "func", None):
        args.func, args.command, args.needs = _run_gui, "gui", "public"
    from services.cli_support import cli_login, required_roles
    from services.errors import UserError

    try:
        roles = required_roles(args)
        if roles is not None:
            args.current_user = cli_login(args, roles)
            args.user = args.current_user.username
        return int(args.func(args) or 0)
    except UserError as exc:  # an expected refusal: its message says what to do; anything else is a traceback
        print(f"Gagal: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Dibatalkan.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
