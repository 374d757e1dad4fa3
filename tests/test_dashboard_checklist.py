"""After first-run set-up the dashboard lists what to do next, ticked from the data, each item clickable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from desktop.main_window import MainWindow
from services.auth.users import create_user
from services.changes import Changes
from services.org.checklist import setup_checklist
from services.org.settings import OpdProfile
from services.org.setup import initial_setup
from services.store.models import AuditEvent, Device, Employee, Opd, Setting
from tests.gui_helpers import make_context
from tests.shots import shots_dir


def _fresh_opd(db) -> int:  # type: ignore[no-untyped-def]
    profile = OpdProfile("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "PEMERINTAH KABUPATEN SAMBAS",
                         "Jl. Pembangunan 1", "Sambas", "Asia/Jakarta", "sambas")
    with db.transaction() as s:
        opd_id = initial_setup(s, profile, "admin", "Admin Bappeda", "rahasia1", ("Kantor Utama", 1.3625, 109.3017, 0))
        create_user(s, "atasan", "Atasan", "rahasia1", ["verifier"])
    return opd_id


def test_checklist_ticks_from_data_and_opens_the_screens(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    opd_id = _fresh_opd(db)
    with db.session() as s:
        assert [(i.key, i.done) for i in setup_checklist(s, opd_id)] == [
            ("employees", False), ("devices", False), ("schedules", False), ("central", False)]
    ctx = make_context(db, "admin")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    dash = win.view("dasbor")
    qtbot.waitUntil(lambda: dash.checklist.isVisible(), timeout=3000)
    win.grab().save(str(shots_dir() / "dashboard_checklist.png"))
    qtbot.mouseClick(dash.checklist.buttons["employees"], Qt.MouseButton.LeftButton)
    assert win.current_key() == "pegawai"
    qtbot.mouseClick(dash.checklist.buttons["central"], Qt.MouseButton.LeftButton)
    assert win.current_key() == "pengaturan"

    with db.transaction() as s:  # the real things happen (here directly in the tables the screens write)
        s.add(Employee(opd_id=opd_id, nip="198501012010011001", name="Budi Santoso", kind="PNS"))
        s.add(Device(opd_id=opd_id, name="Mesin Lobi", ip="10.0.0.9"))
        s.add(Setting(key="central.url", value="postgresql://opd_bappeda@10.0.0.5/presensi_pusat"))
    ctx.notify(Changes(employees=True, devices=True, settings=True))
    assert [dash.checklist.buttons[k].text().startswith("☑") for k in ("employees", "devices", "central")] == [True] * 3
    assert dash.checklist.buttons["schedules"].text().startswith("☐")
    assert "1 pegawai terdaftar." == dash.checklist.details["employees"].text()
    qtbot.mouseClick(dash.checklist.confirm, Qt.MouseButton.LeftButton)
    assert not dash.checklist.isVisible()  # everything done: the checklist goes away
    with db.session() as s:
        assert s.execute(select(AuditEvent.username).where(AuditEvent.action == "setup.schedules_confirmed")
                         ).scalar_one() == "admin"
        assert all(i.done for i in setup_checklist(s, opd_id))
    qtbot.waitUntil(lambda: not ctx.runner.active(), timeout=20000)  # the dashboard's background read
    win.close()


def test_checklist_is_for_those_who_can_act_on_it(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    _fresh_opd(db)
    win = MainWindow(make_context(db, "atasan"))
    qtbot.addWidget(win)
    win.show()
    dash = win.view("dasbor")
    dash.refresh()
    assert not dash.checklist.isVisible()
    with db.session() as s:
        assert s.execute(select(Opd.code)).scalar_one() == "BAPPEDA"
    assert win.nav.item(win.row_of("dasbor")).isHidden()  # an atasan's screen is his selfie queue only
    qtbot.waitUntil(lambda: not win.ctx.runner.active(), timeout=20000)
    win.close()
