"""`presensi-opd report`: generate the monthly recap PDF of a locked period.

Rows come from services.policy.tpp.month_recap (the TPP helper's module) with the
OPD's policy preset.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from services.auth.users import AuthError
from services.cli_support import OPERATOR, CliError, cli_opd, current, needs, open_db
from services.store.db import Database
from services.store.models import Period, Report


def find_report(db: Database, opd_id: int, year: int, month: int, revision: int | None) -> Report:
    with db.session() as s:
        q = select(Report).join(Period, Period.id == Report.period_id).where(
            Period.opd_id == opd_id, Period.year == year, Period.month == month)
        if revision is not None:
            q = q.where(Report.revision == revision)
        rep = s.execute(q.order_by(Report.revision.desc()).limit(1)).scalar_one_or_none()
        if rep is None:
            raise CliError(f"Belum ada laporan untuk {year}-{month:02d}" + (f" revisi {revision}" if revision else ""))
        return rep


def run_cli(handler):  # type: ignore[no-untyped-def]
    """Turn our user-facing errors into a message + exit code 1 instead of a traceback."""

    def wrapped(args: argparse.Namespace) -> int:
        from services.central.client import CentralError
        from services.central.outbox import OutboxError
        from services.errors import UserError
        from services.reports.monthly import ReportError
        from services.signing.pades import SigningError

        try:
            return handler(args)
        except (CliError, AuthError, ReportError, SigningError, CentralError, OutboxError, UserError,
                ValueError) as exc:
            print(f"Gagal: {exc}", file=sys.stderr)
            return 1

    return wrapped


def add_period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, default=None, help="tahun (bawaan: tahun bulan lalu)")
    p.add_argument("--month", type=int, default=None, help="bulan 1-12 (bawaan: bulan lalu)")
    p.add_argument("--opd", default=None, help="kode OPD (bila database memuat lebih dari satu)")
    p.set_defaults(last_month_default=True)  # open_db fills the period from the office clock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="buat PDF laporan rekap kehadiran bulanan (periode harus sudah dikunci)")
    add_period_args(p)
    p.add_argument("--paper", choices=["A4", "F4"], default="A4")
    p.add_argument("--reason", default="", help="alasan revisi (wajib bila revisi sebelumnya sudah ditandatangani)")
    p.set_defaults(func=run_cli(_cmd_report))
    needs(p, OPERATOR)


def _cmd_report(args: argparse.Namespace) -> int:
    from services.reports.monthly import generate_monthly_report

    db = open_db(args)
    opd_id, _code = cli_opd(db, args.opd)

    def progress(done: int, total: int, message: str = "") -> None:
        print(f"\r{message} ({done}/{total})   ", end="", file=sys.stderr, flush=True)

    info = generate_monthly_report(db, opd_id, args.year, args.month, current(args),
                                   paper_name=args.paper, reason=args.reason, progress=progress)
    print(file=sys.stderr)
    print(f"Laporan {args.year}-{args.month:02d} revisi {info.revision}: {info.pdf_path}")
    print(f"  {info.employees} pegawai, {info.pages} halaman, sha256 {info.pdf_sha256}")
    return 0
