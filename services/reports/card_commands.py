"""`presensi-opd kartu`: the kartu presensi (monthly attendance card) of one employee as a PDF."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.cli_support import STAFF, cli_opd, current, needs, open_db


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kartu", help="kartu presensi bulanan satu pegawai (PDF)")
    p.add_argument("--nip", required=True, help="NIP / NI PPPK pegawai")
    p.add_argument("--year", type=int, required=True, help="tahun")
    p.add_argument("--month", type=int, required=True, help="bulan 1-12")
    p.add_argument("--out", type=Path, default=None, help="berkas PDF tujuan (bawaan: folder files/kartu)")
    p.add_argument("--paper", choices=["A4", "F4"], default="A4")
    p.add_argument("--opd", default=None, help="kode OPD (bila database memuat lebih dari satu)")
    p.set_defaults(func=_cmd_card)
    needs(p, STAFF)


def _cmd_card(args: argparse.Namespace) -> int:
    from services.reports.card import find_employee, write_attendance_card

    db = open_db(args)
    try:
        opd_id, _code = cli_opd(db, args.opd)
        user = current(args)
        with db.session() as s:
            employee_id = find_employee(s, opd_id, args.nip).id
        res = write_attendance_card(db, opd_id, employee_id, args.year, args.month, user, args.out, args.paper)
    finally:
        db.dispose()
    print(f"Kartu presensi {res.employee} ({res.nip}) {args.month:02d}-{args.year}: {res.path} ({res.pages} halaman)")
    return 0
