"""Demo helpers and the headless CLI (`sync`, `import-usb`, `device-add`) on a real database file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.cli import main
from services.demo.device import register_demo_device, start_demo_device
from services.demo.sample_org import SampleOrg, create_sample_org
from services.devices.sync import sync_device
from services.store.db import Database
from services.store.models import Device, Punch
from tests.cli_login import login_args


@pytest.fixture
def org(db: Database) -> SampleOrg:
    """Sample org with its login users (every CLI command logs in)."""
    with db.transaction() as s:
        return create_sample_org(s, n_employees=12)  # the CLI logs in as these users


def test_demo_device_roundtrip(db: Database, org: SampleOrg) -> None:
    day = dt.date(2026, 3, 2)
    punches = [("1", dt.datetime.combine(day, dt.time(7, 24)), 0), ("1", dt.datetime.combine(day, dt.time(16, 3)), 1),
               ("2", dt.datetime.combine(day, dt.time(7, 41)), 0)]
    emu = start_demo_device([("1", "Ahmad"), ("2", "Siti")], punches, clock=db.clock)
    try:
        with db.transaction() as s:
            device_id = register_demo_device(s, org.opd_id, emu.port).id
        r = sync_device(db, device_id)
        assert (r.new, r.rejected) == (3, 0) and r.serial == "DEMO0000000001" and not r.drift_exceeded
    finally:
        emu.stop()
    with db.session() as s:
        rows = s.execute(select(Punch.pin, Punch.ts, Punch.state).order_by(Punch.ts)).all()
        assert [tuple(x) for x in rows] == sorted(punches, key=lambda x: x[1])
        assert s.execute(select(func.count()).select_from(Punch).where(Punch.employee_id.is_(None))).scalar_one() == 0


def test_cli_sync_and_usb_import(db: Database, org: SampleOrg, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    emu = start_demo_device([("1", "Ahmad")], [("1", dt.datetime(2026, 3, 2, 7, 24), 0)], serial="CLI-SN",
                            clock=db.clock)
    try:
        assert main(["--db", db.location, "device-add", "--name", "Lobi", "--ip", "127.0.0.1",
                     "--port", str(emu.port), *login_args("admin", tmp_path)]) == 0
        assert main(["--db", db.location, "sync", *login_args("operator", tmp_path)]) == 0
        assert main(["--db", db.location, "sync", *login_args("operator", tmp_path)]) == 0  # re-run adds nothing
    finally:
        emu.stop()
    out = capsys.readouterr().out
    assert "1 baru" in out and "0 baru, 1 sudah ada" in out
    f = tmp_path / "7_attlog.dat"
    f.write_bytes(b"        1\t2026-03-02 07:24:00\t7\t0\t1\t0\r\n")
    assert main(["--db", db.location, "import-usb", str(f), "--device", "1", *login_args("operator", tmp_path)]) == 0
    assert "0 rekaman baru, 1 sudah ada" in capsys.readouterr().out  # same serial -> deduped
    with db.session() as s:
        assert s.execute(select(Device.serial)).scalar_one() == "CLI-SN"
        assert s.execute(select(func.count()).select_from(Punch)).scalar_one() == 1
    assert main(["--db", db.location, "sync", "--device", "99", *login_args("operator", tmp_path)]) == 1
