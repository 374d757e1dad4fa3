"""CLI: `presensi-opd reconcile` (recompute / lock / unlock a month) and `presensi-opd kalender` (seed)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from sqlalchemy import select

from services.cli_support import OPERATOR, SIGNER, STAFF, current, needs, open_db

if TYPE_CHECKING:
    from sqlalchemy import Row
    from sqlalchemy.orm import Session


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reconcile", help="hitung ulang status harian sebulan; kunci / buka kunci periode")
    p.add_argument("bulan", help="periode YYYY-MM, mis. 2026-01")
    p.add_argument("--opd", help="kode OPD (bawaan: OPD pertama di database)")
    p.add_argument("--kunci", action="store_true", help="kunci periode setelah dihitung (peran penanda tangan)")
    p.add_argument("--alasan-kunci", metavar="ALASAN",
                   help="kunci walau masih ada hari perlu ditinjau, dengan alasan tertulis (tercatat di jejak audit)")
    p.add_argument("--buka-kunci", metavar="ALASAN", help="buka kunci periode dengan alasan (peran penanda tangan)")
    p.set_defaults(func=_reconcile)
    needs(p, lambda a: SIGNER if (a.kunci or a.buka_kunci) else OPERATOR)
    b = sub.add_parser("bolos-libur-panjang",
                       help="pegawai tanpa keterangan (TK) pada hari kerja pertama usai libur panjang / cuti bersama")
    b.add_argument("bulan", help="periode YYYY-MM, mis. 2026-03")
    b.add_argument("--opd", help="kode OPD (bawaan: OPD pertama di database)")
    b.add_argument("--min-hari", type=int, default=None,
                   help="minimal hari libur berturut-turut (bawaan: discipline.long_holiday_min_days kebijakan OPD)")
    b.set_defaults(func=_after_holiday)
    needs(b, STAFF)
    k = sub.add_parser("kalender", help="isi jadwal standar dan hari libur nasional + cuti bersama")
    k.add_argument("--tahun", type=int, nargs="+", default=None, help="tahun (bawaan: tahun ini)")
    k.set_defaults(func=_kalender)
    needs(k, OPERATOR)


def _period(text: str) -> tuple[int, int]:
    try:
        y, m = text.split("-")
        year, month = int(y), int(m)
        if not 1 <= month <= 12:
            raise ValueError
        return year, month
    except ValueError:
        raise SystemExit(f"Periode '{text}' tidak valid; tulis YYYY-MM, mis. 2026-01.") from None


def _find_opd(session: Session, code: str | None) -> Row[int, str] | None:
    """(id, name) of the OPD with ``code``, or of the first OPD in the database when no code is given."""
    from services.store.models import Opd

    q = select(Opd.id, Opd.name)
    if code:
        q = q.where(Opd.code == code)
    return session.execute(q.order_by(Opd.id)).first()


def _reconcile(args: argparse.Namespace) -> int:
    from services.auth.users import AuthError
    from services.reconcile.engine import ReconcileError, policy_for_opd, recompute
    from services.reconcile.grid import exception_queue
    from services.reconcile.period import PeriodLockedError, lock_period, month_label, unlock_period

    year, month = _period(args.bulan)
    db = open_db(args)
    try:
        with db.transaction() as s:
            opd = _find_opd(s, args.opd)
            if opd is None:
                print(f"OPD '{args.opd or '-'}' tidak ditemukan di database.", file=sys.stderr)
                return 2
            user = current(args)  # logged in by the CLI core (a signer for kunci / buka kunci)
            if args.buka_kunci:
                unlock_period(s, opd.id, year, month, user, args.buka_kunci)
                print(f"Kunci periode {month_label(year, month)} dibuka.")
            res = recompute(s, year, month, policy_for_opd(s, opd.id), opd_id=opd.id)
            exc = exception_queue(s, opd.id, year, month)
            if args.kunci:
                lock_period(s, opd.id, year, month, user, override_reason=args.alasan_kunci)
        print(f"{opd.name} — {month_label(year, month)}: {res.employees} pegawai, {res.days} hari dihitung, "
              f"{res.written} baris ditulis.")
        print("  " + ", ".join(f"{k}={v}" for k, v in sorted(res.counts.items())))
        print(f"  Antrean pengecualian: {len(exc)} hari perlu ditinjau.")
        if args.kunci:
            print(f"Periode {month_label(year, month)} dikunci.")
        return 0
    except (PeriodLockedError, ReconcileError, AuthError, ValueError, PermissionError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        db.dispose()


def _after_holiday(args: argparse.Namespace) -> int:
    from services.calendar.names import month_label
    from services.policy.model import policy_for_opd
    from services.reconcile.after_holiday import absent_after_long_holiday

    year, month = _period(args.bulan)
    db = open_db(args)
    try:
        with db.session() as s:
            opd = _find_opd(s, args.opd)
            if opd is None:
                print(f"OPD '{args.opd or '-'}' tidak ditemukan di database.", file=sys.stderr)
                return 2
            min_days = args.min_hari or policy_for_opd(s, opd.id).discipline.long_holiday_min_days
            if min_days < 2:
                print("--min-hari minimal 2.", file=sys.stderr)
                return 2
            rows = absent_after_long_holiday(s, opd.id, year, month, min_days)
        print(f"{opd.name} — {month_label(year, month)}: tanpa keterangan pada hari kerja pertama usai libur "
              f"panjang (>= {min_days} hari libur berturut-turut): {len(rows)} pegawai-hari.")
        for r in rows:
            why = f" ({r.holidays})" if r.holidays else ""
            print(f"  {r.date:%d-%m-%Y}  {r.nip}  {r.name}  [{r.unit}]  libur {r.off_from:%d-%m}..{r.off_to:%d-%m}, "
                  f"{r.off_days} hari{why}")
        return 0
    finally:
        db.dispose()


def _kalender(args: argparse.Namespace) -> int:
    from services.calendar.seed import seed_calendar

    db = open_db(args)
    try:
        args.tahun = args.tahun or [db.clock.today().year]
        with db.transaction() as s:
            ids = seed_calendar(s, list(args.tahun))
        print(f"Jadwal standar ({', '.join(ids)}) dan hari libur {', '.join(map(str, args.tahun))} siap.")
        from services.calendar.holidays import bundled_ramadan

        shipped = {d.year for d in bundled_ramadan()}
        for year in sorted(set(args.tahun) - shipped):
            print(f"  Catatan: tanggal Ramadan {year} belum ada di data bawaan; tambahkan di layar Jadwal & Hari Libur "
                  "(jenis 'Bulan Ramadan') sesudah sidang isbat, agar jam kerja Ramadan berlaku.")
        return 0
    finally:
        db.dispose()
