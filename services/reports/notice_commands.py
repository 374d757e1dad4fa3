"""`presensi-opd notices draft|number|attach|deliver|history`: a notice as naskah dinas (Srikandi)."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

from services.cli_support import cli_user, open_db
from services.reports.commands import run_cli


def add_tracking_commands(nsub: argparse._SubParsersAction) -> None:
    d = nsub.add_parser("draft", help="draf DOCX (Tata Naskah Dinas) untuk Srikandi; nomor dan tanggal dikosongkan")
    d.add_argument("--id", type=int, required=True, help="id surat (lihat `notices list`)")
    d.add_argument("--out", type=Path, default=None, help="salin draf ke berkas ini")
    d.add_argument("--user", default="operator")
    d.set_defaults(func=run_cli(_cmd_draft))
    n = nsub.add_parser("number", help="catat nomor dan tanggal dari Srikandi (draf -> bernomor)")
    n.add_argument("--id", type=int, required=True)
    n.add_argument("--nomor", required=True)
    n.add_argument("--tanggal", type=dt.date.fromisoformat, required=True, help="YYYY-MM-DD")
    n.add_argument("--user", default="operator")
    n.set_defaults(func=run_cli(_cmd_number))
    a = nsub.add_parser("attach", help="lampirkan PDF final bertanda tangan (bernomor -> ditandatangani)")
    a.add_argument("--id", type=int, required=True)
    a.add_argument("--pdf", type=Path, required=True)
    a.add_argument("--user", default="operator")
    a.set_defaults(func=run_cli(_cmd_attach))
    v = nsub.add_parser("deliver", help="catat penyerahan kepada pegawai (ditandatangani -> diserahkan)")
    v.add_argument("--id", type=int, required=True)
    v.add_argument("--tanggal", type=dt.date.fromisoformat, required=True)
    v.add_argument("--keterangan", required=True, help="cara penyerahan / penerima")
    v.add_argument("--user", default="operator")
    v.set_defaults(func=run_cli(_cmd_deliver))
    h = nsub.add_parser("history", help="riwayat status satu surat")
    h.add_argument("--id", type=int, required=True)
    h.set_defaults(func=run_cli(_cmd_history))


def _cmd_draft(args: argparse.Namespace) -> int:
    from services.reports.notice_track import ensure_docx

    db = open_db(args)
    path = ensure_docx(db, args.id, cli_user(db, args.user))
    if args.out:
        shutil.copyfile(path, args.out)
        path = args.out
    print(f"Draf DOCX: {path}")
    return 0


def _cmd_number(args: argparse.Namespace) -> int:
    from services.reports.notice_track import record_number

    db = open_db(args)
    print(record_number(db, args.id, cli_user(db, args.user), args.nomor, args.tanggal).message)
    return 0


def _cmd_attach(args: argparse.Namespace) -> int:
    from services.reports.notice_track import attach_signed_pdf

    db = open_db(args)
    print(attach_signed_pdf(db, args.id, cli_user(db, args.user), args.pdf).message)
    return 0


def _cmd_deliver(args: argparse.Namespace) -> int:
    from services.reports.notice_track import mark_delivered

    db = open_db(args)
    print(mark_delivered(db, args.id, cli_user(db, args.user), args.tanggal, args.keterangan).message)
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    from services.reports.notice_track import STATUS_LABELS, notice_history

    db = open_db(args)
    with db.session() as s:
        rows = notice_history(s, args.id)
    for e in rows:
        print(f"{e.at:%d-%m-%Y %H:%M} {e.username:<12} {STATUS_LABELS.get(e.to_status, e.to_status):<22} {e.note}")
    if not rows:
        print("Masih draf; belum ada perubahan status.")
    return 0
