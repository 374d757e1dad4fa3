"""USB `<id>_attlog.dat` import: real file quirks, bad-line policy, idempotence, dedupe with device copies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.demo.sample_org import SampleOrg, create_sample_org
from services.devices.emulator import DeviceState, Emulator
from services.devices.registry import DeviceInput, add_device
from services.devices.sync import sync_device
from services.devices.usb_import import import_usb_attlog
from services.store.db import Database
from services.store.models import ImportBatch, Punch


@pytest.fixture
def org(db: Database) -> SampleOrg:
    """Sample org without login users: argon2 hashing is the slowest part of the shared fixture, unused here."""
    with db.transaction() as s:
        return create_sample_org(s, n_employees=12, with_users=False)

GOOD = (
    "        1\t2026-02-02 07:21:05\t1\t0\t1\t0\r\n"
    "        2\t2026-02-02 07:35:40\t1\t0\t1\t0\t0\t0\r\n"  # extra columns
    "       13\t2026-02-02 16:05:12\t1\t1\t15\t0\r\n"
    "\r\n"
    "1\t2026-02-02 16:02:00\t1\t1\t1\t0\r\n"
)
BAD = (
    "        3\t2026-02-30 07:10:00\t1\t0\t1\t0\r\n"  # line 6: impossible date
    "garbage line without tabs\r\n"  # line 7
    "        4\t2026-02-03 07:12:00\t1\t9\t1\t0\r\n"  # line 8: unknown status
)


def _count(db: Database) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(Punch)).scalar_one()


def test_import_good_lines_and_list_rejected_ones(db: Database, org: SampleOrg, tmp_path: Path) -> None:
    f = tmp_path / "1_attlog.dat"
    f.write_bytes((GOOD + BAD).encode())
    r = import_usb_attlog(db, f, username="operator")
    assert (r.lines, r.new, r.duplicate, r.rejected) == (7, 4, 0, 3)
    assert r.serial == "USB-1"
    assert any("1_attlog.dat baris 6" in e and "2026-02-30" in e for e in r.errors)
    assert any("baris 7" in e for e in r.errors) and any("baris 8" in e and "status 9" in e for e in r.errors)
    with db.session() as s:
        p = s.execute(select(Punch).where(Punch.pin == "1").order_by(Punch.ts)).scalars().all()
        assert [x.ts for x in p] == [dt.datetime(2026, 2, 2, 7, 21, 5), dt.datetime(2026, 2, 2, 16, 2)]
        assert p[0].source == "usb" and p[0].source_serial == "USB-1" and p[0].state == 0 and p[0].employee_id
        assert s.execute(select(Punch.verify).where(Punch.pin == "13")).scalar_one() == 15
        batch = s.get(ImportBatch, r.batch_id)
        assert batch is not None and batch.kind == "usb" and batch.rejected_count == 3 and len(batch.sha256) == 64
        assert batch.errors.count("\n") == 2
    again = import_usb_attlog(db, f)
    assert (again.new, again.duplicate) == (0, 4)
    assert _count(db) == 4


def test_file_without_any_valid_line_is_refused(db: Database, org: SampleOrg, tmp_path: Path) -> None:
    f = tmp_path / "2_attlog.dat"
    f.write_text("rusak\r\nrusak juga\r\n")
    with pytest.raises(ValueError, match="2_attlog.dat.*tidak ditemukan kolom tanggal-jam"):
        import_usb_attlog(db, f)
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(ImportBatch)).scalar_one() == 0


def test_usb_copy_of_device_punches_dedupes_when_device_is_named(db: Database, org: SampleOrg, tmp_path: Path) -> None:
    state = DeviceState(serial="USB-DEDUP-SN", clock=db.clock)
    state.add_user("1", "A")
    state.add_punch("1", dt.datetime(2026, 2, 2, 7, 21, 5), state=0)
    with Emulator(state) as emu:
        with db.transaction() as s:
            device_id = add_device(s, org.opd_id, DeviceInput("Lobi", "127.0.0.1", emu.port), "admin").id
        assert sync_device(db, device_id).new == 1
    f = tmp_path / "1_attlog.dat"
    f.write_bytes(GOOD.encode())
    r = import_usb_attlog(db, f, device_id=device_id)
    assert r.serial == "USB-DEDUP-SN" and (r.new, r.duplicate) == (3, 1)
    assert _count(db) == 4
