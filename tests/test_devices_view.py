"""Perangkat screen: sync with progress through the runner, USB import, PIN mapping, connection report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from desktop.views.devices import DevicesView
from services.demo.sample_org import SampleOrg
from services.devices.emulator import DeviceState, Emulator
from services.devices.registry import DeviceInput, add_device
from services.store.db import Database
from services.store.models import Device, EmployeePin, Punch
from tests.gui_helpers import make_context
from tests.shots import shots_dir


def _punches(db: Database, pin: str | None = None) -> int:
    q = select(func.count()).select_from(Punch)
    if pin:
        q = q.where(Punch.pin == pin, Punch.employee_id.is_not(None))
    with db.session() as s:
        return s.execute(q).scalar_one()


def test_devices_view_sync_map_and_usb(qtbot, db: Database, org: SampleOrg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state = DeviceState(serial="VIEW-SN-1", clock_offset=dt.timedelta(minutes=-9), clock=db.clock)
    state.generate(14, 120, seed=9)  # PINs 13 and 14 are unknown to the sample org
    with Emulator(state) as emu:
        with db.transaction() as s:
            add_device(s, org.opd_id, DeviceInput("Mesin Lobi Utama", "127.0.0.1", emu.port, comm_key="4321"), "admin")
        state.comm_key = 4321
        ctx = make_context(db, "operator")
        view = DevicesView(ctx)
        qtbot.addWidget(view)
        view.resize(1200, 820)
        view.show()
        assert view.model.rowCount() == 1 and view.selected_device() is not None
        view.btn_toggle.click()
        assert view.selected_device().enabled is False and view.btn_toggle.text() == "Aktifkan"
        view.btn_toggle.click()
        assert view.selected_device().enabled is True

        view.btn_sync.click()
        assert view.progress_box.isVisible()
        qtbot.waitUntil(lambda: view.op is None, timeout=15000)
        assert _punches(db) == 120
        text = view.result.toPlainText()
        assert "120 baru" in text and "9 menit lebih lambat" in text and view.drift_device is not None
        assert view.pin_model.rowCount() == 2  # PINs 13 and 14

        view.btn_test.click()
        qtbot.waitUntil(lambda: view.report_box is not None and view.report_box.isVisible(), timeout=15000)
        assert "VIEW-SN-1" in view.report_box.text() and "Koreksi" in " ".join(b.text() for b in view.report_box.buttons())
        view.grab().save(str(tmp_path / "perangkat.png"))
        view.report_box.close()
        assert state.clock_offset == dt.timedelta(minutes=-9)  # shown, never silently corrected

    # map PIN 13 through the UI
    row = next(i for i in range(view.pin_model.rowCount()) if view.pin_model.row(i).pin == "13")
    view.pin_table.selectRow(row)
    view.employee.setCurrentIndex(0)
    view.btn_map.click()
    assert "PIN 13 dipetakan" in view.result.toPlainText()
    assert _punches(db, "13") == sum(1 for r in state.records if r.user_id == "13")
    with db.session() as s:
        assert s.execute(select(EmployeePin).where(EmployeePin.pin == "13")).scalar_one()
    assert view.pin_model.rowCount() == 1

    f = tmp_path / "1_attlog.dat"
    f.write_bytes(b"       14\t2026-03-02 07:31:00\t1\t0\t1\t0\r\n        2\t2026-02-30 07:00:00\t1\t0\t1\t0\r\n")
    view.import_usb(str(f), from_selected=True)
    qtbot.waitUntil(lambda: view.op is None, timeout=15000)
    assert "1 rekaman baru" in view.result.toPlainText() and "baris 2" in view.result.toPlainText()
    with db.session() as s:
        serial = s.execute(select(Device.serial)).scalar_one()
        assert s.execute(select(Punch.source_serial).where(Punch.source == "usb")).scalar_one() == serial
    view.grab().save(str(tmp_path / "perangkat2.png"))
    view.grab().save(str(shots_dir() / "perangkat.png"))


def test_cancel_button_rolls_back_the_sync(qtbot, db: Database, org: SampleOrg) -> None:  # type: ignore[no-untyped-def]
    import threading

    state = DeviceState(large_data_mode="buffer")
    state.generate(5, 50)
    release = threading.Event()
    state.faults.hold_attlog = release
    with Emulator(state) as emu:
        with db.transaction() as s:
            add_device(s, org.opd_id, DeviceInput("Mesin Lambat", "127.0.0.1", emu.port), "admin")
        view = DevicesView(make_context(db, "operator"))
        qtbot.addWidget(view)
        view.btn_sync.click()
        qtbot.waitUntil(state.faults.holding.is_set, timeout=15000)  # the read is in progress
        assert view.btn_cancel.isEnabled()
        view.btn_cancel.click()
        release.set()
        qtbot.waitUntil(lambda: view.op is None, timeout=15000)
    assert "Dibatalkan" in view.result.toPlainText()
    assert _punches(db) == 0 and state.enabled
