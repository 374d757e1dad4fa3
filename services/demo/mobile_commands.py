"""CLI: `mobile-demo-bundle` — a realistic mobile bundle ZIP for trying the import (demo/test only)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from services.cli_support import OPERATOR, needs, open_db


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("mobile-demo-bundle", help="buat bundel mobile contoh untuk uji coba")
    demo.add_argument("out", type=Path)
    demo.add_argument("--start", type=dt.date.fromisoformat, default=None, help="tanggal awal (YYYY-MM-DD)")
    demo.add_argument("--days", type=int, default=5)
    demo.set_defaults(func=_demo_bundle)
    needs(demo, OPERATOR)  # reads the employees of --db (NIP, names) to fill the sample


def _demo_bundle(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from services.demo.mobile_bundle import write_demo_bundle
    from services.store.models import Employee

    db = open_db(args)
    start = args.start or (db.clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    dates = [start + dt.timedelta(days=i) for i in range(args.days)]
    with db.session() as s:
        ids = list(s.execute(select(Employee.id).order_by(Employee.id)).scalars())
        if not ids:
            print("Belum ada pegawai di database.", file=sys.stderr)
            return 1
        info = write_demo_bundle(s, args.out, ids, dates)
    print(f"Bundel contoh ditulis: {info.path} ({info.rows} baris)")
    return 0
