"""Device sync through our client against the emulator: idempotence, mapping, faults."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from services.demo.sample_org import SampleOrg, create_sample_org
from services.devices.client import DeviceAuthError, DeviceError, DeviceUnreachable
from services.devices.emulator import DeviceState, Emulator, Faults
from services.devices.punches import map_pin, unmapped_pins
from services.devices.registry import DeviceInput, add_device, check_connection, correct_device_time
from services.devices.sync import sync_all, sync_device
from services.jobs import Cancelled, CancelToken
from services.secrets import get_secret
from services.store.db import Database
from services.store.models import AuditEvent, Device, EmployeePin, ImportBatch, Punch, PunchQuarantine


@pytest.fixture
def org(db: Database) -> SampleOrg:
    """Sample org without login users: argon2 hashing is the slowest part of the shared fixture, unused here."""
    with db.transaction() as s:
        return create_sample_org(s, n_employees=12, with_users=False)


@pytest.fixture
def state(db: Database) -> DeviceState:
    s = DeviceState(serial="SYNC-SN-01", clock=db.clock)
    s.generate(15, 300, seed=5)  # PINs 1..15; the sample org maps 1..12
    return s


@pytest.fixture
def emu(state: DeviceState) -> Iterator[Emulator]:
    with Emulator(state) as e:
        yield e


def _register(db: Database, org: SampleOrg, port: int, protocol: str = "tcp", key: str | None = None) -> int:
    with db.transaction() as s:
        return add_device(s, org.opd_id, DeviceInput("Mesin Lobi", "127.0.0.1", port, protocol, comm_key=key), "admin").id


def _punches(db: Database) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(Punch)).scalar_one()


@pytest.mark.parametrize("protocol", ["tcp", "udp"])
def test_sync_then_resync_adds_nothing(db: Database, org: SampleOrg, state: DeviceState, emu: Emulator, protocol: str) -> None:
    device_id = _register(db, org, emu.port, protocol)
    first = sync_device(db, device_id, username="operator", timeout=5)
    assert (first.read, first.new, first.duplicate, first.rejected) == (300, 300, 0, 0)
    assert first.serial == "SYNC-SN-01"
    again = sync_device(db, device_id, timeout=5)
    assert (again.new, again.duplicate) == (0, 300)
    assert _punches(db) == 300
    with db.session() as s:
        dev = s.get(Device, device_id)
        assert dev is not None and dev.serial == "SYNC-SN-01"
        newest = max(state.records, key=lambda r: r.ts_raw)
        from services.devices.protocol import decode_time
        assert dev.high_water_ts == decode_time(newest.ts_raw)
        batches = s.execute(select(ImportBatch).order_by(ImportBatch.id)).scalars().all()
        assert [(b.kind, b.new_count, b.duplicate_count) for b in batches] == [("device", 300, 0), ("device", 0, 300)]
        p = s.execute(select(Punch).where(Punch.pin == "3").limit(1)).scalar_one()
        assert p.source == "device" and p.source_serial == "SYNC-SN-01" and p.tz == "Asia/Jakarta"
        assert p.employee_id == s.execute(select(EmployeePin.employee_id).where(EmployeePin.pin == "3")).scalar_one()
        assert s.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "device.sync")).scalar_one() == 2
    # new punches on the device: only those are added
    state.add_punch("4", dt.datetime(2026, 2, 2, 7, 25), state=0)
    assert sync_device(db, device_id, timeout=5).new == 1


def test_unmapped_pins_then_mapping_fills_employee(db: Database, org: SampleOrg, emu: Emulator) -> None:
    device_id = _register(db, org, emu.port)
    sync_device(db, device_id)
    with db.transaction() as s:
        pending = unmapped_pins(s)
        assert {u.pin for u in pending} == {"13", "14", "15"}
        n13 = next(u.punches for u in pending if u.pin == "13")
        assert map_pin(s, "13", org.employee_ids[0], "operator") == n13
        with pytest.raises(ValueError, match="sudah dipakai"):
            map_pin(s, "13", org.employee_ids[1], "operator")
    with db.session() as s:
        assert {u.pin for u in unmapped_pins(s)} == {"14", "15"}
        assert s.execute(select(func.count()).select_from(Punch).where(
            Punch.pin == "13", Punch.employee_id == org.employee_ids[0])).scalar_one() == n13


def test_invalid_dates_are_skipped_and_reported(db: Database, org: SampleOrg, state: DeviceState, emu: Emulator) -> None:
    state.add_invalid_date_record("7")
    device_id = _register(db, org, emu.port)
    r = sync_device(db, device_id)
    assert (r.read, r.new, r.rejected) == (301, 300, 1)
    assert "30-02-2026 08:00:00: tanggal mustahil" in r.errors[0] and "PIN 7" in r.errors[0]
    assert "dikarantina" in r.errors[0] and "1 dikarantina" in r.summary()
    with db.session() as s:
        batch = s.get(ImportBatch, r.batch_id)
        assert batch is not None and batch.rejected_count == 1 and "30-02-2026" in batch.errors
        [q] = s.execute(select(PunchQuarantine)).scalars().all()
        assert (q.pin, q.reason, q.ts, q.status, q.source_serial) == ("7", "invalid_date", None, "pending", "SYNC-SN-01")
    again = sync_device(db, device_id)  # read again: counted as quarantined, but not a second row
    assert (again.new, again.rejected, again.quarantined) == (0, 1, 0) and "sudah dikarantina sebelumnya" in again.summary()
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(PunchQuarantine)).scalar_one() == 1


def test_drop_mid_transfer_retries_on_a_fresh_connection(db: Database, org: SampleOrg, state: DeviceState, emu: Emulator) -> None:
    state.faults = Faults(drop_after_bytes=3000, drop_count=1)
    device_id = _register(db, org, emu.port)
    r = sync_device(db, device_id)
    assert r.attempts == 2 and r.new == 300


def test_persistent_drop_commits_nothing_and_next_sync_recovers(db: Database, org: SampleOrg, state: DeviceState,
                                                                emu: Emulator) -> None:
    state.faults = Faults(drop_after_bytes=3000, drop_count=3)
    device_id = _register(db, org, emu.port)
    with pytest.raises(DeviceError, match="terputus") as exc:
        sync_device(db, device_id, attempts=3)
    assert "3 percobaan" in str(exc.value) and "akan diulang" not in str(exc.value)  # true after the last attempt
    assert _punches(db) == 0
    with db.session() as s:
        dev = s.get(Device, device_id)
        assert dev is not None and dev.last_sync_status.startswith("GAGAL") and dev.high_water_ts is None
        assert s.execute(select(func.count()).select_from(ImportBatch)).scalar_one() == 0
    assert state.enabled  # the device is never left locked
    assert sync_device(db, device_id).new == 300


def test_punches_arriving_during_read_are_picked_up_next_time(db: Database, org: SampleOrg, state: DeviceState,
                                                              emu: Emulator) -> None:
    state.faults = Faults(add_during_read=4)
    device_id = _register(db, org, emu.port)
    assert sync_device(db, device_id).new == 300  # device was disabled: the 4 waited
    assert len(state.records) == 304
    assert sync_device(db, device_id).new == 4


def test_firmware_ignoring_disable_is_detected_and_reread(db: Database, org: SampleOrg, state: DeviceState,
                                                         emu: Emulator) -> None:
    state.faults = Faults(add_during_read=4, honour_disable=False)
    device_id = _register(db, org, emu.port)
    r = sync_device(db, device_id)
    assert r.new == 304 and r.rejected == 0  # the garbled read was detected (count mismatch) and read again


def test_wrong_comm_key_gives_indonesian_error_and_nothing(db: Database, org: SampleOrg, state: DeviceState,
                                                          emu: Emulator) -> None:
    state.comm_key = 777
    device_id = _register(db, org, emu.port, key="778")
    assert get_secret("device", str(device_id)) == "778"
    with pytest.raises(DeviceAuthError, match="Kunci komunikasi"):
        sync_device(db, device_id)
    assert _punches(db) == 0
    with db.transaction() as s:
        from services.devices.registry import update_device
        update_device(s, device_id, DeviceInput("Mesin Lobi", "127.0.0.1", emu.port, comm_key="777"), "admin")
    assert sync_device(db, device_id).new == 300


def test_unreachable_device(db: Database, org: SampleOrg) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port now
    device_id = _register(db, org, port)
    with pytest.raises(DeviceUnreachable, match="tidak dapat dihubungi"):
        sync_device(db, device_id, timeout=2)
    results = sync_all(db, timeout=2)
    assert results[0].error and "GAGAL" in results[0].summary()
    assert _punches(db) == 0


def test_clear_log_only_when_asked_and_after_commit(db: Database, org: SampleOrg, state: DeviceState, emu: Emulator) -> None:
    device_id = _register(db, org, emu.port)
    r = sync_device(db, device_id)
    assert not r.cleared and len(state.records) == 300  # off by default
    r = sync_device(db, device_id, clear_log=True)
    assert r.cleared and state.records == [] and _punches(db) == 300
    assert sync_device(db, device_id).read == 0


def test_cancel_rolls_back(db: Database, org: SampleOrg, state: DeviceState, emu: Emulator) -> None:
    state.large_data_mode = "buffer"
    device_id = _register(db, org, emu.port)
    token = CancelToken()

    def progress(done: int, total: int, message: str = "") -> None:
        if total and done:
            token.cancel()

    with pytest.raises(Cancelled):
        sync_device(db, device_id, progress=progress, cancel=token)
    assert _punches(db) == 0 and state.enabled


def test_drift_shown_and_corrected_only_on_request(db: Database, org: SampleOrg, state: DeviceState, emu: Emulator) -> None:
    state.clock_offset = dt.timedelta(minutes=7)
    device_id = _register(db, org, emu.port)
    report = check_connection(db, device_id, threshold_s=60)
    assert report.serial == "SYNC-SN-01" and report.records == 300 and report.users == 15
    assert report.drift_exceeded and "7 menit lebih cepat" in report.drift_text()
    r = sync_device(db, device_id, drift_threshold_s=60)
    assert r.drift_exceeded and "perlu dikoreksi" in r.summary()
    assert state.clock_offset == dt.timedelta(minutes=7)  # sync never touches the clock
    fixed = correct_device_time(db, device_id, "operator")
    assert 400 <= fixed <= 440
    assert abs(state.clock_offset.total_seconds()) <= 2
    assert not check_connection(db, device_id, threshold_s=60).drift_exceeded


def test_udp_link_that_goes_silent_is_retried(db: Database, org: SampleOrg, state: DeviceState, emu: Emulator) -> None:
    state.large_data_mode = "buffer"
    state.faults = Faults(drop_after_bytes=2500, drop_count=1)
    device_id = _register(db, org, emu.port, "udp")
    r = sync_device(db, device_id, timeout=1)
    assert r.attempts == 2 and r.new == 300 and state.enabled


def test_without_keyring_the_key_is_never_stored_and_can_be_typed_in(db: Database, org: SampleOrg, state: DeviceState,
                                                                      emu: Emulator) -> None:
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    keyring.set_keyring(FailKeyring())  # the autouse memory_keyring fixture restores the previous backend
    state.comm_key = 4242
    device_id = _register(db, org, emu.port, key="4242")
    with db.session() as s:
        dev = s.get(Device, device_id)
        assert dev is not None and dev.has_comm_key
    with pytest.raises(DeviceError, match="tidak tersimpan di keyring"):
        sync_device(db, device_id)
    assert sync_device(db, device_id, comm_key=4242).new == 300
