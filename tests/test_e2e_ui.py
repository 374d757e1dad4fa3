"""End to end through the desktop app on a demo OPD, the way staff would click through a month:

operator: Perangkat → Ubah… (new port) → Tarik Data; Rekonsiliasi → Hitung ulang
atasan:   Verifikasi Swafoto → A (setujui), R + alasan + Enter (tolak)
operator: Rekonsiliasi → Hitung ulang → the rejected selfie's day is in the exception queue
admin:    Pengaturan → server pusat (address + password)
kepala:   Rekonsiliasi → Kunci periode; Laporan Bulanan → Buat → Tanda tangani… (dialog) → Kirim → Verifikasi…

One MainWindow per login (roles differ), all on the same database, real background
operations (ctx.runner), a real emulator and a fresh per-test PostgreSQL database.
Only Qt's own modal question box is answered by patching; our dialogs are filled in.
Each step is rendered to ui-*.png under tests.shots.shots_dir().
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QPushButton, QWidget
from sqlalchemy import select

from desktop.main_window import MainWindow
from desktop.views import SCREENS
from services.central import admin
from services.clock import FrozenClock
from services.demo.build import build_demo
from services.demo.device import start_demo_device
from services.selfie.queue import QueueItem
from services.store.db import Database, open_database
from services.store.models import DayRecord, Device, Employee, EmployeePin, Period, Punch, Report, SelfieCheck
from tests.gui_helpers import ConfirmationAnswerer, make_context
from tests.shots import shots_dir

pytestmark = pytest.mark.postgres

TODAY = dt.date(2026, 11, 18)
NEXT_DAY = dt.date(2026, 11, 19)  # a Thursday after the demo data: the machine's new punches are for this day


@pytest.fixture
def demo_db(tmp_path: Path) -> Iterator[Database]:
    noon = FrozenClock(dt.datetime.combine(TODAY, dt.time(12, 0)))
    res = build_demo(tmp_path / "demo" / "presensi.sqlite", 13, 2, clock=noon, with_central=False)
    # the app is used the morning after the next working day
    db = open_database(res.db_path, clock=FrozenClock(dt.datetime.combine(NEXT_DAY + dt.timedelta(days=1), dt.time(8))))
    yield db
    db.dispose()


@pytest.fixture
def central(pg_admin_url: str) -> Iterator[tuple[str, str]]:
    """A fresh central database with DISKOMINFO registered; yields (OPD login URL, its password)."""
    suffix = uuid.uuid4().hex[:8]
    name, role = f"presensi_e2e_ui_{suffix}", f"opd_e2e_ui_{suffix}"
    url = admin.create_database(pg_admin_url, name)
    try:
        admin.migrate_central(url)
        admin.register_opd(url, "DISKOMINFO", "Dinas Komunikasi dan Informatika", role, "sandi-opd-ui")
        yield admin.with_user(url, role), "sandi-opd-ui"
    finally:
        admin.drop_database(pg_admin_url, name)
        admin.drop_role(pg_admin_url, role)


# ---------------------------------------------------------------- helpers
def open_window(qtbot, db: Database, username: str) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(make_context(db, username))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def go(qtbot, win: MainWindow, key: str) -> QWidget:  # type: ignore[no-untyped-def]
    """Click the screen's entry in the navigation list, as a user would."""
    row = next(i for i, s in enumerate(SCREENS) if s[0] == key)
    rect = win.nav.visualItemRect(win.nav.item(row))
    qtbot.mouseClick(win.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.nav.currentRow() == row
    view = win.view(key)
    assert win.current_view() is view
    assert type(view).__name__ == SCREENS[row][3], "screen failed to open (UnavailableView)"
    qtbot.wait(20)  # the screen's refresh() is queued with singleShot(0)
    return view


def shot(win: QWidget, name: str) -> None:
    for _ in range(3):  # pending layout requests (a label whose text just changed) first
        QApplication.processEvents()
    win.grab().save(str(shots_dir() / f"ui-{name}.png"))


def button(parent: QWidget, text: str) -> QPushButton:
    found = [b for b in parent.findChildren(QPushButton) if b.text() == text]
    assert len(found) == 1, f"button {text!r}: {[b.text() for b in parent.findChildren(QPushButton)]}"
    return found[0]


def when_modal(fill: Callable[[QWidget], None]) -> list[str]:
    """Fill in the next modal dialog once it is open (its exec() blocks the test's call).

    Returns a list that receives the dialog's class name, or an error text; a failing filler
    rejects the dialog so the test fails instead of hanging.
    """
    seen: list[str] = []

    def poll(tries: int = 0) -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None:
            if tries < 250:
                QTimer.singleShot(20, lambda: poll(tries + 1))
            return
        seen.append(type(dlg).__name__)
        try:
            fill(dlg)
        except Exception as exc:  # noqa: BLE001 - report it in the test, never leave exec() blocking
            seen.append(f"error: {exc!r}")
        if dlg.isVisible():
            dlg.reject()  # type: ignore[attr-defined]

    QTimer.singleShot(0, poll)
    return seen


def wait_ops(qtbot, win: MainWindow, timeout: int = 60000) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not win.ctx.runner.active(), timeout=timeout)
    qtbot.wait(50)  # let the finished/done slots queued from the worker thread run


def day(db: Database, employee_id: int, d: dt.date) -> DayRecord | None:
    with db.session() as s:
        rec = s.get(DayRecord, (employee_id, d))
        if rec is not None:
            s.expunge(rec)
        return rec


# ---------------------------------------------------------------- the month, screen by screen
def test_month_flow_through_the_app(qtbot, demo_db: Database, central: tuple[str, str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = demo_db
    with db.session() as s:
        old = [(p.pin, p.ts, p.state) for p in s.execute(select(Punch).where(Punch.source == "device")).scalars()]
        users = [(p, n[:24]) for p, n in s.execute(select(EmployeePin.pin, Employee.name).join(Employee))]
        worker = s.execute(select(EmployeePin.employee_id).where(EmployeePin.pin == "2")).scalar_one()
    new = [("2", dt.datetime.combine(NEXT_DAY, dt.time(7, 18, 3)), 0),
           ("2", dt.datetime.combine(NEXT_DAY, dt.time(16, 2, 51)), 1)]
    emu = start_demo_device(users, [*old, *new], clock=db.clock)
    try:
        _operator_pulls_and_reconciles(qtbot, db, emu.port, worker, len(old))
    finally:
        emu.stop()
    rejected = _atasan_decides_selfies(qtbot, db)
    _operator_sees_exception(qtbot, db, rejected)
    _admin_sets_central_server(qtbot, db, *central)
    _kepala_locks_signs_sends_verifies(qtbot, db, monkeypatch)


def _operator_pulls_and_reconciles(qtbot, db: Database, port: int, worker: int, n_old: int) -> None:  # type: ignore[no-untyped-def]
    win = open_window(qtbot, db, "operator")
    devices = go(qtbot, win, "perangkat")
    assert devices.model.rowCount() == 1 and devices.selected_device() is not None
    shot(win, "01-perangkat")

    # the demo machine moved to a new port: Ubah… → port → Simpan
    def edit(dlg: QWidget) -> None:
        dlg.port.setValue(port)  # type: ignore[attr-defined]
        dlg.grab().save(str(shots_dir() / "ui-02-ubah-perangkat.png"))
        dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    seen = when_modal(edit)
    qtbot.mouseClick(devices.btn_edit, Qt.MouseButton.LeftButton)
    assert seen == ["DeviceDialog"], seen
    with db.session() as s:
        assert s.execute(select(Device.port)).scalar_one() == port

    qtbot.mouseClick(devices.btn_sync, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, win)
    qtbot.waitUntil(lambda: "baru" in devices.result.toPlainText(), timeout=5000)
    text = devices.result.toPlainText()
    assert f"{n_old + 2} rekaman dibaca, 2 baru, {n_old} sudah ada, 0 dikarantina" in text, text
    shot(win, "03-perangkat-tarik-data")
    with db.session() as s:
        assert s.execute(select(Punch.ts).where(Punch.employee_id == worker, Punch.ts >= dt.datetime.combine(
            NEXT_DAY, dt.time()))).scalars().all() == [dt.datetime.combine(NEXT_DAY, dt.time(7, 18, 3)),
                                                      dt.datetime.combine(NEXT_DAY, dt.time(16, 2, 51))]
    qtbot.mouseClick(devices.btn_sync, Qt.MouseButton.LeftButton)  # again: nothing new
    wait_ops(qtbot, win)
    qtbot.waitUntil(lambda: ", 0 baru, " in devices.result.toPlainText(), timeout=5000)

    rec = go(qtbot, win, "rekonsiliasi")
    rec.period.set_value(2026, 11)
    assert rec.recompute_btn.isEnabled() and not rec.lock_btn.isEnabled()  # operators may not lock
    qtbot.mouseClick(rec.recompute_btn, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, win)
    r = day(db, worker, NEXT_DAY)
    assert r is not None and (r.status, r.check_in.time(), r.check_out.time()) == (  # type: ignore[union-attr]
        "H", dt.time(7, 18, 3), dt.time(16, 2, 51))
    qtbot.waitUntil(lambda: "pegawai" in rec.summary.text(), timeout=5000)
    shot(win, "04-rekonsiliasi")
    win.close()


def _atasan_decides_selfies(qtbot, db: Database) -> int:  # type: ignore[no-untyped-def]
    """A on the first selfie, R + reason + Enter on the next; returns the rejected check's id."""
    win = open_window(qtbot, db, "atasan")
    view = go(qtbot, win, "swafoto")
    qtbot.waitUntil(lambda: view.model.rowCount() > 1, timeout=5000)
    shot(win, "05-swafoto-antrean")
    assert view.current_row() == 0
    items = [view.model.item(r) for r in range(view.model.rowCount())]
    assert [it.risk for it in items] == sorted((it.risk for it in items), reverse=True)  # riskiest first
    # October is locked and signed already: a verdict there is refused (it could never reach the signed report)
    oct_row = next(r for r, it in enumerate(items) if it.ts.month == 10)
    view.table.selectRow(oct_row)
    qtbot.keyClick(view.table, Qt.Key.Key_A)
    assert "Oktober 2026 sudah ditandatangani" in view.message.text(), view.message.text()
    assert view.current_row() == oct_row and view.current_item().verdict == "pending"  # type: ignore[union-attr]
    # go down (arrow keys) from the top to a November selfie followed by another November one
    def counted(it: QueueItem) -> bool:  # the punch is that day's check-in or check-out so far
        rec = day(db, it.employee_id, it.ts.date())
        return rec is not None and it.ts in (rec.check_in, rec.check_out)

    target = next(r for r in range(len(items) - 1)
                  if items[r].ts.month == 11 and items[r + 1].ts.month == 11 and counted(items[r + 1]))
    view.table.selectRow(0)
    while view.current_row() != target:
        row = view.current_row()
        qtbot.keyClick(view.table, Qt.Key.Key_Down)
        assert view.current_row() == row + 1
    first = view.current_item()
    assert first is not None
    row = view.current_row()
    qtbot.keyClick(view.table, Qt.Key.Key_A)
    assert view.current_row() == row + 1  # moved on to the next selfie
    second = view.current_item()
    assert second is not None
    qtbot.keyClick(view.table, Qt.Key.Key_R)
    assert view.reason.hasFocus() or view.pending_verdict == "rejected"
    qtbot.keyClick(view.reason, Qt.Key.Key_Return)  # an empty reason is refused
    assert "Alasan wajib" in view.message.text()
    qtbot.keyClicks(view.reason, "Wajah tertutup masker")
    qtbot.keyClick(view.reason, Qt.Key.Key_Return)
    assert "ditolak" in view.message.text(), view.message.text()
    shot(win, "06-swafoto-ditolak")
    with db.session() as s:
        verdicts = dict(s.execute(select(SelfieCheck.id, SelfieCheck.verdict).where(
            SelfieCheck.id.in_([first.check_id, second.check_id]))).all())
        reason = s.get(SelfieCheck, second.check_id).reason  # type: ignore[union-attr]
    assert verdicts == {first.check_id: "approved", second.check_id: "rejected"}
    assert reason == "Wajah tertutup masker"
    win.close()
    return second.check_id


def _operator_sees_exception(qtbot, db: Database, check_id: int) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        emp_id, ts = s.execute(select(Punch.employee_id, Punch.ts).join(SelfieCheck, SelfieCheck.punch_id == Punch.id)
                               .where(SelfieCheck.id == check_id)).one()
    before = day(db, emp_id, ts.date())
    assert before is not None and ts in (before.check_in, before.check_out)  # the selfie's punch counts so far
    win = open_window(qtbot, db, "operator")
    rec = go(qtbot, win, "rekonsiliasi")
    rec.period.set_value(ts.year, ts.month)
    qtbot.mouseClick(rec.recompute_btn, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, win)
    after = day(db, emp_id, ts.date())
    assert after is not None and ts not in (after.check_in, after.check_out)  # ... and not any more
    assert "selfie_rejected" in after.flags
    qtbot.waitUntil(lambda: any(r.date == ts.date() and r.employee_id == emp_id and "Swafoto ditolak" in r.problem
                                for r in rec.exc_model.rows()), timeout=5000)
    shot(win, "07-rekonsiliasi-pengecualian")
    win.close()


def _admin_sets_central_server(qtbot, db: Database, url: str, password: str) -> None:  # type: ignore[no-untyped-def]
    win = open_window(qtbot, db, "admin")
    view = go(qtbot, win, "pengaturan")
    view.central_url.clear()
    qtbot.keyClicks(view.central_url, url)
    qtbot.keyClicks(view.central_password, password)
    qtbot.mouseClick(button(view, "Simpan server pusat"), Qt.MouseButton.LeftButton)
    from services.central.outbox import central_password, central_url

    assert central_url(db) == url and central_password(url) == password
    assert view.central_password.text() == ""  # never left on screen
    shot(win, "08-pengaturan-server-pusat")
    win.close()


def _kepala_locks_signs_sends_verifies(qtbot, db: Database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    win = open_window(qtbot, db, "kepala")
    rec = go(qtbot, win, "rekonsiliasi")
    rec.period.set_value(2026, 11)
    assert rec.lock_btn.isEnabled() and rec.lock_btn.text() == "Kunci periode"
    asked: list[str] = []

    def yes(_parent, title, *_a, **_k):  # type: ignore[no-untyped-def]
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    reasons: list[str] = []

    def reason(_parent, title, _label, **_k):  # type: ignore[no-untyped-def]
        reasons.append(title)
        return "Hari perlu ditinjau sudah dibahas dengan atasan"

    monkeypatch.setattr(QMessageBox, "question", staticmethod(yes))
    monkeypatch.setattr("desktop.views.reconcile.ask_text", reason)
    db.clock.set("2026-12-01 08:00")  # type: ignore[attr-defined]  # November has ended: it may be locked now
    rec.period.set_value(2026, 11)
    refused: list[str] = []
    monkeypatch.setattr("desktop.views.reconcile.present_refusal", lambda _w, exc: refused.append(str(exc)))
    qtbot.mouseClick(rec.lock_btn, Qt.MouseButton.LeftButton)  # computed up to the 20th only: recompute first
    assert refused and "Hitung ulang" in refused[0] and asked == [] and reasons == []  # refused before asking
    qtbot.mouseClick(rec.recompute_btn, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, win)
    qtbot.mouseClick(rec.lock_btn, Qt.MouseButton.LeftButton)
    assert asked == ["Kunci periode"]
    assert reasons == ["Kunci walau masih perlu ditinjau"]  # the demo month still has days to review
    qtbot.waitUntil(lambda: "Dikunci" in rec.lock_label.text(), timeout=5000)
    assert not rec.recompute_btn.isEnabled()
    with db.session() as s:
        assert s.execute(select(Period.status).where(Period.year == 2026, Period.month == 11)).scalar_one() == "locked"
    shot(win, "09-rekonsiliasi-dikunci")

    rep = go(qtbot, win, "laporan")
    rep.year.setValue(2026)
    rep.month.setCurrentIndex(10)  # November
    assert rep.gen_button.isEnabled(), rep.gen_status.text()
    qtbot.mouseClick(rep.gen_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, win)
    qtbot.waitUntil(lambda: "revisi 1 selesai" in rep.message.text(), timeout=5000)
    shot(win, "10-laporan-dibuat")

    def sign(dlg: QWidget) -> None:
        assert dlg.cert.text().endswith(".p12")  # type: ignore[attr-defined]  # the kepala's certificate is preset
        qtbot.keyClicks(dlg.passphrase, "rahasia-uji")  # type: ignore[attr-defined]
        dlg.grab().save(str(shots_dir() / "ui-11-dialog-tanda-tangan.png"))
        dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    confirmations: list[str] = []
    monkeypatch.setattr("desktop.views.sign_dialog.ask_confirmation",
                        lambda _parent, text: confirmations.append(text) or True)
    seen = when_modal(sign)
    qtbot.mouseClick(rep.sign_button, Qt.MouseButton.LeftButton)
    assert seen == ["SignDialog"], seen
    qtbot.waitUntil(lambda: bool(confirmations), timeout=10000)
    assert confirmations[0].startswith("Laporan bulan November 2026 (revisi 1) akan ditandatangani oleh ")
    assert confirmations[0].endswith("tidak dapat dibatalkan."), confirmations
    wait_ops(qtbot, win)
    qtbot.waitUntil(lambda: rep.overview.latest is not None and rep.overview.latest.status == "signed", timeout=5000)
    assert "berhasil ditandatangani" in rep.message.text(), rep.message.text()
    shot(win, "12-laporan-ditandatangani")

    assert rep.send_button.isEnabled()
    send = ConfirmationAnswerer("Kirim")
    qtbot.mouseClick(rep.send_button, Qt.MouseButton.LeftButton)
    send.stop()
    assert "akan dikirim ke BKPSDM" in send.seen[0][1] and "tidak dapat ditarik kembali" in send.seen[0][1]
    wait_ops(qtbot, win)
    qtbot.waitUntil(lambda: rep.overview.latest is not None and rep.overview.latest.status == "submitted",
                    timeout=5000)
    assert "Terkirim ke server pusat" in rep.send_status.text()
    # the demo's October report had been waiting in the outbox: it went along
    assert sorted(r.status for r in rep.out_model.rows()) == ["sent", "sent"], [r.status for r in rep.out_model.rows()]
    shot(win, "13-laporan-terkirim")

    qtbot.mouseClick(rep.verify_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, win)
    qtbot.waitUntil(lambda: rep.last_verdict is not None, timeout=10000)
    verdict = rep.last_verdict
    assert verdict.ok, verdict.text()
    assert "SAH" in rep.message.text() and "TIDAK" not in rep.message.text()
    assert any("server pusat" in text and ok for ok, text in verdict.checks), verdict.checks
    box = rep._verdict_box
    assert box.isVisible() and "SAH" in box.text()
    box.move(win.geometry().center() - QPoint(box.width() // 2, box.height() // 2))
    shot(win, "14-laporan-verifikasi")
    box.grab().save(str(shots_dir() / "ui-15-hasil-verifikasi.png"))
    with db.session() as s:
        assert s.execute(select(Report.status).join(Period, Period.id == Report.period_id).where(
            Period.month == 11)).scalar_one() == "submitted"
    box.close()
    win.close()
