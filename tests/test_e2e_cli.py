"""End to end through the `presensi-opd` CLI on a demo OPD:

demo → sync (new punches from a live emulator) → reconcile → selfie verdicts → lock →
report → sign → central-init + submit → verify (SAH), and a tampered copy → TIDAK SAH.

Every step runs the real entry point (desktop.entry.main, the installed console script)
in-process; stdout is what an operator would read. Where the CLI has no command for a
step (editing a device, deciding a selfie) the test calls the same service function the
UI calls and says so.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.entry import main
from services.auth.users import to_current
from services.central import admin
from services.clock import FrozenClock
from services.demo.device import start_demo_device
from services.reconcile.period import PeriodLockedError
from services.selfie.queue import set_verdict
from services.store.db import Database, open_database
from services.store.models import DayRecord, Device, Employee, EmployeePin, Punch, SelfieCheck, User
from tests.cli_login import login_args
from tests.report_fixtures import pdf_text, tamper

pytestmark = pytest.mark.postgres

TODAY = "2026-11-18"  # fixed "today" of the demo data: a Wednesday
# the office clock of every later command: the morning after the next working day (Friday 20 November)
LATER = FrozenClock("2026-11-20 08:00")
YEAR, MONTH = 2026, 11
N_EMPLOYEES = 13  # 11..13 use the phone app; employee 13 reports to the `atasan` user


def run(capsys, *argv: str, stderr: bool = False) -> tuple[int, str]:
    """Run the CLI in-process; (exit code, stdout) — or stdout + stderr when the error text matters."""
    code = main(list(argv), clock=LATER)
    captured = capsys.readouterr()
    return code, captured.out + (captured.err if stderr else "")


def day_record(db: Database, employee_id: int, day: dt.date) -> DayRecord:
    with db.session() as s:
        rec = s.get(DayRecord, (employee_id, day))
        assert rec is not None, f"no day record for employee {employee_id} on {day}"
        s.expunge(rec)
        return rec


def next_day_worker(db: Database) -> tuple[int, str, dt.date]:
    """An office (non-mobile) employee and the working day after the demo's "today": no data exists for it yet."""
    day = dt.date.fromisoformat(TODAY) + dt.timedelta(days=1)  # Thursday 19 November 2026, no holiday
    with db.session() as s:
        emp_id = s.execute(select(EmployeePin.employee_id).where(EmployeePin.pin == "2")).scalar_one()
        assert s.execute(select(func.count()).select_from(Punch).where(Punch.ts >= dt.datetime.combine(
            day, dt.time()))).scalar_one() == 0
        assert s.get(DayRecord, (emp_id, day)) is None
    return emp_id, "2", day


def test_cli_demo_to_verified_submission(tmp_path: Path, pg_admin_url: str, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dbfile = tmp_path / "demo" / "presensi.sqlite"
    dbarg = ["--db", str(dbfile)]
    LATER.set("2026-11-20 08:00")  # the flow moves it to 1 December to lock November

    # 1. demo: a small OPD built through the real pipelines (device sync, mobile import, checks, letters...)
    code, out = run(capsys, *dbarg, "demo", "--no-gui", "--no-central", "--employees", str(N_EMPLOYEES),
                    "--months", "2", "--today", TODAY)
    assert code == 0, out
    assert f"Demo siap: {N_EMPLOYEES} pegawai" in out and "di kotak keluar 1" in out
    db = open_database(dbfile, clock=LATER)
    try:
        _flow(db, dbarg, tmp_path, pg_admin_url, capsys, monkeypatch)
    finally:
        db.dispose()


def _flow(db: Database, dbarg: list[str], tmp_path: Path, pg_admin_url: str, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    month = f"{YEAR}-{MONTH:02d}"
    # every command logs in (the demo users' password, from owner-only files)
    op, adm, at_login, kepala = (login_args(u, tmp_path) for u in ("operator", "admin", "atasan", "kepala"))

    # 2. the machine now holds the next day's two NEW punches of one employee plus everything old
    emp_id, pin, day = next_day_worker(db)
    with db.session() as s:
        old = [(p.pin, p.ts, p.state) for p in s.execute(select(Punch).where(Punch.source == "device")).scalars()]
        users = [(p, n[:24]) for p, n in s.execute(select(EmployeePin.pin, Employee.name).join(Employee))]
        device = s.execute(select(Device)).scalar_one()
    check_in, check_out = dt.datetime.combine(day, dt.time(7, 21, 5)), dt.datetime.combine(day, dt.time(16, 7, 40))
    emu = start_demo_device(users, [*old, (pin, check_in, 0), (pin, check_out, 1)], clock=LATER)
    try:
        code, out = run(capsys, *dbarg, "device-edit", str(device.id), "--port", str(emu.port), *adm)
        assert code == 0 and f"127.0.0.1:{emu.port}" in out, out

        code, out = run(capsys, *dbarg, "sync", *op)
        assert code == 0, out
        m = re.search(r"(\d+) rekaman dibaca, (\d+) baru, (\d+) sudah ada, (\d+) dikarantina", out)
        assert m is not None, out
        assert (int(m[1]), int(m[2]), int(m[3]), int(m[4])) == (len(old) + 2, 2, len(old), 0)
        code, out = run(capsys, *dbarg, "sync", *op)
        assert code == 0 and ", 0 baru, " in out, out
    finally:
        emu.stop()
    with db.session() as s:
        got = s.execute(select(Punch.ts).where(Punch.employee_id == emp_id, Punch.ts >= check_in,
                                               Punch.ts <= check_out, Punch.source == "device")).scalars().all()
        assert sorted(got) == [check_in, check_out]

    # 3. reconcile the month: that day is a normal working day with exactly those times
    code, out = run(capsys, *dbarg, "reconcile", month, *op)
    assert code == 0, out
    assert f"{N_EMPLOYEES} pegawai" in out and "Antrean pengecualian" in out
    rec = day_record(db, emp_id, day)
    assert (rec.status, rec.check_in, rec.check_out) == ("H", check_in, check_out)

    # 4. selfies: run the checks, list the atasan's queue, reject one check-in selfie
    code, out = run(capsys, *dbarg, "selfie-check", *op)
    assert code == 0 and "foto diperiksa" in out, out
    code, out = run(capsys, *dbarg, "selfie-queue", *at_login)
    assert code == 0, out
    listed = [int(x) for x in re.findall(r"^\s*(\d+)\s+\d{4}-\d\d-\d\d \d\d:\d\d", out, flags=re.M)]
    assert listed, out
    with db.session() as s:
        atasan = to_current(s.execute(select(User).where(User.username == "atasan")).scalar_one())
        candidates = s.execute(
            select(SelfieCheck.id, Punch.employee_id, Punch.ts)
            .join(Punch, Punch.id == SelfieCheck.punch_id).where(SelfieCheck.id.in_(listed)).order_by(Punch.ts)
        ).all()
    # October was locked and signed by the demo: a verdict there could never reach its report, so it is refused
    october = next(c for c in candidates if c.ts.month == MONTH - 1)
    with pytest.raises(PeriodLockedError, match="Oktober 2026 sudah ditandatangani"), db.transaction() as s:
        set_verdict(s, atasan, october.id, "rejected", "Terlambat unggah")
    candidates = [c for c in candidates if (c.ts.year, c.ts.month) == (YEAR, MONTH)]
    # the selfie that is that day's effective check-in (its rejection must change the day)
    target = next(c for c in candidates if day_record(db, c.employee_id, c.ts.date()).check_in == c.ts)
    other = next(c for c in candidates if c.id != target.id and c.ts.date() != target.ts.date())
    code, out = run(capsys, *dbarg, "selfie-verdict", str(target.id), "tolak", *at_login, stderr=True)
    assert code == 1 and "alasan" in out.lower(), out  # a rejection needs a reason
    code, out = run(capsys, *dbarg, "selfie-verdict", str(target.id), "tolak", "--alasan", "Wajah tidak terlihat jelas",
                    *at_login)
    assert code == 0 and "Ditolak" in out, out
    code, out = run(capsys, *dbarg, "selfie-verdict", str(other.id), "setujui", *at_login)
    assert code == 0 and "Disetujui" in out, out
    code, out = run(capsys, *dbarg, "selfie-queue", *at_login, "--status", "decided")
    assert code == 0 and "Ditolak" in out and "Disetujui" in out and "2 swafoto" in out, out
    before = day_record(db, target.employee_id, target.ts.date())
    assert before.check_in == target.ts and "selfie_rejected" not in before.flags

    code, out = run(capsys, *dbarg, "reconcile", month, *op)
    assert code == 0, out
    after = day_record(db, target.employee_id, target.ts.date())
    assert after.check_in != target.ts  # the rejected punch no longer counts
    assert "selfie_rejected" in after.flags  # and the day is in the exception queue
    approved = day_record(db, other.employee_id, other.ts.date())
    assert "selfie_rejected" not in approved.flags

    # 5. lock (the signer's own login), then nothing may change the month. November has not ended on the
    # 20th: refused; on 1 December the open review days need the signer's written reason.
    code, out = run(capsys, *dbarg, "reconcile", month, "--kunci", *kepala, stderr=True)
    assert code == 1 and "belum berakhir" in out, out
    LATER.set("2026-12-01 08:00")  # moves every view of the office clock (the test's db shares it)
    code, out = run(capsys, *dbarg, "reconcile", month, "--kunci", *kepala, stderr=True)
    assert code == 1 and "perlu ditinjau" in out, out
    code, out = run(capsys, *dbarg, "reconcile", month, "--kunci", *kepala,
                    "--alasan-kunci", "Hari perlu ditinjau sudah dibahas dengan atasan")
    assert code == 0 and "dikunci" in out, out
    code, out = run(capsys, *dbarg, "reconcile", month, *op, stderr=True)
    assert code == 1 and "sudah dikunci" in out, out

    # 6. report → test certificate → sign
    code, out = run(capsys, *dbarg, "report", "--year", str(YEAR), "--month", str(MONTH), *op)
    assert code == 0 and "revisi 1" in out, out
    pdf = Path(re.search(r"revisi 1: (.+\.pdf)", out)[1])  # type: ignore[index]
    text = pdf_text(pdf)
    with db.session() as s:
        name = s.get(Employee, emp_id).name  # type: ignore[union-attr]
    assert name in text and "November 2026" in text.replace("NOVEMBER", "November")
    code, out = run(capsys, *dbarg, "make-test-cert", "--out", str(tmp_path / "sertifikat"), "--install", "kepala", *kepala)
    assert code == 0 and ".p12" in out, out
    code, out = run(capsys, *dbarg, "sign", "--year", str(YEAR), "--month", str(MONTH), *kepala)
    assert code == 0 and "berhasil ditandatangani" in out, out
    signed = Path(next(line.strip() for line in out.splitlines() if line.strip().endswith("_ttd.pdf")))

    # 7. a fresh central database for this test; submit through the outbox; verify at BKPSDM
    suffix = uuid.uuid4().hex[:8]
    name_db, role, bk = f"presensi_e2e_{suffix}", f"opd_e2e_{suffix}", f"bk_e2e_{suffix}"
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-opd\nsandi-bk\n"))
        code, out = run(capsys, "central-init", "--admin-url", pg_admin_url, "--database", name_db, "--opd-code",
                        "DISKOMINFO", "--opd-role", role, "--bkpsdm-role", bk, "--password-stdin")
        assert code == 0 and "OPD DISKOMINFO terdaftar" in out, out
        central = admin.with_database(pg_admin_url, name_db)
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-opd\n"))
        code, out = run(capsys, *dbarg, "submit", "--url", admin.with_user(central, role), "--save-password",
                        "--password-stdin", "--queue", "--year", str(YEAR), "--month", str(MONTH), "--force", *adm)
        assert code == 0, out
        # the demo's October report was waiting in the outbox (no central server then): both go now
        assert "2 terkirim" in out and out.count(": sent") == 2 and "pending" not in out, out

        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-bk\n"))
        code, out = run(capsys, *dbarg, "verify", "--url", admin.with_user(central, bk), "--password-stdin",
                        "--opd", "DISKOMINFO", "--year", str(YEAR), "--month", str(MONTH))
        assert code == 0 and "Hasil: SAH" in out, out
        monkeypatch.setattr("sys.stdin", io.StringIO("sandi-bk\n"))
        code, out = run(capsys, "central-status", "--url", admin.with_user(central, bk), "--password-stdin",
                        "--year", str(YEAR), "--month", str(MONTH))
        assert code == 0 and "DISKOMINFO" in out and "rev 1" in out, out
    finally:
        admin.drop_database(pg_admin_url, name_db)
        admin.drop_role(pg_admin_url, role)
        admin.drop_role(pg_admin_url, bk)

    # 8. the local signed file verifies; a copy with one byte changed does not
    code, out = run(capsys, *dbarg, "verify", "--file", str(signed))
    assert code == 0 and "Hasil: SAH" in out, out
    bad = tmp_path / "laporan-diubah.pdf"
    bad.write_bytes(tamper(signed.read_bytes()))
    code, out = run(capsys, *dbarg, "verify", "--file", str(bad))
    assert code == 1 and "TIDAK SAH" in out, out
