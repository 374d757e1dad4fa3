"""`presensi-opd db-init`, `db-migrate`, `backup`, `restore`: set-up and care of the OPD store."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError

from services.cli_support import ADMIN, CliError, needs, open_db
from services.errors import UnreachableError
from services.store import backup as backups
from services.store.db import Database, is_pg_url
from services.store.profile import StoreProfile, check_url, open_store, save_password, save_profile


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db-init", help="siapkan database OPD PostgreSQL baru (beberapa PC): migrasi + admin pertama")
    p.add_argument("--url", required=True, help="postgresql://pengguna@host:5432/nama_db (tanpa kata sandi)")
    p.add_argument("--password-stdin", action="store_true", help="baca kata sandi login database dari stdin "
                   "(disimpan di keyring)")
    p.add_argument("--sslmode", default="", help="disable/prefer/require/verify-ca/verify-full")
    p.add_argument("--sslrootcert", default="", help="berkas sertifikat CA server (untuk verify-ca/verify-full)")
    p.add_argument("--files-dir", default="", help="folder bersama untuk berkas (foto, PDF) semua PC")
    p.add_argument("--opd-code", required=True)
    p.add_argument("--opd-name", required=True)
    p.add_argument("--region", default="")
    p.add_argument("--city", default="")
    p.add_argument("--timezone", default="Asia/Jakarta")
    p.add_argument("--policy", default="", help="preset kebijakan (bawaan: preset pertama)")
    p.add_argument("--admin", default="admin")
    p.add_argument("--admin-name", default="Administrator")
    p.add_argument("--admin-password-stdin", action="store_true",
                   help="baca sandi admin pertama dari stdin (baris setelah sandi database bila keduanya)")
    p.add_argument("--no-profile", action="store_true", help="jangan jadikan database ini bawaan PC ini")
    p.set_defaults(func=_cmd_db_init)
    needs(p, None)  # an empty database: the PostgreSQL login is the authority; it creates the first admin
    p = sub.add_parser("db-migrate", help="pindahkan database OPD SQLite ini ke PostgreSQL (beberapa PC)")
    p.add_argument("--to", required=True, dest="target", help="postgresql://pengguna@host/db (database kosong)")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=_cmd_db_migrate)
    needs(p, ADMIN)  # logs in on the SQLite source
    p = sub.add_parser("backup", help="cadangkan database OPD (SQLite: salinan daring; PostgreSQL: pg_dump -Fc)")
    p.add_argument("--out", type=Path, default=None, help="berkas cadangan (bawaan: bertanggal di samping database)")
    p.set_defaults(func=_cmd_backup)
    needs(p, ADMIN)
    p = sub.add_parser("restore", help="pulihkan database OPD dari berkas cadangan")
    p.add_argument("file", type=Path)
    p.add_argument("--yes", action="store_true", help="tanpa konfirmasi (isi database sekarang diganti)")
    p.set_defaults(func=_cmd_restore)
    needs(p, ADMIN)


def _read_lines(count: int) -> list[str]:
    lines = [sys.stdin.readline().rstrip("\n") for _ in range(count)]
    if any(not line for line in lines):
        raise CliError("Kata sandi dari stdin kosong.")
    return lines


def _connect(url: str, args: argparse.Namespace, password: str | None, **options: object) -> Database:
    try:
        return open_store(url, getattr(args, "clock", None), migrate=True) if not options and password is None \
            else _open_with(url, args, password, options)
    except OperationalError as exc:
        raise UnreachableError(f"Database {url} tidak dapat dihubungi: {str(exc.orig or exc).strip()[:300]}") from None


def _open_with(url: str, args: argparse.Namespace, password: str | None, options: dict[str, object]) -> Database:
    db = Database(url, getattr(args, "clock", None), password=password, **options)  # type: ignore[arg-type]
    db.migrate()
    return db


def _cmd_db_init(args: argparse.Namespace) -> int:
    from services.org.settings import OpdProfile
    from services.org.setup import initial_setup, needs_setup
    from services.policy.model import list_presets

    url = check_url(args.url)
    wanted = int(args.password_stdin) + int(args.admin_password_stdin)
    lines = _read_lines(wanted) if wanted else []
    db_password = lines.pop(0) if args.password_stdin else None
    admin_password = lines.pop(0) if args.admin_password_stdin else getpass.getpass("Sandi admin pertama: ")
    tls = {k: v for k, v in (("sslmode", args.sslmode), ("sslrootcert", args.sslrootcert)) if v}
    options: dict[str, object] = {"connect_args": tls} if tls else {}
    if args.files_dir:
        options["files_root"] = Path(args.files_dir)
    db = _connect(url, args, db_password, **options)
    try:
        with db.transaction() as s:
            if not needs_setup(s):
                raise CliError(f"Database {db.location} sudah berisi OPD; tidak disiapkan ulang.")
            profile = OpdProfile(args.opd_code, args.opd_name, args.region, "", args.city, args.timezone,
                                 args.policy or list_presets()[0])
            initial_setup(s, profile, args.admin, args.admin_name, admin_password, today=db.clock.today())
    finally:
        db.dispose()
    if db_password:
        save_password(url, db_password)
    if not args.no_profile:
        path = save_profile(StoreProfile(url, args.sslmode, args.sslrootcert, args.files_dir))
        print(f"PC ini kini memakai {db.location} (profil {path}).")
    print(f"Database OPD {args.opd_code.upper()} siap di {db.location}: migrasi selesai, admin '{args.admin}' dibuat.")
    return 0


def _cmd_db_migrate(args: argparse.Namespace) -> int:
    from services.auth.audit import chain_head, verify_chain
    from services.store.transfer import transfer

    if args.db is not None and is_pg_url(args.db):
        raise CliError("--db untuk db-migrate adalah berkas SQLite sumber; tujuan diberikan dengan --to.")
    url = check_url(args.target)
    password = _read_lines(1)[0] if args.password_stdin else None
    src = open_db(args)
    dst = _connect(url, args, password)
    try:
        result = transfer(src, dst, progress=lambda t: print(f"  tabel {t} disalin", flush=True))
        print(f"{'tabel':<24}{'sumber':>10}{'tujuan':>10}")
        for table, (a, b) in result.counts.items():
            print(f"{table:<24}{a:>10}{b:>10}{'' if a == b else '  BERBEDA'}")
        with src.session() as s_src, dst.session() as s_dst:
            bad = verify_chain(s_dst)
            same_head = chain_head(s_src) == chain_head(s_dst)
        if result.mismatched:
            raise CliError(f"Jumlah baris berbeda pada tabel {', '.join(result.mismatched)}: periksa sebelum dipakai.")
        if bad is not None or not same_head:
            raise CliError(f"Rantai audit di {dst.location} tidak utuh setelah migrasi (peristiwa {bad}).")
        print(f"Migrasi selesai: {sum(a for a, _ in result.counts.values())} baris; rantai audit utuh "
              f"(kepala {chain_head_text(dst)}).")
    finally:
        src.dispose()
        dst.dispose()
    if password:
        save_password(url, password)
    return 0


def chain_head_text(db: Database) -> str:
    from services.auth.audit import chain_head

    with db.session() as s:
        n, h = chain_head(s)
    return f"#{n} {h[:12]}"


def _cmd_backup(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        target = db.backup("backup", target=args.out)
    finally:
        db.dispose()
    print(f"Cadangan {db.location} tersimpan: {target} ({target.stat().st_size:,} byte).")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        if not args.yes:
            answer = input(f"Isi {db.location} akan diganti dengan {args.file}. Lanjutkan? [y/N] ")
            if answer.strip().lower() not in ("y", "ya"):
                print("Dibatalkan.")
                return 1
        backups.restore_database(db, args.file)
    finally:
        db.dispose()
    print(f"{db.location} dipulihkan dari {args.file}.")
    return 0
