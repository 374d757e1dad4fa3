"""`presensi-opd push-server` killed with SIGKILL mid-batch, then started again: nothing lost, nothing twice.

The receiver runs as a real subprocess; a hidden test flag makes it stop at one crash point of
one batch (inside the transaction before COMMIT, or after COMMIT before the reply) so the kill
lands exactly there. The emulator keeps pushing from this process and must, after the restart,
get every record stored exactly once.
"""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.clock import SystemClock
from services.demo.sample_org import create_sample_org
from services.devices.emulator import DeviceState
from services.devices.push_admin import accept_serial
from services.devices.push_emulator import PushEmulator
from services.store.db import Database, open_database
from tests.childenv import child_env
from tests.cli_login import sync_account_args
from tests.push_helpers import ADMIN, distinct_keys, punch_count, register

SN = "KILL0000000001"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _command() -> list[str]:
    script = Path(sys.executable).with_name("presensi-opd")
    return [str(script)] if script.exists() else [sys.executable, "-m", "desktop.entry"]


class Receiver:
    """One `presensi-opd push-server` process; its stdout lines arrive on a queue."""

    def __init__(self, db_path: Path, port: int, pause_at: str | None = None) -> None:
        args = _command() + ["--db", str(db_path), "push-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--user", "sinkron", "--password-file", str(db_path.parent / "sinkron.password")]
        if pause_at:
            args += ["--pause-at", pause_at]
        env = child_env(PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """Sleep-polled (timed queue waits never return under libfaketime, which CI uses)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                time.sleep(0.02)
                continue
            if text in line:
                return line
        raise AssertionError(f"'{text}' tidak muncul; keluaran: {''.join(self.output)}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(20)


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "presensi.sqlite"
    db = open_database(path)
    with db.transaction() as s:
        create_sample_org(s, n_employees=12)  # the CLI logs in as these users
    register(db, SN)
    accept_serial(db, SN, ADMIN, name="Mesin Lobi")
    sync_account_args(db, tmp_path)  # the headless receiver logs in as the pull-only account
    db.dispose()
    yield path


@pytest.mark.slow
@pytest.mark.parametrize(("pause_at", "honour_stamp", "stored_at_kill"), [
    ("before-commit:3", True, 200),  # killed inside the transaction: batch 3 rolls back, is sent again
    ("after-commit:3", True, 300),  # killed after COMMIT, before OK: the stamp tells the device to go on
    ("after-commit:3", False, 300),  # same, device ignores stamps: batch 3 is resent and deduplicated
])
def test_sigkill_mid_batch_then_restart_stores_everything_once(db_path: Path, pause_at: str, honour_stamp: bool,
                                                              stored_at_kill: int) -> None:
    port = _free_port()
    first = Receiver(db_path, port, pause_at)
    second: Receiver | None = None
    state = DeviceState(serial=SN)
    state.generate(15, 1000, seed=11)
    emu = PushEmulator(f"http://127.0.0.1:{port}", state, SystemClock(), batch_size=100, poll_interval=0.05,
                       retry_min=0.05, retry_max=0.5, timeout=5, honour_stamp=honour_stamp)
    db = Database(db_path)
    try:
        first.wait_for("berjalan di")
        emu.start()
        first.wait_for(f"JEDA {pause_at.replace(':', ' ')}")
        first.kill()
        assert first.proc.returncode == -signal.SIGKILL
        assert punch_count(db, SN) == stored_at_kill
        assert emu.unacked == 1000 - 200  # batch 3 was never acknowledged
        second = Receiver(db_path, port)
        second.wait_for("berjalan di")
        assert emu.wait_synced(90), emu.stats
        assert emu.stats.failures >= 1
        emu.stop()
        assert second.terminate() == 0  # SIGTERM: a clean stop
        assert "Penerima push berhenti" in "".join(second.output)
    finally:
        emu.stop()
        for r in (first, second):
            if r is not None and r.proc.poll() is None:
                r.kill()
    assert punch_count(db, SN) == 1000 and distinct_keys(db) == 1000
    db.dispose()
