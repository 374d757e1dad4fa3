"""`presensi-opd demo`: a realistic demo OPD built through the real pipelines, then the app.

Everything goes through the same code a real office uses: punches are pulled from
the built-in device emulator by the sync, selfies come in a mobile bundle through
the importer, letters through the register, days through the reconcile engine, and
past months are locked, reported, signed with a test certificate and queued for
BKPSDM (sent when a local PostgreSQL is reachable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth.users import CurrentUser, to_current
from services.clock import Clock, FrozenClock, system_clock
from services.demo import data as demo_data
from services.demo.sample_org import DEFAULT_PASSWORD, create_sample_org
from services.jobs import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from services.paths import demo_db_path, files_dir
from services.store.db import Database, open_database
from services.store.models import Employee, EmployeePin, RosterEntry, Setting, Shift, User, WorkUnit

log = logging.getLogger(__name__)
CENTRAL_DEMO_DB = "presensi_pusat_demo"
CENTRAL_ADMIN_URL = os.environ.get("PRESENSI_CENTRAL_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass
class DemoResult:
    db_path: Path
    opd_id: int
    employees: int
    device_id: int
    punches_synced: int = 0
    mobile_rows: int = 0
    letters: int = 0
    months: list[tuple[int, int]] = field(default_factory=list)
    reports: list[int] = field(default_factory=list)
    submitted: int = 0
    queued: int = 0
    emulator: object | None = None  # the running emulator (stop() it when done)
    notes: list[str] = field(default_factory=list)



DEMO_CERT_PASSPHRASE = "rahasia-uji"  # the demo signer .p12 (sertifikat-demo/); shown with the demo logins

def _fresh(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)
    shutil.rmtree(path.parent / "files", ignore_errors=True)


def build_demo(
    db_path: Path,
    n_employees: int = 300,
    n_months: int = 3,
    clock: Clock | None = None,
    with_central: bool = True,
    keep_emulator: bool = False,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> DemoResult:
    from services.calendar.holidays import holiday_map
    from services.calendar.seed import seed_calendar
    from services.central.outbox import enqueue_submission, flush_outbox
    from services.demo.device import register_demo_device, start_demo_device
    from services.demo.mobile_bundle import add_demo_reference_photos, write_demo_bundle
    from services.demo.testca import install_test_certificate
    from services.devices.sync import sync_device
    from services.letters.register import create_letter
    from services.mobile.importer import import_bundle
    from services.reconcile.engine import recompute_month
    from services.reconcile.period import lock_period
    from services.reports.monthly import generate_monthly_report
    from services.selfie.service import run_checks
    from services.signing.service import sign_report

    clock = clock or system_clock()
    today, now = clock.today(), clock.now()
    steps = 9
    _fresh(db_path)
    db = open_database(db_path, clock=clock)
    months = demo_data.months_back(today, n_months)
    progress(1, steps, "Membuat OPD, unit kerja dan pegawai")
    with db.transaction() as s:
        org = create_sample_org(s, n_employees=n_employees, seed=2026)
        _atasan_is_the_kasubbag(s, org.employee_ids)
        s.add(Setting(key="login_hint", value=(
            f"Data demo — masuk sebagai admin, operator, atasan atau kepala; kata sandi: {DEFAULT_PASSWORD}. "
            f"Kata sandi sertifikat tanda tangan demo (kepala): {DEMO_CERT_PASSPHRASE}")))
        roster_unit = _add_shift_unit(s, org.opd_id, org.employee_ids[-max(4, n_employees // 25):], org.location_ids[-1])
        seed_calendar(s, sorted({y for y, _ in months} | {today.year}), roster_unit_id=roster_unit)
        first_day = dt.date(months[0][0], months[0][1], 1)
        holidays = set(holiday_map(s, first_day, today))
        people = s.execute(
            select(EmployeePin.pin, Employee.name, Employee.id).join(Employee).order_by(Employee.id)
        ).all()
        shifts = [
            (pin, day, start, end)
            for pin, day, start, end in s.execute(
                select(EmployeePin.pin, RosterEntry.date, Shift.start, Shift.end)
                .join(RosterEntry, RosterEntry.employee_id == EmployeePin.employee_id)
                .join(Shift, Shift.id == RosterEntry.shift_id)
                .where(RosterEntry.date >= first_day, RosterEntry.date <= today)
            )
        ]
    shift_pins = {pin for pin, *_ in shifts}
    kepala = _demo_user(db, "kepala")
    operator = _demo_user(db, "operator")

    cancel.raise_if_cancelled()
    progress(2, steps, "Menyusun perilaku kehadiran 3 bulan")
    # field staff using the phone app this month (photos are drawn, so keep the set modest)
    mobile_ids = [eid for _pin, _name, eid in people[10:18]]
    current_days = demo_data.working_days(today.year, today.month, today, holidays)[-10:]
    gen = demo_data.generate([p for p, _n, _e in people if p not in shift_pins], months, today, holidays, seed=11)
    gen.device_punches.extend(demo_data.roster_punches(shifts, today))
    pin_of = {eid: pin for pin, _n, eid in people}
    mobile_pins_today = {pin_of[e] for e in mobile_ids}
    mobile_days = set(current_days)
    device_punches = [
        (pin, ts, st) for pin, ts, st in gen.device_punches
        if not (pin in mobile_pins_today and ts.date() in mobile_days) and ts <= now  # nothing from the future
    ]

    progress(3, steps, f"Menarik {len(device_punches)} rekaman dari mesin (emulator)")
    emulator = start_demo_device([(p, n[:24]) for p, n, _e in people], device_punches, clock=clock)
    with db.transaction() as s:
        device = register_demo_device(s, org.opd_id, emulator.port, location_id=org.location_ids[0], username="operator")
        device_id = device.id
    result = DemoResult(db_path=db_path, opd_id=org.opd_id, employees=len(people), device_id=device_id, months=months)
    synced = sync_device(db, device_id, username="operator", cancel=cancel)
    result.punches_synced = synced.new
    if keep_emulator:
        result.emulator = emulator
    else:
        emulator.stop()

    cancel.raise_if_cancelled()
    progress(4, steps, "Mengimpor bundel presensi mobile (swafoto + GPS)")
    bundle = db_path.parent / "bundel-mobile-demo.zip"
    with db.session() as s:
        info = write_demo_bundle(s, bundle, mobile_ids, current_days, seed=5)
    result.notes.append(info.faces_note)  # drawn faces or photos of the public test set, said plainly
    with db.transaction() as s:
        add_demo_reference_photos(s, db_path, mobile_ids, username="operator", now=db.clock.now())
        if "digambar" in info.faces_note:
            hint = s.get(Setting, "login_hint")
            if hint is not None:
                hint.value += ". Wajah swafoto demo digambar komputer, bukan foto orang."
    imported = import_bundle(db, bundle, username="operator", opd_id=org.opd_id, skip_invalid=True, cancel=cancel)
    result.mobile_rows = getattr(imported, "new", 0)

    progress(5, steps, "Memeriksa swafoto (wajah, blur, pencahayaan, foto dipakai ulang)")
    run_checks(db, cancel=cancel)

    progress(6, steps, "Mencatat surat cuti, dinas luar, sakit dan izin")
    emp_of_pin = {p: e for p, _n, e in people}
    with db.transaction() as s:
        for i, letter in enumerate(gen.letters, start=1):
            number = f"800.1.11/{i:03d}/{letter.date_from.month:02d}/{letter.date_from.year}"
            scan = None if i % 7 == 0 else _letter_scan(db_path.parent / "pindaian-demo", number, letter)
            create_letter(
                s, "operator", letter.kind, number, letter.date_from, letter.date_from, letter.date_to,
                [emp_of_pin[letter.employee_pin]], note="data demo",
                attachment=scan, files_dir=files_dir(db_path, "letters") if scan else None,
            )
    result.letters = len(gen.letters)

    progress(7, steps, "Rekonsiliasi harian setiap bulan")
    for y, m in months:
        cancel.raise_if_cancelled()
        recompute_month(db, org.opd_id, y, m)

    progress(8, steps, "Mengunci, membuat dan menandatangani laporan bulan lalu")
    certs = db_path.parent / "sertifikat-demo"
    p12, _ca, _remembered = install_test_certificate(db, certs, username="kepala", passphrase=DEMO_CERT_PASSPHRASE)
    for y, m in months[:-1]:
        with db.transaction() as s:
            # the demo leaves some days to review on purpose (examples for the queue): the signer says so
            lock_period(s, org.opd_id, y, m, kepala,
                        override_reason="Data demo: hari perlu ditinjau sengaja dibiarkan sebagai contoh antrean")
        report = generate_monthly_report(db, org.opd_id, y, m, operator)
        report_id = report.report_id
        sign_report(db, report_id, kepala, p12, passphrase=DEMO_CERT_PASSPHRASE)
        enqueue_submission(db, report_id, kepala)
        result.reports.append(report_id)

    progress(9, steps, "Mengirim laporan ke basis data pusat BKPSDM")
    if with_central:
        try:
            from services.central.admin import drop_database
            from services.demo.central import setup_demo_central

            # the central DB is insert-only: a new demo starts from an empty one
            drop_database(CENTRAL_ADMIN_URL, CENTRAL_DEMO_DB)
            setup_demo_central(db, CENTRAL_ADMIN_URL, dbname=CENTRAL_DEMO_DB)
            sent = flush_outbox(db, username="kepala", force=True)
            result.submitted = sent.sent
            result.notes.extend(sent.messages if not sent.sent else [])
        except Exception as exc:  # noqa: BLE001 - no PostgreSQL is a normal demo situation: stay queued
            result.notes.append(f"Basis data pusat tidak tersedia ({exc.__class__.__name__}); laporan tetap di kotak keluar.")
    result.queued = len(result.reports) - result.submitted
    db.dispose()
    return result


def _letter_scan(folder: Path, number: str, letter: demo_data.DemoLetter) -> Path:
    """A one-page PDF standing in for the scanned letter (every 7th demo letter has none: flagged)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{number.replace('/', '_')}.pdf"
    c = Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 770, f"Surat {letter.kind} nomor {number}")
    c.setFont("Helvetica", 11)
    c.drawString(72, 745, f"PIN {letter.employee_pin}: {letter.date_from:%d-%m-%Y} s.d. {letter.date_to:%d-%m-%Y}")
    c.drawString(72, 725, "(pindaian contoh untuk data demo)")
    c.save()
    return path


def _add_shift_unit(s: Session, opd_id: int, employee_ids: list[int], location_id: int) -> int:
    """A 24-hour unit on a P/S/M roster (shifts crossing midnight), staffed from the sample employees."""
    unit = WorkUnit(opd_id=opd_id, code="UPTCC", name="UPT Command Center (24 jam)")
    s.add(unit)
    s.flush()
    for emp in s.execute(select(Employee).where(Employee.id.in_(employee_ids))).scalars():
        emp.unit_id, emp.location_id = unit.id, location_id
        emp.jabatan = "Operator Command Center"
    return unit.id


def _atasan_is_the_kasubbag(s: Session, employee_ids: list[int]) -> None:
    """The demo "atasan" login verifies the Sekretariat staff as their atasan langsung, the Kasubbag
    Umum dan Kepegawaian (sample_org's chain: Kepala -> Sekretaris -> Kasubbag -> staff)."""
    if len(employee_ids) <= 6:
        return
    kasubbag = s.get(Employee, employee_ids[6])
    user = s.execute(select(User).where(User.username == "atasan")).scalar_one_or_none()
    if kasubbag is not None and user is not None:
        user.employee_id, user.full_name = kasubbag.id, kasubbag.name


def _demo_user(db: Database, username: str) -> CurrentUser:

    with db.session() as s:
        return to_current(s.execute(select(User).where(User.username == username)).scalar_one())


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="buat OPD demo (±300 pegawai, 3 bulan data, emulator mesin) lalu buka aplikasi")
    p.add_argument("--employees", type=int, default=300)
    p.add_argument("--months", type=int, default=3)
    p.add_argument("--no-gui", action="store_true", help="hanya buat data demo")
    p.add_argument("--no-central", action="store_true", help="jangan coba mengirim ke PostgreSQL lokal")
    p.add_argument("--today", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                   help="tanggal 'hari ini' data demo (bawaan: hari ini; untuk uji dan tangkapan layar yang berulang)")
    p.set_defaults(func=_cmd_demo)
    from services.cli_support import needs

    needs(p, None)  # builds its own demo installation (its own users), refusing to replace a real one


def _refuse_real_database(path: Path) -> None:
    """`demo` needs no login, so it must never replace an office's real database (only an earlier demo)."""
    import sqlite3

    from services.cli_support import CliError

    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM setting WHERE key='login_hint'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        row = None
    if not (row and str(row[0]).startswith("Data demo")):
        raise CliError(f"{path} bukan database demo; `demo` tidak akan menimpanya. Pilih berkas lain dengan --db.")


def _cmd_demo(args: argparse.Namespace) -> int:
    from services.cli import open_gui

    if isinstance(args.db, str):  # a postgresql:// address: an office's shared store is never a demo
        from services.cli_support import CliError

        raise CliError("`demo` hanya membuat berkas SQLite demo; alamat PostgreSQL tidak akan diisi data demo. "
                       "Pilih berkas dengan --db, mis. --db demo.sqlite.")
    db_path = Path(args.db or demo_db_path())
    _refuse_real_database(db_path)

    def show(done: int, total: int, message: str = "") -> None:
        print(f"[{done}/{total}] {message}", flush=True)

    # --today freezes the demo's clock at noon of that day (repeatable tests and screenshots); the app opened
    # afterwards keeps that clock so the data and "today" agree.
    clock: Clock = (FrozenClock(dt.datetime.combine(args.today, dt.time(12, 0))) if args.today
                    else args.clock or system_clock())
    res = build_demo(db_path, args.employees, args.months, clock=clock, with_central=not args.no_central,
                     keep_emulator=not args.no_gui, progress=show)
    print(
        f"Demo siap: {res.employees} pegawai, {res.punches_synced} rekaman mesin, {res.mobile_rows} rekaman mobile, "
        f"{res.letters} surat, laporan terkirim {res.submitted}, di kotak keluar {res.queued}.\nDatabase: {db_path}"
    )
    for note in res.notes:
        print(note)
    if args.no_gui:
        return 0
    print("Emulator mesin berjalan selama aplikasi dibuka. Masuk: admin/operator/atasan/kepala, sandi "
          f"{DEFAULT_PASSWORD}", file=sys.stderr)
    try:
        return open_gui(db_path, clock if (args.today or args.clock) else None)
    finally:
        if res.emulator is not None:
            res.emulator.stop()  # type: ignore[attr-defined]
