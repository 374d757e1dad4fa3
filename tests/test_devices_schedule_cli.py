"""Scheduled headless sync (schtasks command line, systemd user units), comm keys without a keyring on the
CLI, `device-status` diagnostics and the quarantine command — real CLI, real emulator, real SQLite."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from services.cli import main
from services.demo.sample_org import SampleOrg, create_sample_org
from services.devices import schedule
from services.devices.diagnostics import diagnose_all
from services.devices.emulator import DeviceState, Emulator
from services.devices.registry import DeviceInput, add_device
from services.devices.sync import sync_device
from services.store.db import Database
from services.store.models import Device, ImportBatch
from tests.cli_login import login_args


@pytest.fixture
def org(db: Database) -> SampleOrg:
    with db.transaction() as s:
        return create_sample_org(s, n_employees=12)  # the CLI logs in as these users


def test_schtasks_command_lines() -> None:
    cmd = schedule.sync_command(Path(r"C:\Data Presensi\presensi.sqlite"), executable=[r"C:\Program Files\Presensi OPD\presensi-opd.exe"])
    create = schedule.schtasks_create(cmd, 30)
    assert create[:4] == ["schtasks", "/Create", "/TN", schedule.TASK_NAME]
    assert create[4:6] == ["/TR", '"C:\\Program Files\\Presensi OPD\\presensi-opd.exe" --db "C:\\Data Presensi\\presensi.sqlite" '
                                  "sync --scheduled"]
    assert create[6:] == ["/SC", "MINUTE", "/MO", "30", "/F"]
    assert schedule.schtasks_delete() == ["schtasks", "/Delete", "/TN", schedule.TASK_NAME, "/F"]
    with pytest.raises(ValueError, match="7 menit tidak didukung"):
        schedule.schtasks_create(cmd, 7)
    calls: list[list[str]] = []

    def runner(c: Sequence[str]) -> subprocess.CompletedProcess:
        calls.append(list(c))
        return subprocess.CompletedProcess(c, 0, "OK", "")

    r = schedule.install(Path(r"C:\p.sqlite"), 60, platform="win32", runner=runner, executable=["presensi-opd.exe"])
    assert r.activated and calls == [schedule.schtasks_create(["presensi-opd.exe", "--db", r"C:\p.sqlite", "sync",
                                                               "--scheduled"], 60)]


def test_systemd_user_timer_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    calls: list[list[str]] = []

    def runner(c: Sequence[str]) -> subprocess.CompletedProcess:
        calls.append(list(c))
        return subprocess.CompletedProcess(c, 0, "", "")

    monkeypatch.setattr(schedule.shutil, "which", lambda name: "/usr/bin/systemctl" if name == "systemctl" else None)
    r = schedule.install(tmp_path / "presensi db.sqlite", 15, platform="linux", runner=runner, executable=["/opt/p/presensi-opd"],
                         comm_key_file=tmp_path / "keys")
    unit_dir = tmp_path / "cfg" / "systemd" / "user"
    service = (unit_dir / "presensi-opd-sync.service").read_text()
    timer = (unit_dir / "presensi-opd-sync.timer").read_text()
    assert f"ExecStart=/opt/p/presensi-opd --db '{tmp_path}/presensi db.sqlite' sync --scheduled --comm-key-file {tmp_path}/keys" in service
    assert "OnUnitActiveSec=15min" in timer and "Persistent=true" in timer and "WantedBy=timers.target" in timer
    assert calls == [["systemctl", "--user", "daemon-reload"], ["systemctl", "--user", "enable", "--now", "presensi-opd-sync.timer"]]
    assert r.activated and r.files == [unit_dir / "presensi-opd-sync.service", unit_dir / "presensi-opd-sync.timer"]
    removed = schedule.remove(platform="linux", runner=runner)
    assert not (unit_dir / "presensi-opd-sync.timer").exists() and len(removed.files) == 2


def test_last_scheduled_run_comes_from_batches(db: Database, org: SampleOrg, tmp_path: Path) -> None:
    state = DeviceState(serial="SCHED-1")
    state.generate(12, 30, seed=1)
    with Emulator(state) as emu:
        with db.transaction() as s:
            device_id = add_device(s, org.opd_id, DeviceInput("Lobi", "127.0.0.1", emu.port), "admin").id
        sync_device(db, device_id)  # manual: not a scheduled run
        with db.session() as s:
            assert schedule.last_scheduled_run(s) is None
        assert main(["--db", db.location, "sync", "--scheduled", *login_args("operator", tmp_path)]) == 0
    with db.session() as s:
        run = schedule.last_scheduled_run(s)
        assert s.execute(select(ImportBatch.trigger).order_by(ImportBatch.id)).scalars().all() == ["manual", "scheduled"]
    assert run is not None and (run.devices, run.new) == (1, 0)


def _no_keyring() -> None:
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    keyring.set_keyring(FailKeyring())  # the autouse memory_keyring fixture restores the previous backend


def test_comm_key_without_keyring_on_the_cli(db: Database, org: SampleOrg, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _no_keyring()
    state = DeviceState(serial="KEY-1", comm_key=4242)
    state.generate(12, 25, seed=3)
    key_file = tmp_path / "keys.txt"
    key_file.write_text("# comm key mesin lobi\nMesin Lobi=4242\n")
    key_file.chmod(0o644)
    with Emulator(state) as emu:
        assert main(["--db", db.location, "device-add", "--name", "Mesin Lobi", "--ip", "127.0.0.1", "--port",
                     str(emu.port), "--comm-key-file", str(key_file), *login_args("admin", tmp_path)]) == 1  # readable by others: refused
        assert "chmod 600" in capsys.readouterr().err
        key_file.chmod(0o600)
        assert main(["--db", db.location, "device-add", "--name", "Mesin Lobi", "--ip", "127.0.0.1", "--port",
                     str(emu.port), "--comm-key-file", str(key_file), *login_args("admin", tmp_path)]) == 0
        out = capsys.readouterr().out
        assert "TIDAK disimpan" in out and "--comm-key-file" in out and "disimpan di keyring" not in out
        # no terminal (pytest's stdin), no file: the sync says why instead of claiming anything
        assert main(["--db", db.location, "sync", *login_args("operator", tmp_path)]) == 1
        assert "tidak tersimpan (tidak ada keyring)" in capsys.readouterr().out
        assert main(["--db", db.location, "sync", "--comm-key-file", str(key_file), *login_args("operator", tmp_path)]) == 0
        assert "25 baru" in capsys.readouterr().out
        assert main(["--db", db.location, "device-status", "--comm-key-file", str(key_file), *login_args("operator", tmp_path)]) == 0
        status = capsys.readouterr().out
    assert "terhubung" in status and "seri KEY-1" in status and "25 rekaman di mesin (0 baru sejak tarik terakhir)" in status


def test_diagnostics_report_new_records_drift_and_failures(db: Database, org: SampleOrg) -> None:
    state = DeviceState(serial="DIAG-1", clock_offset=dt.timedelta(minutes=3), clock=db.clock)
    state.generate(12, 40, seed=6)
    with Emulator(state) as emu:
        with db.transaction() as s:
            device_id = add_device(s, org.opd_id, DeviceInput("Lobi", "127.0.0.1", emu.port), "admin").id
            gone = add_device(s, org.opd_id, DeviceInput("Gudang", "127.0.0.1", 1), "admin").id
        sync_device(db, device_id)
        state.add_punch("2", dt.datetime(2026, 3, 3, 7, 0))
        state.add_punch("3", dt.datetime(2026, 3, 3, 7, 1))
        lobby, store = sorted(diagnose_all(db, timeout=2), key=lambda d: d.device_id)
    assert lobby.reachable and (lobby.serial, lobby.records, lobby.new_since_last_pull) == ("DIAG-1", 42, 2)
    assert 170 <= (lobby.drift_seconds or 0) <= 190 and lobby.last_success_at is not None and lobby.last_error == ""
    assert not store.reachable and "tidak dapat dihubungi" in store.error and store.device_id == gone
    with db.session() as s:
        assert s.get(Device, device_id).firmware.startswith("Ver")  # type: ignore[union-attr]


def test_quarantine_command(db: Database, org: SampleOrg, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "1_attlog.dat"
    f.write_text("1\t2099-01-01 07:00:00\t1\t0\t1\t0\n2\t2026-03-02 07:00:00\t1\t0\t1\t0\n")
    assert main(["--db", db.location, "import-usb", str(f), *login_args("operator", tmp_path)]) == 0
    capsys.readouterr()
    assert main(["--db", db.location, "quarantine", *login_args("operator", tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "jauh di masa depan" in out and "1 rekaman menunggu pemeriksaan" in out
    qid = int(out.split("#", 1)[1].split(" ", 1)[0])
    assert main(["--db", db.location, "quarantine", "--dismiss", str(qid), "--note", "jam mesin rusak", *login_args("operator", tmp_path)]) == 0
    assert main(["--db", db.location, "quarantine", *login_args("operator", tmp_path)]) == 0
    assert "0 rekaman menunggu" in capsys.readouterr().out

