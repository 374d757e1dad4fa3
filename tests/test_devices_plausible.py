"""Implausible record times and PINs are quarantined with a reason — device pull, USB file and the push-side
helper alike — shown for review, never counted silently; reviewers accept or dismiss them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.clock import FrozenClock
from services.demo.sample_org import SampleOrg, create_sample_org
from services.devices import plausible
from services.devices import protocol as p
from services.devices.emulator import DeviceState, Emulator
from services.devices.protocol import RawRecord
from services.devices.punches import store_punches
from services.devices.quarantine import accept, dismiss, list_quarantine, pending_count
from services.devices.registry import DeviceInput, add_device
from services.devices.sync import sync_device
from services.devices.usb_import import import_usb_attlog
from services.errors import BadInputError
from services.store.db import Database
from services.store.models import ImportBatch, Punch, PunchQuarantine
from services.store.writer import write_transaction

NOW = "2026-11-25 08:00"


@pytest.fixture
def org(db: Database, clock: FrozenClock) -> SampleOrg:
    clock.set(NOW)  # the suite's frozen office clock, at a known moment
    with db.transaction() as s:
        return create_sample_org(s, n_employees=12, with_users=False)


def test_classify_timestamp(clock: FrozenClock) -> None:
    c = plausible.classify_timestamp
    assert c(dt.datetime(2026, 11, 25, 8, 9), clock) is None  # within the 10-minute tolerance
    assert c(dt.datetime(2026, 11, 25, 8, 11), clock) == "future"
    assert c(dt.datetime(2026, 11, 25, 8, 30), clock, dt.timedelta(hours=1)) is None
    assert c(dt.datetime(2099, 1, 1), clock) == "far_future" and c(dt.datetime(2131, 5, 5), clock) == "far_future"
    assert c(dt.datetime(2000, 1, 1, 0, 3), clock) == "before_epoch" and c(dt.datetime(1970, 1, 1), clock) == "before_epoch"
    assert c(dt.datetime(2026, 11, 25, 9, 5), clock, zone="Asia/Makassar") is None  # 09:05 WITA = 08:05 WIB
    assert c(dt.datetime(2026, 11, 25, 9, 5), clock) == "future"


def _raw(pin: str, t: dt.datetime | tuple[int, ...]) -> RawRecord:
    raw = p.encode_time(t) if isinstance(t, dt.datetime) else p.encode_fields(*t)
    return RawRecord(0, pin, raw, 1, 0)


def test_device_pull_quarantines_implausible_records(db: Database, org: SampleOrg, clock: FrozenClock) -> None:
    state = DeviceState(serial="PLAUS-1", clock=clock)
    state.generate(12, 50, seed=4)
    bad = [_raw("3", dt.datetime(2026, 11, 25, 9, 30)), _raw("4", dt.datetime(2099, 12, 31, 23, 0)),
           _raw("5", (2000, 1, 1, 0, 5, 0)), _raw("6", (2131, 6, 1, 7, 0, 0)), _raw("١٢", dt.datetime(2026, 11, 2, 7)),
           _raw("7", (2026, 2, 30, 8, 0, 0))]
    for r in bad:
        state.add_raw(r)
    with Emulator(state) as emu:
        with db.transaction() as s:
            device_id = add_device(s, org.opd_id, DeviceInput("Lobi", "127.0.0.1", emu.port), "admin").id
        r = sync_device(db, device_id)
        again = sync_device(db, device_id)
    assert (r.read, r.new, r.rejected, r.quarantined) == (56, 50, 6, 6)
    assert (again.new, again.rejected, again.quarantined) == (0, 6, 0)  # the same bad records add nothing
    with db.session() as s:
        got = {q.pin: q.reason for q in s.execute(select(PunchQuarantine)).scalars()}
        assert s.execute(select(func.count()).select_from(Punch)).scalar_one() == 50
        assert s.execute(select(ImportBatch.rejected_count).order_by(ImportBatch.id)).scalars().first() == 6
        assert pending_count(s) == 6
    assert got == {"3": "future", "4": "far_future", "5": "before_epoch", "6": "far_future", "١٢": "invalid_pin",
                   "7": "invalid_date"}
    assert any("di depan jam kantor" in e for e in r.errors) and any("ter-reset" in e for e in r.errors)


def test_usb_and_push_helper_quarantine_too(db: Database, org: SampleOrg, clock: FrozenClock, tmp_path: Path) -> None:
    f = tmp_path / "9_attlog.dat"
    f.write_text("1\t2026-11-24 07:30:00\t1\t0\t1\t0\n"
                 "2\t2026-11-25 12:00:00\t1\t0\t1\t0\n"  # later today: in the future at 08:00
                 "3\t1970-01-01 00:00:00\t1\t0\t1\t0\n"
                 "４\t2026-11-24 07:31:00\t1\t0\t1\t0\n")  # a full-width digit: rejected, not a PIN
    r = import_usb_attlog(db, f)
    assert (r.new, r.quarantined, r.rejected) == (1, 2, 1)
    assert any("baris 4" in e and "PIN" in e for e in r.errors)
    assert any("baris 2" in e and "dikarantina" in e for e in r.errors)
    with write_transaction(db) as s:
        out = store_punches(s, source="push", serial="PUSH-SN", tz="Asia/Jakarta", batch_id=None, clock=clock,
                            punches=[("8", dt.datetime(2026, 11, 25, 7, 59), 0, 1),
                                     ("8", dt.datetime(2099, 1, 1, 7, 0), 0, 1)])
    assert (out.new, out.quarantined) == (1, 1)


def test_review_accepts_plausible_and_dismisses(db: Database, org: SampleOrg, clock: FrozenClock,
                                                tmp_path: Path) -> None:
    f = tmp_path / "5_attlog.dat"
    f.write_text("1\t2026-11-25 09:00:00\t1\t0\t1\t0\n1\t2026-02-30 07:00:00\t1\t0\t1\t0\n3\t2026-11-24 07:00:00\t1\t0\t1\t0\n")
    import_usb_attlog(db, f)
    with db.session() as s:
        [future] = list_quarantine(s)
    assert future.reviewable and future.reason == "future"
    clock.advance(hours=2)  # the device was right after all: the operator accepts
    with write_transaction(db) as s:
        assert accept(s, [future.id], "operator", clock.now(), "jam mesin benar") == 1
        with pytest.raises(BadInputError, match="sudah diputuskan"):
            dismiss(s, [future.id], "operator", clock.now())
    with db.session() as s:
        punch = s.execute(select(Punch).where(Punch.ts == dt.datetime(2026, 11, 25, 9))).scalar_one()
        assert punch.flags == "quarantine_accepted" and punch.employee_id is not None
        assert list_quarantine(s) == [] and list_quarantine(s, "accepted")[0].id == future.id
