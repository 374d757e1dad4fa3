"""CLI: `audit-verify` (is the audit log intact, also against its anchors?) and `user-unlock` (admin)."""

from __future__ import annotations

import argparse
import sys

from services.cli_support import ADMIN, STAFF, CliError, current, needs, open_db


def register(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser("audit-verify", help="periksa log audit: kunci rantai, sambungan, dan jangkar (PDF/pusat)")
    v.add_argument("--anchor", action="append", default=[], metavar="NOMOR:HASH",
                   help="kepala log yang tercetak di PDF laporan (mis. 1234:9f86d0…); boleh berulang")
    v.add_argument("--no-central", action="store_true", help="jangan bandingkan dengan kiriman di server pusat")
    v.add_argument("--password-stdin", action="store_true", help="kata sandi server pusat dari stdin")
    v.set_defaults(func=_audit_verify)
    needs(v, STAFF)

    u = sub.add_parser("user-unlock", help="(admin) buka kunci akun yang terkunci karena salah kata sandi")
    u.add_argument("username")
    u.set_defaults(func=_user_unlock)
    needs(u, ADMIN)


def _parse_anchor(text: str) -> tuple[int, str]:
    number, sep, digest = text.partition(":")
    digest = digest.strip().lower()
    if not sep or not number.strip().isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise CliError(f"--anchor '{text}': tulis NOMOR:HASH (hash 64 digit heksadesimal dari PDF laporan).")
    return int(number), digest


def _central(args: argparse.Namespace, db, notes: list[str]):  # type: ignore[no-untyped-def]
    from services.auth.audit import Anchor
    from services.central.anchors import central_anchors
    from services.central.client import CentralError, connect
    from services.central.outbox import central_password, central_url
    from services.cli_support import cli_opd

    found: list[Anchor] = []
    url = central_url(db)
    if args.no_central or not url:
        notes.append("Server pusat tidak diperiksa" + (" (--no-central)." if args.no_central else " (belum diatur)."))
        return found
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else central_password(url)
    try:
        _opd_id, code = cli_opd(db, None)
        with connect(url, password) as conn:
            found = central_anchors(conn, code)
        notes.append(f"Server pusat: {len(found)} jangkar dari kiriman OPD {code}.")
    except (CentralError, CliError) as exc:
        notes.append(f"Server pusat tidak dapat diperiksa: {exc}")
    return found


def _audit_verify(args: argparse.Namespace) -> int:
    from services.auth.audit import Anchor, check_chain, local_anchors

    given = [Anchor(*_parse_anchor(a), "--anchor (PDF laporan)") for a in args.anchor]
    db = open_db(args)
    notes: list[str] = []
    try:
        remote = _central(args, db, notes)
        with db.session() as s:
            report = check_chain(s, [*local_anchors(s), *remote, *given])
    finally:
        db.dispose()
    for note in notes:
        print(note)
    print(report.text())
    return 0 if report.ok else 1


def _user_unlock(args: argparse.Namespace) -> int:
    from services.auth.users import unlock_user
    from services.store.writer import write_transaction

    db = open_db(args)
    try:
        with write_transaction(db) as s:
            was = unlock_user(s, args.username, current(args))
    finally:
        db.dispose()
    print(f"Akun '{args.username}' " + ("dibuka kuncinya; dapat masuk lagi sekarang." if was else
                                        "tidak sedang terkunci; hitungan salah kata sandi dinolkan."))
    return 0
