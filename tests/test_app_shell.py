from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from desktop.login import LoginDialog
from desktop.main_window import MainWindow
from desktop.views import SCREENS
from desktop.views.employees import EmployeesView
from services.demo.sample_org import DEFAULT_PASSWORD
from services.store.models import AuditEvent, Employee
from tests.gui_helpers import make_context
from tests.shots import shots_dir


def test_login_dialog_rejects_then_accepts(qtbot, db, org):
    dlg = LoginDialog(db, "Dinas Komunikasi dan Informatika")
    qtbot.addWidget(dlg)
    dlg.username.setText("operator")
    dlg.password.setText("salah")
    qtbot.mouseClick(dlg.button, Qt.MouseButton.LeftButton)
    assert dlg.user is None and "salah" in dlg.error.text()
    dlg.grab().save(str(shots_dir() / "login.png"))
    dlg.password.setText(DEFAULT_PASSWORD)
    qtbot.mouseClick(dlg.button, Qt.MouseButton.LeftButton)
    assert dlg.user is not None and dlg.user.username == "operator"
    with db.session() as s:
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.username == "operator"))]
    assert actions[-2:] == ["login.failed", "login"]


def test_main_window_opens_every_screen(qtbot, db, org):
    ctx = make_context(db, "admin")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    for row in range(len(SCREENS)):
        win.nav.setCurrentRow(row)
        qtbot.wait(5)
    win.nav.setCurrentRow(0)
    qtbot.wait(20)
    win.grab().save(str(shots_dir() / "main_dashboard.png"))
    assert win.stack.currentWidget() is not None
    assert win.broken_screens == {}, win.broken_screens  # a screen that fails to build is a failure, not a placeholder
    assert len(win._views) == len(SCREENS)
    ctx.runner.wait_all()


def test_employee_view_filters_and_import_rejects_bad_file(qtbot, db, org, tmp_path):
    ctx = make_context(db, "operator")
    view = EmployeesView(ctx)
    qtbot.addWidget(view)
    view.refresh()
    assert view.model.rowCount() == 12
    view.search.setText("zzz-tidak-ada")
    view.refresh()
    assert view.model.rowCount() == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("NIP,Nama,Jenis\n198502302010031001,Salah Tanggal,PNS\n", encoding="utf-8")
    dlg = view.open_preview(bad)
    assert dlg is not None and not dlg.import_button.isEnabled()
    assert "baris 2" in dlg.errors.toPlainText()
    dlg.grab().save(str(shots_dir() / "import_preview_error.png"))
    with db.session() as s:
        assert s.execute(select(func.count(Employee.id))).scalar() == 12


def test_settings_saves_central_url_without_password_in_db(qtbot, db, org, memory_keyring):
    from desktop.views.settings import SettingsView
    from services.central.outbox import central_url

    ctx = make_context(db, "admin")
    view = SettingsView(ctx)
    qtbot.addWidget(view)
    view.refresh()
    view.central_url.setText("postgresql://opd_diskominfo@10.0.0.5:5432/presensi_pusat")
    view.central_password.setText("rahasia-pusat")
    view.save_central()
    assert central_url(db) == "postgresql://opd_diskominfo@10.0.0.5:5432/presensi_pusat"
    assert "rahasia-pusat" in memory_keyring.backend.store.values()
    for f in db.path.parent.glob(db.path.name + "*"):  # the DB file and its WAL
        assert b"rahasia-pusat" not in f.read_bytes()
    view.resize(1200, 800)
    view.grab().save(str(shots_dir() / "settings.png"))


def test_reference_photo_from_employee_screen(qtbot, db, org, tmp_path):
    import numpy as np

    from services.store.models import ReferencePhoto
    from tests.mobile_fixtures import astronaut, jpeg

    ctx = make_context(db, "operator")
    view = EmployeesView(ctx)
    qtbot.addWidget(view)
    view.refresh()
    view.table.selectRow(0)
    emp_id, _name = view.selected_employee()
    face = tmp_path / "wajah.jpg"
    face.write_bytes(jpeg(astronaut()))
    blank = tmp_path / "kosong.jpg"
    blank.write_bytes(jpeg(np.full((400, 400, 3), 128, np.uint8)))
    from PySide6.QtWidgets import QMessageBox

    warnings: list[str] = []
    qtbot_patch = pytest.MonkeyPatch()
    qtbot_patch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    try:
        assert view.add_reference_photo(emp_id, blank) is False
        assert "tidak ada wajah" in warnings[0] and "kosong.jpg" in warnings[0]
        assert view.add_reference_photo(emp_id, face) is True
    finally:
        qtbot_patch.undo()
    with db.session() as s:
        assert [r.employee_id for r in s.execute(select(ReferencePhoto)).scalars()] == [emp_id]


def test_qt_standard_buttons_speak_indonesian(qtbot, db, org):
    from PySide6.QtWidgets import QMessageBox

    make_context(db, "admin")  # applies the app's theme and translator
    box = QMessageBox(QMessageBox.Icon.Question, "Konfirmasi", "Kunci periode?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    qtbot.addWidget(box)
    texts = {box.button(b).text().replace("&", "") for b in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No)}
    assert texts == {"Ya", "Tidak"}


def test_audit_log_dialog_lists_and_filters(qtbot, db, org):
    from desktop.audit_dialog import AuditLogDialog

    make_context(db, "admin")
    dlg = AuditLogDialog(db)
    qtbot.addWidget(dlg)
    assert dlg.model.rowCount() >= 4  # the four users created by the sample org
    dlg.search.setText("user.create")
    dlg.reload()
    assert dlg.model.rowCount() == 4
    assert all(dlg.model.row(r)[3] == "user.create" for r in range(4))
    dlg.search.setText("tidak-ada-yang-cocok")
    dlg.reload()
    assert dlg.model.rowCount() == 0


def test_a_screen_that_fails_to_build_is_reported(qtbot, db, org, monkeypatch):
    import desktop.main_window as mw
    from desktop.crash import CrashDialog

    monkeypatch.setattr(mw, "SCREENS", [*mw.SCREENS, ("rusak", "Layar rusak", "desktop.views.tidak_ada", "X")])
    win = MainWindow(make_context(db, "admin"))
    qtbot.addWidget(win)
    win.nav.setCurrentRow(len(mw.SCREENS) - 1)
    assert set(win.broken_screens) == {"rusak"}
    crash = [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]
    assert crash and "tidak_ada" in crash[0].details.toPlainText()
    for w in crash:
        w.close()


def test_closing_asks_only_about_work_the_user_started(qtbot, db, org, monkeypatch):
    """A screen's quiet background read is cancelled without a question; a user's operation is asked about."""
    import threading

    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.No)
    release = threading.Event()

    def slow(*, progress, cancel):  # type: ignore[no-untyped-def]
        while not release.wait(0.01):
            if cancel.cancelled:
                return None
        return None

    win = MainWindow(make_context(db, "operator"))
    qtbot.addWidget(win)
    win.ctx.runner.start("Bacaan layar", slow, quiet=True)
    win.close()  # the quiet read is cancelled, nothing asked
    assert asked == [] and not win.isVisible()
    qtbot.waitUntil(lambda: not win.ctx.runner.active(), timeout=10000)

    win = MainWindow(make_context(db, "operator"))
    qtbot.addWidget(win)
    win.show()
    op = win.ctx.runner.start("Impor pegawai", slow)
    win.close()
    assert asked == ["Masih ada proses berjalan"] and win.isVisible() and op.running  # "No": nothing cancelled
    release.set()
    qtbot.waitUntil(lambda: not op.running, timeout=10000)
