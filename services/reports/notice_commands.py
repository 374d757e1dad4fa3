"""`presensi-opd notices draft|number|attach|deliver|history`: a notice as naskah dinas (Srikandi)."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

from services.cli_support import OPERATOR, STAFF, current, needs, open_db
from services.reports.commands import run_cli


def add_tracking_commands(nsub: argparse._SubParsersAction) -> None:
    d = nsub.add_parser("draft", help="draf DOCX (Tata Naskah Dinas) untuk Srikandi; nomor dan tanggal dikosongkan")
    d.add_argument("--id", type=int, required=True, help="id surat (lihat `notices list`)")
    d.add_argument("--out", type=Path, default=None, help="salin draf ke berkas ini")
    d.set_defaults(func=run_cli(_cmd_draft))
    needs(d, OPERATOR)
    n = nsub.add_parser("number", help="catat nomor dan tanggal dari Srikandi (draf -> bernomor)")
    n.add_argument("--id", type=int, required=True)
    n.add_argument("--nomor", required=True)
    n.add_argument("--tanggal", type=dt.date.fromisoformat, required=True, help="YYYY-MM-DD")
    n.set_defaults(func=run_cli(_cmd_number))
    needs(n, OPERATOR)
    a = nsub.add_parser("attach", help="lampirkan PDF final bertanda tangan (bernomor -> ditandatangani)")
    a.add_argument("--id", type=int, required=True)
    a.add_argument("--pdf", type=Path, required=True)
    a.set_defaults(func=run_cli(_cmd_attach))
    needs(a, OPERATOR)
    v = nsub.add_parser("deliver", help="catat penyerahan kepada pegawai (ditandatangani -> diserahkan)")
    v.add_argument("--id", type=int, required=True)
    v.add_argument("--tanggal", type=dt.date.fromisoformat, required=True)
    v.add_argument("--keterangan", required=True, help="cara penyerahan / penerima")
    v.set_defaults(func=run_cli(_cmd_deliver))
    needs(v, OPERATOR)
    h = nsub.add_parser("history", help="riwayat status satu surat")
    h.add_argument("--id", type=int, required=True)
    h.set_defaults(func=run_cli(_cmd_history))
    needs(h, STAFF)


def _cmd_draft(args: argparse.Namespace) -> int:
    from services.reports.notice_track import ensure_docx

    db = open_db(args)
    path = ensure_docx(db, args.id, current(args))
    if args.out:
        shutil.copyfile(path, args.out)
        path = args.out
    print(f"Draf DOCX: {path}")
    return 0


def _cmd_number(args: argparse.Namespace) -> int:
    from services.reports.notice_track import record_number

    db = open_db(args)
    print(record_number(db, args.id, current(args), args.nomor, args.tanggal).message)
    return 0


def _cmd_attach(args: argparse.Namespace) -> int:
    from services.reports.notice_track import attach_signed_pdf

    db = open_db(args)
    print(attach_signed_pdf(db, args.id, current(args), args.pdf).message)
    return 0


def _cmd_deliver(args: argparse.Namespace) -> int:
    from services.reports.notice_track import mark_delivered

    db = open_db(args)
    print(mark_delivered(db, args.id, current(args), args.tanggal, args.keterangan).message)
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
