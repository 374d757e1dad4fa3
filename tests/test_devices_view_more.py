"""Perangkat screen, the newer tabs: device names and suggestions for unmapped PINs, quarantine review,
diagnostics, the comm key asked once per session, the OS schedule row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox
from sqlalchemy import select

from desktop.views.devices import DevicesView
from services.demo.sample_org import SampleOrg
from services.devices.emulator import DeviceState, Emulator
from services.devices.registry import DeviceInput, add_device
from services.store.db import Database
from services.store.models import Employee, EmployeePin, Punch
from tests.gui_helpers import make_context


def test_pins_quarantine_diagnostics_and_session_key(qtbot, db: Database, org: SampleOrg, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    keyring.set_keyring(FailKeyring())  # no keyring: the key is asked once and kept in memory
    with db.session() as s:
        target = s.execute(select(Employee).where(Employee.id == org.employee_ids[5])).scalar_one()
        target_name = target.name
    state = DeviceState(serial="VIEW-MORE-1", comm_key=2468)
    state.generate(12, 40, seed=3)
    state.add_user("5050", target_name.split(",")[0])
    state.add_punch("5050", dt.datetime(2026, 3, 2, 7, 10))
    state.add_punch("3", dt.datetime(2099, 1, 1, 7, 0))  # a clock gone wrong: quarantined
    asked: list[str] = []

    def get_text(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(args[2] if len(args) > 2 else "")
        return ("2468", True) if "Comm key" in args[1] or "comm key" in str(args[2]) else ("diperiksa", True)

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    with Emulator(state) as emu:
        with db.transaction() as s:
            add_device(s, org.opd_id, DeviceInput("Mesin Lobi", "127.0.0.1", emu.port, comm_key="2468"), "admin")
        ctx = make_context(db, "operator")
        view = DevicesView(ctx)
        qtbot.addWidget(view)
        view.resize(1156, 668)
        view.show()
        view.btn_sync.click()
        qtbot.waitUntil(lambda: view.op is None, timeout=15000)
        view.btn_sync.click()  # the second pull does not ask again
        qtbot.waitUntil(lambda: view.op is None, timeout=15000)
        assert sum(1 for a in asked if "comm key" in a) == 1 and ctx.comm_keys
        assert "1 dikarantina" in view.result.toPlainText()
        view.btn_diag.click()
        qtbot.waitUntil(lambda: view.op is None, timeout=15000)
        assert view.tabs.currentWidget() is view.diagnostics
        assert view.diagnostics.model.rowCount() == 1 and "1 dari 1 mesin terhubung" in view.diagnostics.hint.text()
        view.grab().save(str(tmp_path / "diagnosa.png"))

    assert "PIN belum terpetakan (1)" == view.tabs.tabText(1) and view.tabs.tabText(2) == "Karantina (1)"
    view.tabs.setCurrentIndex(1)
    row = view.pins.model.row(0)
    assert (row.pin, row.device_name) == ("5050", target_name.split(",")[0][:24])
    view.pins.table.selectRow(0)
    assert view.employee.currentData() == org.employee_ids[5]  # the suggestion is preselected
    view.grab().save(str(tmp_path / "pin.png"))
    view.btn_map.click()
    with db.session() as s:
        assert s.execute(select(EmployeePin.employee_id).where(EmployeePin.pin == "5050")).scalar_one() == org.employee_ids[5]

    view.tabs.setCurrentIndex(2)
    view.quarantine.table.selectRow(0)
    view.quarantine.btn_dismiss.click()
    assert "1 rekaman ditolak" in view.result.toPlainText() and view.tabs.tabText(2) == "Karantina"
    with db.session() as s:
        assert s.execute(select(Punch).where(Punch.ts >= dt.datetime(2099, 1, 1))).first() is None
    view.grab().save(str(tmp_path / "karantina.png"))
    view.grab().save("/tmp/perangkat_tabs.png")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    assert "belum pernah" in view.os_last.text()
