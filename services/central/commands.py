"""`presensi-opd submit` / `verify` / `central-init` / `central-status` / `central-review` / `bpkad-export`."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from services.cli_support import ADMIN, OPERATOR, CliError, cli_opd, current, needs, open_db, resolve_last_month
from services.clock import system_clock
from services.reports.commands import add_period_args, find_report, run_cli


def _secret_input(prompt: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise CliError(f"{prompt} diperlukan; gunakan opsi --password-stdin.")
    return getpass.getpass(prompt + ": ")


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("submit", help="kirim laporan bertanda tangan ke server pusat BKPSDM (lewat antrean/outbox)")
    add_period_args(s)
    s.add_argument("--queue", action="store_true", help="masukkan dulu laporan terbaru periode ini ke antrean")
    s.add_argument("--revision", type=int, default=None)
    s.add_argument("--force", action="store_true", help="coba sekarang juga, abaikan jadwal coba ulang")
    s.add_argument("--url", default=None, help="simpan alamat server pusat, mis. postgresql://opd_x@host:5432/bkpsdm")
    s.add_argument("--ca", type=Path, default=None,
                   help="CA (PEM) penerbit sertifikat server pusat: koneksi TLS verify-full + scram-sha-256")
    s.add_argument("--save-password", action="store_true", help="minta kata sandi server pusat dan simpan di keyring")
    s.add_argument("--password-stdin", action="store_true")
    s.add_argument("--list", action="store_true", help="tampilkan isi antrean saja")
    s.add_argument("--pengantar-nomor", default="", help="nomor surat pengantar bundel (bawaan: dikosongkan)")
    s.set_defaults(func=run_cli(_cmd_submit))
    # changing where the outbox sends (or its password) is an admin action; sending is the operator's
    needs(s, lambda a: ADMIN if (a.url or a.save_password) else OPERATOR)

    v = sub.add_parser("verify", help="periksa hash dan tanda tangan laporan (berkas lokal atau kiriman di pusat)")
    v.add_argument("--file", type=Path, default=None, help="berkas PDF bertanda tangan")
    v.add_argument("--sha256", default=None, help="sha256 yang seharusnya (opsional, untuk --file)")
    v.add_argument("--trust", type=Path, action="append", default=[], help="CA tepercaya (PEM); boleh berulang")
    v.add_argument("--url", default=None, help="server pusat (bawaan: pengaturan di database lokal)")
    v.add_argument("--opd", default=None, help="kode OPD kiriman di server pusat")
    v.add_argument("--year", type=int, default=None)
    v.add_argument("--month", type=int, default=None)
    v.add_argument("--revision", type=int, default=None)
    v.add_argument("--password-stdin", action="store_true")
    v.add_argument("--no-pdfsig", action="store_true", help="lewati validator pdfsig (poppler)")
    v.set_defaults(func=run_cli(_cmd_verify))
    needs(v, None)  # checks a PDF, or a submission with the central server's own login; changes nothing

    c = sub.add_parser("central-init", help="(admin BKPSDM) siapkan/migrasikan basis data pusat dan akun OPD")
    c.add_argument("--admin-url", required=True, help="URL superuser/pemilik, mis. postgresql://postgres@host/postgres")
    c.add_argument("--database", default=None, help="buat database ini dulu bila belum ada")
    c.add_argument("--opd-code", default=None)
    c.add_argument("--opd-name", default="")
    c.add_argument("--opd-role", default=None, help="nama login PostgreSQL untuk OPD ini")
    c.add_argument("--timezone", default="Asia/Jakarta")
    c.add_argument("--bkpsdm-role", default=None, help="nama login PostgreSQL untuk BKPSDM (baca semua)")
    c.add_argument("--password-stdin", action="store_true")
    c.set_defaults(func=run_cli(_cmd_central_init))
    needs(c, None)  # no local database: the PostgreSQL superuser login is the authority

    st = sub.add_parser("central-status", help="(BKPSDM) siapa sudah mengirim laporan periode ini, tepat waktu?")
    st.add_argument("--url", required=True)
    st.add_argument("--year", type=int, required=True)
    st.add_argument("--month", type=int, required=True)
    st.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                    help="tanggal acuan YYYY-MM-DD untuk 'lewat batas' (bawaan: hari ini menurut jam komputer ini)")
    st.add_argument("--password-stdin", action="store_true")
    st.set_defaults(func=run_cli(_cmd_central_status))
    needs(st, None)  # BKPSDM's own PostgreSQL login

    rv = sub.add_parser("central-review", help="(BKPSDM) terima atau kembalikan kiriman terbaru satu OPD")
    rv.add_argument("--url", required=True, help="login BKPSDM di server pusat")
    rv.add_argument("--opd", required=True)
    rv.add_argument("--year", type=int, required=True)
    rv.add_argument("--month", type=int, required=True)
    choice = rv.add_mutually_exclusive_group(required=True)
    choice.add_argument("--accept", action="store_true", help="terima kiriman")
    choice.add_argument("--return-reason", default=None, help="kembalikan dengan alasan ini")
    rv.add_argument("--password-stdin", action="store_true")
    rv.set_defaults(func=run_cli(_cmd_central_review))
    needs(rv, None)  # BKPSDM's own PostgreSQL login (require_bkpsdm checks it at the server)

    bx = sub.add_parser("bpkad-export", help="(BKPSDM) tabel TPP seluruh OPD (Excel) untuk BPKAD dari kiriman")
    bx.add_argument("--url", required=True, help="login BKPSDM di server pusat")
    bx.add_argument("--year", type=int, required=True)
    bx.add_argument("--month", type=int, required=True)
    bx.add_argument("--out", type=Path, required=True, help="berkas .xlsx")
    bx.add_argument("--region", default="", help="nama pemerintah daerah pada judul")
    bx.add_argument("--all-revisions", action="store_true",
                    help="pakai revisi terbaru walau belum diterima (bawaan: hanya revisi yang diterima)")
    bx.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    bx.add_argument("--password-stdin", action="store_true")
    bx.set_defaults(func=run_cli(_cmd_bpkad_export))
    needs(bx, None)  # BKPSDM's own PostgreSQL login


def _cmd_submit(args: argparse.Namespace) -> int:
    from services.central.login_url import remember_password
    from services.central.outbox import (
        central_url,
        configure_central,
        enqueue_submission,
        flush_outbox,
        outbox_rows,
    )

    db = open_db(args)
    user = current(args)  # the one who logged in; never swapped for another identity
    if args.url:
        # admin only (configure_central checks), audited with the old and new address
        print(configure_central(db, args.url, user, ca_file=args.ca))
    if args.save_password:
        user.require("admin")
        url = central_url(db)
        if not url:
            raise CliError("Atur dulu alamat server pusat dengan --url.")
        remember_password(url, _secret_input("Kata sandi server pusat", args.password_stdin))
        print("Kata sandi server pusat disimpan di keyring.")
    if args.queue:
        opd_id, _code = cli_opd(db, args.opd)
        rep = find_report(db, opd_id, args.year, args.month, args.revision)
        item = enqueue_submission(db, rep.id, user, pengantar_number=args.pengantar_nomor)
        print(f"Bundel {args.year}-{args.month:02d} revisi {rep.revision} (rekap PDF, Excel, SPTJM, surat "
              f"pengantar) ada di antrean (id {item}).")
    if not args.list:
        res = flush_outbox(db, username=user.username, force=args.force)
        for m in res.messages:
            print(m)
        print(res.summary())
        if res.still_queued == 0 and central_url(db):
            _print_reviews(db)
    for r in outbox_rows(db):
        nxt = f", coba lagi {r.next_attempt_at:%Y-%m-%d %H:%M:%S}" if r.status == "pending" and r.next_attempt_at else ""
        err = f" — {r.last_error}" if r.last_error and r.status != "sent" else ""
        print(f"  #{r.id} {r.label}: {r.status}, {r.attempts}x percobaan{nxt}{err}")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from services.central.outbox import central_password, central_url
    from services.central.verify import verify_file, verify_submission

    trust: list[Path] = list(args.trust)
    db = None
    if args.db is not None or not args.file:
        try:
            db = open_db(args)
        except CliError:
            db = None
    if not trust and db is not None:
        from services.signing.service import trust_roots_from_settings

        trust = trust_roots_from_settings(db)
    if args.file:
        verdict = verify_file(args.file, trust, expected_sha256=args.sha256, use_pdfsig=not args.no_pdfsig)
    else:
        if not (args.opd and args.year and args.month):
            raise CliError("Sebutkan --file PDF, atau --opd, --year dan --month untuk kiriman di server pusat.")
        url = args.url or (central_url(db) if db is not None else None)
        if not url:
            raise CliError("Alamat server pusat belum diketahui; gunakan --url.")
        password = _secret_input("Kata sandi server pusat", True) if args.password_stdin else central_password(url)
        verdict = verify_submission(url, args.opd, args.year, args.month, args.revision, password=password,
                                    trust_roots=trust, use_pdfsig=not args.no_pdfsig)
    print(verdict.text())
    return 0 if verdict.ok else 1


def _cmd_central_init(args: argparse.Namespace) -> int:
    from services.central import admin

    url = args.admin_url
    if args.database:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", (args.database,)).fetchone()
        url = admin.with_database(url, args.database) if exists else admin.create_database(url, args.database)
    head = admin.migrate_central(url)
    print(f"Skema pusat pada revisi {head}.")
    if args.opd_code:
        if not args.opd_role:
            raise CliError("--opd-role wajib bersama --opd-code")
        pw = _secret_input(f"Kata sandi login {args.opd_role}", args.password_stdin)
        admin.register_opd(url, args.opd_code, args.opd_name or args.opd_code, args.opd_role, pw, args.timezone)
        print(f"OPD {args.opd_code} terdaftar dengan login {args.opd_role}.")
        print(f"  Alamat untuk OPD: {admin.with_user(url, args.opd_role)}")
    if args.bkpsdm_role:
        pw = _secret_input(f"Kata sandi login {args.bkpsdm_role}", args.password_stdin)
        admin.register_bkpsdm(url, args.bkpsdm_role, pw)
        print(f"Login BKPSDM {args.bkpsdm_role} siap (membaca semua kiriman).")
    return 0


def _print_reviews(db) -> None:  # type: ignore[no-untyped-def]
    from services.central.client import CentralError
    from services.central.opd_sync import sync_reviews

    try:
        for m in sync_reviews(db).messages:
            print(f"Keputusan BKPSDM: {m}")
    except CentralError as exc:
        print(f"Keputusan BKPSDM belum dapat diperiksa: {exc}")


def _clock(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    return getattr(args, "clock", None) or system_clock()


def _as_of(args: argparse.Namespace) -> dt.date:
    """The explicit --as-of date, else today by the office clock (never the central server's now())."""
    return args.as_of or _clock(args).today()


def _cmd_central_status(args: argparse.Namespace) -> int:
    from services.central.client import connect
    from services.central.outbox import central_password
    from services.central.review import load_board

    resolve_last_month(args, _clock(args))
    pw = _secret_input("Kata sandi", True) if args.password_stdin else central_password(args.url)
    as_of = _as_of(args)
    with connect(args.url, pw) as conn:
        rows = load_board(conn, args.year, args.month, as_of)
    deadline = rows[0].deadline if rows else None
    print(f"Status kiriman {args.year}-{args.month:02d} (batas: {deadline or 'tanggal 10 bulan berikutnya'}, "
          f"per {as_of})")
    for r in rows:
        when = (f"{r.first_submitted_at.astimezone(ZoneInfo(r.opd.timezone)):%Y-%m-%d %H:%M}"
                if r.first_submitted_at else "-")
        rev = r.latest.revision if r.latest else "-"
        print(f"  {r.opd.code:<14} {r.opd.name[:40]:<40} {when:<17} rev {rev}  {r.label} ({r.timeliness})")
    return 0


def _cmd_central_review(args: argparse.Namespace) -> int:
    from services.central.client import connect
    from services.central.outbox import central_password
    from services.central.review import period_rows, record_review, require_bkpsdm

    pw = _secret_input("Kata sandi", True) if args.password_stdin else central_password(args.url)
    with connect(args.url, pw) as conn:
        require_bkpsdm(conn)
        rows = period_rows(conn, args.year, args.month, args.opd)
        if not rows:
            raise CliError(f"{args.opd} belum mengirim laporan {args.year}-{args.month:02d}.")
        latest = rows[-1]
        decision = "accepted" if args.accept else "returned"
        out = record_review(conn, latest.id, decision, args.return_reason or "")
    word = "diterima" if args.accept else "dikembalikan"
    print(f"{args.opd} {args.year}-{args.month:02d} revisi {latest.revision} {word}"
          + (" (sudah tercatat sebelumnya)" if out.existed else "") + ".")
    return 0


def _cmd_bpkad_export(args: argparse.Namespace) -> int:
    from services.central.bpkad import export_region_tpp_job
    from services.central.outbox import central_password

    pw = _secret_input("Kata sandi", True) if args.password_stdin else central_password(args.url)
    res = export_region_tpp_job(args.url, pw, args.year, args.month, args.out, as_of=_as_of(args),
                                generated_at=_clock(args).now(), region_name=args.region,
                                only_accepted=not args.all_revisions)
    print(res.summary())
    return 0
