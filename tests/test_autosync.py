"""Automatic pulls: the stored schedule, the scheduler's ticks against a real emulator, no overlap, pull on start."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import func, select

from desktop.autosync import AUTO_TITLE, AutoSyncScheduler
from desktop.main_window import MainWindow
from desktop.views.devices import DevicesView
from services.changes import Changes
from services.demo.device import register_demo_device, start_demo_device
from services.demo.sample_org import SampleOrg
from services.devices.autosync import KEY_INTERVAL, AutoSyncSchedule, get_schedule, set_schedule
from services.devices.emulator import Emulator
from services.store.db import Database
from services.store.models import AuditEvent, Device, Punch, Setting
from tests.gui_helpers import make_context
from tests.shots import shots_dir

DAY = dt.datetime(2026, 3, 2, 7, 0)


def _punches(db: Database) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(Punch)).scalar_one()


def _audits(db: Database) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == "autosync.update")
                              .order_by(AuditEvent.id)).scalars())


def _set(db: Database, schedule: AutoSyncSchedule) -> None:
    with db.transaction() as s:
        set_schedule(s, schedule, "admin")


@pytest.fixture
def emu(db: Database, org: SampleOrg) -> Iterator[Emulator]:
    """A real emulator with 10 punches of PINs 1..5, registered as the OPD's one device."""
    emulator = start_demo_device([(str(i), f"Pegawai {i}") for i in range(1, 6)],
                                 [(str(1 + i % 5), DAY + dt.timedelta(minutes=i), 0) for i in range(10)],
                                 clock=db.clock)
    try:
        with db.transaction() as s:
            register_demo_device(s, org.opd_id, emulator.port, username="admin")
        yield emulator
    finally:
        emulator.stop()


def _add_punches(emulator: Emulator, n: int) -> None:
    start = len(emulator.state.records)  # later minutes than any punch already there: never a duplicate
    for i in range(start, start + n):
        emulator.state.add_punch(str(1 + i % 5), DAY + dt.timedelta(hours=9, minutes=i), state=1)


def _pull(qtbot, sched: AutoSyncScheduler) -> list:  # type: ignore[no-untyped-def]
    """One tick that must start a pull; waits until the operation is over (running cleared)."""
    got: list = []
    sched.pulled.connect(got.append)
    assert sched.tick() is not None
    qtbot.waitUntil(lambda: sched.op is None, timeout=15000)
    sched.pulled.disconnect(got.append)
    [results] = got
    return results


def test_schedule_round_trips_and_is_audited(db: Database, org: SampleOrg) -> None:
    with db.session() as s:
        assert get_schedule(s) == AutoSyncSchedule(0, False)  # default: off, no pull on start
    with db.transaction() as s:
        assert set_schedule(s, AutoSyncSchedule(30, True), "operator") is True
    with db.session() as s:
        assert get_schedule(s) == AutoSyncSchedule(30, True)
    [event] = _audits(db)
    assert event.username == "operator"
    assert json.loads(event.detail)["after"] == {"interval_min": 30, "on_start": True}

    with db.transaction() as s:  # unchanged: nothing written, nothing audited
        assert set_schedule(s, AutoSyncSchedule(30, True), "operator") is False
    with db.transaction() as s:
        assert set_schedule(s, AutoSyncSchedule(0, True), "admin") is True
    assert [e.username for e in _audits(db)] == ["operator", "admin"]

    with pytest.raises(ValueError, match="20 menit tidak didukung"), db.transaction() as s:
        set_schedule(s, AutoSyncSchedule(20, False), "admin")
    with db.transaction() as s:  # a damaged stored value never turns pulling on
        s.get(Setting, KEY_INTERVAL).value = "abc"
    with db.session() as s:
        assert get_schedule(s) == AutoSyncSchedule(0, True)


def test_ticks_pull_new_punches_once_and_timer_drives_them(qtbot, db: Database, emu: Emulator) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(db, "operator")
    messages: list[str] = []
    topics: list[str] = []
    ctx.events.status_message.connect(messages.append)
    ctx.events.changed.connect(lambda ch: topics.extend(ch.names()))
    _set(db, AutoSyncSchedule(15, False))
    sched = AutoSyncScheduler(ctx)  # real minutes: the timer is armed but never fires during the test
    sched.start()
    assert sched.timer.isActive() and sched.timer.interval() == 15 * 60_000
    assert sched.op is None  # "on start" is off

    first = _pull(qtbot, sched)
    assert first[0].new == 10 and _punches(db) == 10
    assert "1 dari 1 mesin, 10 rekaman baru" in messages[-1] and "punches" in topics

    _add_punches(emu, 4)
    assert _pull(qtbot, sched)[0].new == 4
    assert _punches(db) == 14 and "4 rekaman baru" in messages[-1]
    third = _pull(qtbot, sched)
    assert third[0].new == 0 and third[0].duplicate == 14 and _punches(db) == 14 and "0 rekaman baru" in messages[-1]

    # turning the schedule off stops the timer (the scheduler listens for the settings topic)
    _set(db, AutoSyncSchedule(0, False))
    ctx.notify(Changes(settings=True))
    assert not sched.timer.isActive()

    # the timer itself calls tick(): a 1 ms "minute" makes it due at once
    fast = AutoSyncScheduler(ctx, ms_per_minute=1)
    _set(db, AutoSyncSchedule(15, False))
    _add_punches(emu, 2)
    with qtbot.waitSignal(fast.pulled, timeout=15000):
        fast.start()
    fast.stop()
    ctx.runner.wait_all()
    assert _punches(db) == 16


def test_tick_skipped_while_a_device_operation_runs(qtbot, db: Database, emu: Emulator) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(db, "operator")
    view = DevicesView(ctx)
    qtbot.addWidget(view)
    sched = AutoSyncScheduler(ctx)

    # a manual pull from the Perangkat screen is running: the tick does nothing
    view.btn_sync_all.click()
    assert view.op is not None
    assert sched.tick() is None and sched.op is None
    assert [op.title for op in ctx.runner.active()] == ["Tarik data semua mesin"]
    qtbot.waitUntil(lambda: view.op is None, timeout=15000)
    assert _punches(db) == 10

    # an automatic pull is running: a second tick does nothing and the screen's pull buttons wait
    _add_punches(emu, 3)
    op = sched.tick()
    assert op is not None and op.title == AUTO_TITLE
    assert sched.tick() is None
    assert not view.btn_sync_all.isEnabled() and not view.btn_sync.isEnabled()
    qtbot.waitUntil(lambda: sched.op is None, timeout=15000)
    assert view.btn_sync_all.isEnabled()
    assert _punches(db) == 13
    with db.session() as s:  # exactly two pulls reached the device row
        assert "3 baru" in s.execute(select(Device.last_sync_status)).scalar_one()


def test_failed_pull_goes_to_status_bar_not_a_dialog(qtbot, db: Database, emu: Emulator) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(db, "operator")
    messages: list[str] = []
    ctx.events.status_message.connect(messages.append)
    emu.stop()  # the device is unplugged
    with db.transaction() as s:
        s.execute(Device.__table__.update().values(port=1))  # nothing listens there: refused at once
    sched = AutoSyncScheduler(ctx)
    [result] = _pull(qtbot, sched)
    assert result.error and _punches(db) == 0
    assert "0 dari 1 mesin" in messages[-1] and "1 mesin gagal" in messages[-1]
    assert QApplication.activeModalWidget() is None
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    with db.session() as s:
        assert s.execute(select(Device.last_sync_status)).scalar_one().startswith("GAGAL")


def test_on_start_pulls_once_when_main_window_opens(qtbot, db: Database, emu: Emulator) -> None:  # type: ignore[no-untyped-def]
    # off (the default): opening the window pulls nothing
    win = MainWindow(make_context(db, "operator"))
    qtbot.addWidget(win)
    assert win.autosync.op is None and not win.autosync.timer.isActive()
    win.close()

    _set(db, AutoSyncSchedule(0, True))
    # a verifier does not pull by hand, so not automatically either
    viewer = MainWindow(make_context(db, "atasan"))
    qtbot.addWidget(viewer)
    assert viewer.autosync.op is None
    viewer.close()

    win = MainWindow(make_context(db, "operator"))
    qtbot.addWidget(win)
    win.show()
    assert win.autosync.op is not None and win.autosync.op.title == AUTO_TITLE
    assert not win.autosync.timer.isActive()  # pull on start only, no interval
    qtbot.waitUntil(lambda: win.autosync.op is None, timeout=15000)
    assert _punches(db) == 10
    assert "10 rekaman baru" in win.notifications.latest().text
    win.close()
    assert not win.autosync.timer.isActive()


def test_perangkat_screen_row_saves_schedule_and_rearms_the_scheduler(qtbot, db: Database, org: SampleOrg, tmp_path) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(make_context(db, "operator"))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    view = win.view("perangkat")
    win.nav.setCurrentRow(win.row_of("perangkat"))
    assert view.auto_interval.currentText() == "Mati" and not view.auto_on_start.isChecked()

    view.auto_interval.setCurrentIndex(view.auto_interval.findData(30))
    assert win.autosync.timer.isActive() and win.autosync.timer.interval() == 30 * 60_000
    view.auto_on_start.setChecked(True)
    with db.session() as s:
        assert get_schedule(s) == AutoSyncSchedule(30, True)
    assert [json.loads(e.detail)["after"] for e in _audits(db)] == [
        {"interval_min": 30, "on_start": False}, {"interval_min": 30, "on_start": True}]
    assert "setiap 30 menit" in win.notifications.latest().text
    win.grab().save(str(tmp_path / "perangkat_autosync.png"))
    win.grab().save(str(shots_dir() / "perangkat_autosync.png"))

    view.auto_interval.setCurrentIndex(view.auto_interval.findData(0))
    assert not win.autosync.timer.isActive()
    win.close()
