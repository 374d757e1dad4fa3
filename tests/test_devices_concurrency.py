"""Several devices at once, one writer: the GUI's auto-sync and a scheduled CLI sync (another process) overlap
on the same SQLite file and both finish without "database is locked"; every record is stored exactly once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.autosync import AutoSyncScheduler
from services.demo.sample_org import SampleOrg
from services.devices.emulator import DeviceState, Emulator
from services.devices.registry import DeviceInput, add_device
from services.devices.schedule import last_scheduled_run
from services.devices.sync import sync_all
from services.store.db import Database
from services.store.models import ImportBatch, Punch
from tests.childenv import child_env
from tests.cli_login import sync_account_args
from tests.gui_helpers import make_context

ROOT = Path(__file__).resolve().parents[1]
DEVICES, RECORDS = 3, 20_000


def _hold_until(states: list[DeviceState], readers: int, stop: threading.Event) -> threading.Thread:
    """Serve each device's log only once `readers` clients are reading it, so both syncs write at once."""
    def watch() -> None:
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            for st in states:
                f = st.faults
                if f.hold_attlog is not None and not f.hold_attlog.is_set() and f.held_reads >= readers:
                    f.hold_attlog.set()
            if all(st.faults.hold_attlog is not None and st.faults.hold_attlog.is_set() for st in states):
                return
            time.sleep(0.01)
        for st in states:  # never leave a client hanging
            if st.faults.hold_attlog is not None:
                st.faults.hold_attlog.set()
    t = threading.Thread(target=watch, daemon=True)
    t.start()
    return t


@pytest.fixture
def devices(db: Database, org: SampleOrg) -> Iterator[list[DeviceState]]:
    states, emus = [], []
    for i in range(DEVICES):
        st = DeviceState(serial=f"CONC-{i}", large_data_mode="buffer")
        st.generate(40, RECORDS, seed=50 + i)
        st.faults.hold_attlog = threading.Event()
        states.append(st)
        emus.append(Emulator(st).start())
    with db.transaction() as s:
        for i, emu in enumerate(emus):
            add_device(s, org.opd_id, DeviceInput(f"Mesin {i}", "127.0.0.1", emu.port), "admin")
    yield states
    for emu in emus:
        emu.stop()


def _cli_sync(db: Database, login: list[str]) -> subprocess.Popen:
    env = child_env(PRESENSI_QUIET="1")
    return subprocess.Popen([sys.executable, "-c", "import sys; from services.cli import main; sys.exit(main())",
                             "--db", db.location, "sync", "--scheduled", "--timeout", "60", *login],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_gui_autosync_and_scheduled_cli_sync_overlap(qtbot, db: Database, devices: list[DeviceState], tmp_path) -> None:  # type: ignore[no-untyped-def]
    login = sync_account_args(db, tmp_path)  # the scheduled run logs in as the pull-only account
    stop = threading.Event()
    watcher = _hold_until(devices, readers=2, stop=stop)
    proc = _cli_sync(db, login)
    ctx = make_context(db, "operator")
    sched = AutoSyncScheduler(ctx)
    got: list = []
    sched.pulled.connect(got.append)
    try:
        assert sched.tick() is not None
        qtbot.waitUntil(lambda: sched.op is None, timeout=120_000)
        out, _ = proc.communicate(timeout=120)
    finally:
        stop.set()
        watcher.join(5)
        if proc.poll() is None:
            proc.kill()
    assert all(st.faults.hold_attlog.is_set() for st in devices)  # type: ignore[union-attr]
    assert "locked" not in out.lower() and proc.returncode == 0, out
    [results] = got
    assert [r.error for r in results] == ["", "", ""]
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(Punch)).scalar_one() == DEVICES * RECORDS
        per_serial = dict(s.execute(select(Punch.source_serial, func.count()).group_by(Punch.source_serial)).all())
        assert per_serial == {f"CONC-{i}": RECORDS for i in range(DEVICES)}
        batches = s.execute(select(ImportBatch.trigger, ImportBatch.new_count, ImportBatch.duplicate_count)).all()
        run = last_scheduled_run(s)
    assert sorted(t for t, _n, _d in batches) == ["auto"] * DEVICES + ["scheduled"] * DEVICES
    assert sum(n for _t, n, _d in batches) == DEVICES * RECORDS  # each record new exactly once, in one of the two
    assert run is not None and run.devices == DEVICES


def test_parallel_reads_one_writer_in_process(db: Database, devices: list[DeviceState]) -> None:
    for st in devices:
        st.faults.hold_attlog.set()  # type: ignore[union-attr]
    results = sync_all(db, parallel=DEVICES)
    assert [r.new for r in results] == [RECORDS] * DEVICES and not any(r.error for r in results)
