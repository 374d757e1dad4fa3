"""The unmodified pyzk client against our emulator, over TCP and UDP."""

from __future__ import annotations

import datetime as dt

import pytest
from zk import ZK
from zk.exception import ZKErrorResponse

from services.devices import protocol as p
from services.devices.emulator import DeviceState, Emulator


def _zk(emu: Emulator, udp: bool, key: int = 0) -> ZK:
    return ZK("127.0.0.1", port=emu.port, timeout=5, password=key, force_udp=udp, ommit_ping=True)


def test_commkey_golden_vector_and_checksum() -> None:
    assert p.make_commkey(45, 0x45CF).hex() == "61c9323c"
    # checksum of a packet including its own checksum folds to zero complement
    pkt = p.make_packet(p.CMD_ACK_OK, 0x1234, 7, b"abc")
    assert p.checksum(pkt) == 0


@pytest.mark.parametrize(
    ("udp", "user_size", "record_size", "mode", "n_records"),
    [
        (False, 72, 40, "auto", 30),  # small: inline DATA
        (False, 28, 8, "buffer", 4000),  # several READ_BUFFER chunks over TCP
        (False, 72, 16, "inline", 3000),  # big inline DATA over TCP
        (True, 72, 40, "auto", 20),  # inline over UDP
        (True, 28, 16, "buffer", 2500),  # buffered over UDP (16 KiB chunks in 1 KiB datagrams)
        (True, 72, 8, "buffer", 500),
    ],
)
def test_pyzk_reads_users_and_attendance(udp: bool, user_size: int, record_size: int, mode: str, n_records: int) -> None:
    state = DeviceState(user_size=user_size, record_size=record_size, large_data_mode=mode, serial="SN-TEST-1")
    state.generate(25, n_records, seed=3)
    with Emulator(state) as emu:
        conn = _zk(emu, udp).connect()
        try:
            assert conn.get_serialnumber() == "SN-TEST-1"
            assert conn.get_firmware_version().startswith("Ver")
            assert conn.get_platform() == state.platform
            users = conn.get_users()
            assert [u.user_id for u in users] == [u.user_id for u in state.users]
            conn.disable_device()
            att = conn.get_attendance()
            conn.enable_device()
        finally:
            conn.disconnect()
    assert len(att) == n_records
    for got, rec in zip(att[:50], state.records[:50], strict=True):
        assert got.user_id == rec.user_id
        assert got.timestamp == p.decode_time(rec.ts_raw)
        assert got.punch == rec.state and got.status == rec.verify


@pytest.mark.parametrize("udp", [False, True])
def test_pyzk_comm_key_time_and_clear(udp: bool) -> None:
    state = DeviceState(comm_key=123456, clock_offset=dt.timedelta(minutes=-5))
    state.generate(3, 10)
    with Emulator(state) as emu:
        with pytest.raises(ZKErrorResponse, match="Unauthenticated"):
            _zk(emu, udp, key=654321).connect()
        conn = _zk(emu, udp, key=123456).connect()
        try:
            drift = (conn.get_time() - state.true_local_now()).total_seconds()
            assert -310 <= drift <= -290
            conn.set_time(dt.datetime(2026, 3, 2, 7, 30, 0))
            assert abs((conn.get_time() - dt.datetime(2026, 3, 2, 7, 30, 0)).total_seconds()) <= 2
            assert len(conn.get_attendance()) == 10
            conn.clear_attendance()
            assert conn.get_attendance() == []
        finally:
            conn.disconnect()
    assert state.clear_count == 1


def test_stock_pyzk_aborts_on_invalid_date() -> None:
    """Why our sync parses the log itself: one 30 February loses the whole read in pyzk."""
    state = DeviceState()
    state.generate(3, 5)
    state.add_invalid_date_record("2")
    with Emulator(state) as emu:
        conn = _zk(emu, False).connect()
        try:
            with pytest.raises(ValueError):
                conn.get_attendance()
        finally:
            conn.disconnect()


def test_punches_arriving_during_read_garble_stock_pyzk_unless_disabled() -> None:
    state = DeviceState(record_size=40)
    state.generate(5, 40)
    state.faults.add_during_read = 3
    with Emulator(state) as emu:
        conn = _zk(emu, False).connect()
        try:
            conn.disable_device()
            att = conn.get_attendance()  # the device is locked: new punches wait
            assert len(att) == 40
            conn.enable_device()
        finally:
            conn.disconnect()
    assert len(state.records) == 43 and not state.pending
