"""CLI: `tpp` (monthly TPP table / Excel), `disiplin` (PP 94 year summary), `notices` (list/create/format)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from sqlalchemy import select

from services.cli_support import ADMIN, OPERATOR, STAFF, current, needs, open_db
from services.policy.discipline import NOTICE_KINDS, discipline_summary
from services.policy.model import PolicyError, load_policy
from services.policy.tpp import format_rupiah, month_recap, recap_totals


def _opd(session, code: str | None):  # type: ignore[no-untyped-def]
    from services.store.models import Opd

    stmt = select(Opd).order_by(Opd.id)
    if code:
        stmt = stmt.where(Opd.code == code)
    opd = session.execute(stmt.limit(1)).scalar()
    if opd is None:
        raise SystemExit(f"OPD {'dengan kode ' + code + ' ' if code else ''}tidak ditemukan di database")
    return opd


def _date(value: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"tanggal '{value}' tidak valid (YYYY-MM-DD atau DD-MM-YYYY)")


def _cmd_tpp(args: argparse.Namespace) -> int:
    from services.reports.excel import export_tpp_excel

    db = open_db(args)
    today = db.clock.today()
    args.year, args.month = args.year or today.year, args.month or today.month
    try:
        with db.session() as s:
            opd = _opd(s, args.opd)
            policy = load_policy(args.policy or opd.policy_preset)
            rows = month_recap(s, opd.id, args.year, args.month, policy)
        print(f"TPP {args.month:02d}/{args.year} — {opd.name} (kebijakan: {policy.name})")
        base_src = policy.source_of("tpp.deduction_base")
        print(f"Dasar potongan: {policy.tpp.base_label()} — sumber: {base_src.text}"
              + ("" if base_src.verified else " [BELUM TERVERIFIKASI]"))
        print(f"{'NIP':<19} {'Nama':<26} {'HK':>3} {'TK':>3} {'TL':>3} {'PSW':>3} {'Apel':>4} {'Pot.%':>6} "
              f"{'TPP dasar':>15} {'Potongan':>13} {'Diterima':>15}")
        for r in rows:
            tl = sum(r.count(f"TL{i}") for i in range(1, 5))
            psw = sum(r.count(f"PSW{i}") for i in range(1, 5))
            flag = " *manipulasi" if r.manipulation else ""
            print(f"{r.nip:<19} {r.name[:26]:<26} {r.working_days:>3} {r.count('TK'):>3} {tl:>3} {psw:>3} "
                  f"{r.count('APEL_MISS'):>4} {r.deduction_pct:>6.2f} {format_rupiah(r.tpp_base):>15} "
                  f"{format_rupiah(r.deduction_rp):>13} {format_rupiah(r.tpp_net):>15}{flag}")
        t = recap_totals(rows)
        print(f"Jumlah: dasar {format_rupiah(t['tpp_base'])}, potongan {format_rupiah(t['deduction_rp'])}, "
              f"diterima {format_rupiah(t['tpp_net'])}")
        if args.excel:
            path = export_tpp_excel(rows, args.excel, opd_name=opd.name, year=args.year, month=args.month,
                                    generated_at=db.clock.now(),
                                    policy_name=policy.name)
            print(f"Excel: {path}")
    except PolicyError as exc:
        print(f"Kebijakan: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0


def _cmd_disiplin(args: argparse.Namespace) -> int:
    from services.reports.excel import export_discipline_excel

    db = open_db(args)
    args.year = args.year or db.clock.today().year
    try:
        with db.session() as s:
            opd = _opd(s, args.opd)
            rows = discipline_summary(s, opd.id, args.year, load_policy(opd.policy_preset), args.as_of)
        print(f"Disiplin PP 94/2021 tahun {args.year} — {opd.name}")
        for r in rows:
            if not (r.total_days or r.longest_run) and not args.all:
                continue
            print(f"{r.nip:<19} {r.name[:26]:<26} TK {r.tk_days:>3}  menit {r.minutes_total:>5} (={r.converted_days} hr)  "
                  f"jumlah {r.total_days:>3}  berturut {r.longest_run:>2}  {r.level or '-':<7} {r.sanction or ''}")
            if r.next_document:
                print(f"{'':<19}   berikutnya: {r.next_document}; pemeriksa: {r.examiner}")
        if args.excel:
            print(f"Excel: {export_discipline_excel(rows, args.excel, opd_name=opd.name, year=args.year)}")
    finally:
        db.dispose()
    return 0


def _cmd_notices_list(args: argparse.Namespace) -> int:
    from services.reports.notices import list_notices

    db = open_db(args)
    try:
        with db.session() as s:
            rows = list_notices(s, year=args.year)
        for r in rows:
            exam = f" periksa {r.exam_date:%d-%m-%Y}" if r.exam_date else ""
            official = f" [{r.status}: {r.official_number}]" if r.official_number else f" [{r.status}]"
            print(f"#{r.notice_id} {r.issued_on:%d-%m-%Y} {r.number:<40} {r.title:<38} {r.nip} {r.name}{exam}"
                  f"{official}\n    {r.pdf_path}")
        if not rows:
            print("Belum ada surat.")
    finally:
        db.dispose()
    return 0


def _cmd_notices_create(args: argparse.Namespace) -> int:
    from services.auth.users import AuthError
    from services.reports.notices import NoticeError, NoticeRequest, create_notice_in
    from services.store.models import Employee

    db = open_db(args)
    user = current(args)
    try:
        with db.session() as s:
            emp_id = s.execute(select(Employee.id).where(Employee.nip == args.nip)).scalar()
            if emp_id is None:
                print(f"Pegawai dengan NIP {args.nip} tidak ditemukan", file=sys.stderr)
                return 2
            examiner_id = None
            if args.examiner_nip:
                examiner_id = s.execute(select(Employee.id).where(Employee.nip == args.examiner_nip)).scalar()
                if examiner_id is None:
                    print(f"Pemeriksa dengan NIP {args.examiner_nip} tidak ditemukan", file=sys.stderr)
                    return 2
        req = NoticeRequest(kind=args.kind, employee_id=emp_id, letter_date=args.date or db.clock.today(),
                            exam_date=args.exam_date, examiner_id=examiner_id,
                            exam_time=args.time, place=args.place, paper=args.paper)
        try:
            res = create_notice_in(db, user, req)
        except (NoticeError, AuthError, PolicyError) as exc:
            print(f"Gagal: {exc}", file=sys.stderr)
            return 1
        print(f"Nomor {res.number} (id {res.notice_id})\nPDF   {res.pdf_path}\nDOCX  {res.docx_path} (draf untuk Srikandi)")
    finally:
        db.dispose()
    return 0


def _cmd_notices_format(args: argparse.Namespace) -> int:
    from services.reports.notices import NoticeError, get_number_format, set_number_format

    db = open_db(args)
    try:
        if args.set:
            try:
                with db.transaction() as s:
                    set_number_format(s, current(args), args.set)
            except NoticeError as exc:
                print(f"Gagal: {exc}", file=sys.stderr)
                return 1
        with db.session() as s:
            print(get_number_format(s))
    finally:
        db.dispose()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tpp", help="tabel potongan TPP per bulan (dan ekspor Excel)")
    p.add_argument("--year", type=int, default=None, help="tahun (bawaan: tahun ini)")
    p.add_argument("--month", type=int, default=None, help="bulan 1-12 (bawaan: bulan ini)")
    p.add_argument("--opd", help="kode OPD (bawaan: OPD pertama)")
    p.add_argument("--policy", help="nama preset atau berkas TOML kebijakan (bawaan: kebijakan OPD)")
    p.add_argument("--excel", type=Path, help="simpan juga sebagai berkas .xlsx")
    p.set_defaults(func=_cmd_tpp)
    needs(p, STAFF)

    d = sub.add_parser("disiplin", help="rekap disiplin PP 94/2021 per tahun")
    d.add_argument("--year", type=int, default=None, help="tahun (bawaan: tahun ini)")
    d.add_argument("--as-of", type=_date, default=None, help="hitung sampai tanggal ini")
    d.add_argument("--opd")
    d.add_argument("--all", action="store_true", help="tampilkan juga pegawai tanpa pelanggaran")
    d.add_argument("--excel", type=Path)
    d.set_defaults(func=_cmd_disiplin)
    needs(d, STAFF)

    n = sub.add_parser("notices", help="surat panggilan, teguran dan BAP")
    nsub = n.add_subparsers(dest="notices_command", metavar="AKSI", required=True)
    ls = nsub.add_parser("list", help="daftar surat yang sudah bernomor")
    ls.add_argument("--year", type=int, default=None)
    ls.set_defaults(func=_cmd_notices_list)
    needs(ls, STAFF)
    c = nsub.add_parser("create", help="buat surat bernomor (PDF)")
    c.add_argument("--kind", choices=list(NOTICE_KINDS), required=True)
    c.add_argument("--nip", required=True)
    c.add_argument("--date", type=_date, default=None, help="tanggal surat (bawaan: hari ini)")
    c.add_argument("--exam-date", type=_date, default=None, help="tanggal pemeriksaan (surat panggilan/BAP)")
    c.add_argument("--time", default="09.00 WIB")
    c.add_argument("--place", default="")
    c.add_argument("--paper", choices=["A4", "F4"], default="A4")
    c.add_argument("--examiner-nip", default=None,
                   help="NIP atasan berjenjang yang memeriksa (bawaan: atasan langsung dari data pegawai)")
    c.set_defaults(func=_cmd_notices_create)
    needs(c, OPERATOR)
    from services.reports.notice_commands import add_tracking_commands

    add_tracking_commands(nsub)
    f = nsub.add_parser("format", help="lihat/ubah format nomor surat")
    f.add_argument("--set", help="mis. '800.1.6.4/{seq:03d}/{code}/{opd}/{year}'")
    f.set_defaults(func=_cmd_notices_format)
    needs(f, lambda a: ADMIN if a.set else STAFF)
