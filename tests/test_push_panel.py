"""Perangkat → Mesin push (ADMS): start the receiver from the screen, accept a pending serial, see its data."""

from __future__ import annotations

import socket

from desktop.push_host import host_for
from desktop.views.devices import DevicesView
from services.clock import SystemClock
from services.demo.sample_org import SampleOrg
from services.devices.emulator import DeviceState
from services.devices.push_admin import get_settings
from services.devices.push_emulator import PushEmulator
from services.store.db import Database
from tests.gui_helpers import make_context
from tests.push_helpers import punch_count


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_panel_runs_receiver_and_accepts_a_pending_serial(qtbot, db: Database, org: SampleOrg) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(db, "admin")
    view = DevicesView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    panel = view.push_panel
    view.bottom_tabs.setCurrentWidget(panel)
    port = _free_port()
    panel.bind.setCurrentText("127.0.0.1")
    panel.port.setValue(port)
    panel.btn_run.click()
    host = host_for(ctx)
    try:
        assert host.running and panel.btn_run.text() == "Hentikan penerima"
        assert f"127.0.0.1:{port}" in panel.state_label.text()
        with db.session() as s:
            assert get_settings(s).port == port  # saved (audited) when started
        state = DeviceState(serial="PANEL00000001")
        state.generate(12, 80, seed=4)
        emu = PushEmulator(f"http://127.0.0.1:{port}", state, SystemClock(), batch_size=40, poll_interval=0.05,
                           retry_min=0.05, retry_max=0.2).start()
        try:
            def one_row() -> bool:
                panel.refresh()
                return panel.model.rowCount() == 1

            qtbot.waitUntil(one_row, timeout=10_000)
            assert "1 mesin menunggu persetujuan" in panel.hint.text()
            assert panel.model.row(0).status == "pending"  # type: ignore[attr-defined]
            panel.table.selectRow(0)
            assert panel.btn_accept.isEnabled()
            panel.accept_selected(name="Mesin Aula", timezone="Asia/Jakarta")
            assert emu.wait_synced(30)
        finally:
            emu.stop()
        assert punch_count(db, "PANEL00000001") == 80
        host.check()  # the timer's tick: the stored upload refreshes the screens
        qtbot.waitUntil(lambda: panel.model.rowCount() == 1 and panel.model.row(0).records_stored == 80,  # type: ignore[attr-defined]
                        timeout=5000)
        assert "Tidak ada mesin yang menunggu" in panel.hint.text()
        panel.btn_run.click()
        assert not host.running and panel.btn_run.text() == "Jalankan penerima"
    finally:
        host.stop()


def test_operator_cannot_run_or_accept(qtbot, db: Database, org: SampleOrg) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(db, "operator")
    view = DevicesView(ctx)
    qtbot.addWidget(view)
    panel = view.push_panel
    assert not panel.btn_run.isEnabled() and not panel.btn_accept.isEnabled()
