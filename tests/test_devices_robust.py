"""Client robustness against the emulator's fault knobs: flipped bytes, duplicated and reordered UDP datagrams,
a log whose count disagrees with its content; texts that stay true."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from services.demo.sample_org import SampleOrg, create_sample_org
from services.devices import protocol as p
from services.devices.client import DeviceLogMismatch, ZkClient
from services.devices.emulator import DeviceState, Emulator, Faults
from services.devices.registry import DeviceInput, add_device
from services.devices.sync import sync_device
from services.store.db import Database
from services.store.models import Device, ImportBatch, Punch


@pytest.fixture
def org(db: Database) -> SampleOrg:
    with db.transaction() as s:
        return create_sample_org(s, n_employees=12, with_users=False)


@pytest.fixture
def state() -> DeviceState:
    s = DeviceState(serial="ROBUST-SN", large_data_mode="buffer")
    s.generate(15, 2500, seed=8)  # 100 kB of log: several TCP chunks, ~100 UDP datagrams
    return s


@pytest.fixture
def emu(state: DeviceState) -> Iterator[Emulator]:
    with Emulator(state) as e:
        yield e


def _register(db: Database, org: SampleOrg, port: int, protocol: str) -> int:
    with db.transaction() as s:
        return add_device(s, org.opd_id, DeviceInput("Mesin Uji", "127.0.0.1", port, protocol), "admin").id


def _stored(db: Database) -> list[tuple[str, str, int]]:
    with db.session() as s:
        return sorted((pin, ts.strftime("%Y-%m-%d %H:%M:%S"), st) for pin, ts, st in
                      s.execute(select(Punch.pin, Punch.ts, Punch.state)).all())


def _on_device(state: DeviceState) -> list[tuple[str, str, int]]:
    return sorted((r.user_id, p.decode_time(r.ts_raw).strftime("%Y-%m-%d %H:%M:%S"), r.state) for r in state.records)


def test_checksum_detects_every_flipped_byte() -> None:
    packet = p.make_packet(p.CMD_DATA, 0x1234, 77, bytes(range(256)) * 3 + b"x")
    assert p.packet_intact(packet)
    for i in range(len(packet)):
        bad = packet[:i] + bytes([packet[i] ^ 0x01]) + packet[i + 1 :]
        assert not p.packet_intact(bad), f"flip at {i} not detected"


@pytest.mark.parametrize("protocol", ["tcp", "udp"])
def test_flipped_bytes_are_read_again_not_stored(db: Database, org: SampleOrg, state: DeviceState, emu: Emulator,
                                                 protocol: str) -> None:
    state.faults.flip_data_frames = 3
    device_id = _register(db, org, emu.port, protocol)
    r = sync_device(db, device_id, timeout=3)
    assert state.faults.flip_data_frames == 0  # all three corrupt frames were sent
    assert (r.new, r.rejected, r.attempts) == (2500, 0, 1)  # re-read chunk by chunk, not a failed sync
    assert _stored(db) == _on_device(state)


def test_a_corrupt_small_reply_retries_the_connection(db: Database, org: SampleOrg, state: DeviceState,
                                                    emu: Emulator) -> None:
    state.large_data_mode = "inline"  # the whole log in one DATA reply: nothing to re-ask in place
    state.faults.flip_data_frames = 1
    device_id = _register(db, org, emu.port, "tcp")
    r = sync_device(db, device_id, timeout=3)
    assert (r.new, r.attempts) == (2500, 2)
    assert _stored(db) == _on_device(state)


@pytest.mark.parametrize("faults", [Faults(duplicate_every=3), Faults(swap_every=2), Faults(duplicate_every=2, swap_every=3),
                                    Faults(duplicate_every=5, swap_every=7, flip_data_frames=4, flip_every=3)],
                         ids=["duplicates", "reordered", "both", "both+flipped"])
def test_udp_duplicates_and_reordering_are_dropped(db: Database, org: SampleOrg, state: DeviceState, emu: Emulator,
                                                  faults: Faults) -> None:
    state.faults = faults
    device_id = _register(db, org, emu.port, "udp")
    r = sync_device(db, device_id, timeout=3)
    assert (r.new, r.duplicate, r.rejected, r.attempts, r.error) == (2500, 0, 0, 1, "")
    assert _stored(db) == _on_device(state)
    with db.session() as s:
        assert s.execute(select(Device.last_error)).scalar_one() == ""


def test_udp_client_counts_what_it_dropped(state: DeviceState, emu: Emulator) -> None:
    state.faults.duplicate_every = 2
    with ZkClient("127.0.0.1", emu.port, "udp", timeout=3) as client:
        records = client.read_attendance()
        assert client.dropped_datagrams > 0
    assert len(records) == 2500


def test_count_and_log_that_disagree_get_a_true_message(db: Database, org: SampleOrg, state: DeviceState,
                                                       emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    state.faults.miscount_records = 1  # firmware reports one record more than its log holds, every time
    device_id = _register(db, org, emu.port, "tcp")
    with caplog.at_level(logging.DEBUG), pytest.raises(DeviceLogMismatch) as exc:
        sync_device(db, device_id, timeout=3)
    text = str(exc.value)
    assert "2501 rekaman" in text and "tidak sedang berubah" in text and "berubah selama" not in text
    assert "percobaan" not in text  # not retried: re-reading cannot change a consistent mismatch
    with db.session() as s:
        assert s.execute(select(Device.last_error)).scalar_one().startswith("Perangkat 127.0.0.1")
        assert s.execute(select(ImportBatch)).first() is None
    assert not [r for r in caplog.records if r.name.startswith("services.devices") and
                any(w in r.getMessage().lower() for w in ("attempt", "dropped", "failed", "retry"))]


def test_log_growing_on_every_read_says_so(db: Database, org: SampleOrg, state: DeviceState, emu: Emulator) -> None:
    state.faults = Faults(add_during_read=2, add_during_read_once=False, honour_disable=False)
    device_id = _register(db, org, emu.port, "tcp")
    with pytest.raises(Exception, match="berubah di antara pembacaan") as exc:
        sync_device(db, device_id, timeout=3)
    assert "akan diulang" not in str(exc.value)
