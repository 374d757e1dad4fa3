"""sync_all's writer stores the reads waiting together in one transaction, a savepoint per device: each device
is still all or nothing, keeps its own ImportBatch and audit event, and a failure or a cancel in one device
keeps the devices stored before it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from services.demo.sample_org import SampleOrg, create_sample_org
from services.devices import sync
from services.devices.emulator import DeviceState, Emulator
from services.devices.registry import DeviceInput, add_device
from services.errors import UserError
from services.jobs import Cancelled, CancelToken
from services.store.db import Database
from services.store.models import AuditEvent, Device, ImportBatch, Punch

DEVICES, RECORDS = 3, 500


@pytest.fixture
def org(db: Database) -> SampleOrg:
    with db.transaction() as s:
        return create_sample_org(s, n_employees=10, with_users=False)


@pytest.fixture
def device_ids(db: Database, org: SampleOrg) -> Iterator[list[int]]:
    emus = []
    for i in range(DEVICES):
        st = DeviceState(serial=f"GRP-{i}", clock=db.clock)
        st.generate(12, RECORDS, seed=70 + i)
        emus.append(Emulator(st).start())
    with db.transaction() as s:
        ids = [add_device(s, org.opd_id, DeviceInput(f"Mesin {i}", "127.0.0.1", e.port), "admin").id
               for i, e in enumerate(emus)]
    yield ids
    for e in emus:
        e.stop()


def _group(db: Database, ids: list[int]) -> list[tuple[int, str, Any]]:
    reads = [sync.read_device(db, i) for i in ids]
    return [(r.device_id, r.name, r) for r in reads]


def _commits(db: Database) -> list[int]:
    count = [0]

    def on_commit(_conn: object) -> None:
        count[0] += 1
    event.listen(db.engine, "commit", on_commit)
    return count


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _store(db: Database, group: list[tuple[int, str, Any]], cancel: CancelToken | None = None) -> tuple[dict, Any]:
    return sync._store_group(db, group, stopping=False, username="admin", trigger="manual", clear_log=False,
                             drift_threshold_s=60.0, cancel=cancel or CancelToken())


def test_waiting_reads_share_one_commit_and_keep_their_own_batches(db: Database, device_ids: list[int]) -> None:
    group = _group(db, device_ids)
    commits = _commits(db)
    results, failure = _store(db, group)
    assert failure is None and commits[0] == 1
    assert [results[i].new for i in device_ids] == [RECORDS] * DEVICES and not any(r.error for r in results.values())
    assert _count(db, Punch) == DEVICES * RECORDS
    with db.session() as s:
        batches = s.execute(select(ImportBatch.source, ImportBatch.new_count).order_by(ImportBatch.id)).all()
        synced = s.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "device.sync"))
        assert synced.scalar_one() == DEVICES
    assert batches == [(f"GRP-{i}", RECORDS) for i in range(DEVICES)]
    assert len({results[i].batch_id for i in device_ids}) == DEVICES
    again, _ = _store(db, _group(db, device_ids))  # re-sync: nothing new, duplicates counted per device
    assert [again[i].duplicate for i in device_ids] == [RECORDS] * DEVICES and _count(db, Punch) == DEVICES * RECORDS


def test_a_device_that_fails_to_store_rolls_back_alone(db: Database, device_ids: list[int],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real = sync.save_device_users

    def failing(s: Any, device_id: int, *args: Any) -> Any:
        if device_id == device_ids[1]:
            raise UserError("daftar pengguna mesin tidak dapat disimpan")
        return real(s, device_id, *args)
    monkeypatch.setattr(sync, "save_device_users", failing)
    results, failure = _store(db, _group(db, device_ids))
    assert failure is None
    assert results[device_ids[1]].error == "daftar pengguna mesin tidak dapat disimpan"
    assert [results[i].new for i in (device_ids[0], device_ids[2])] == [RECORDS, RECORDS]
    assert _count(db, Punch, Punch.source_serial == "GRP-1") == 0  # its punches went with its savepoint
    assert _count(db, Punch) == 2 * RECORDS
    assert _count(db, ImportBatch, ImportBatch.source == "GRP-1") == 0  # written before the failure, rolled back


def test_cancel_mid_group_keeps_the_devices_stored_before_it(db: Database, device_ids: list[int],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    token = CancelToken()
    real = sync.store_decoded

    def cancel_on_second(s: Any, **kw: Any) -> Any:
        out = real(s, **kw)
        if kw["serial"] == "GRP-1":
            token.cancel()  # the user presses Batal while the second device is being written
        return out
    monkeypatch.setattr(sync, "store_decoded", cancel_on_second)
    group = _group(db, device_ids)
    results, failure = _store(db, group, token)
    assert isinstance(failure, Cancelled)
    assert results[device_ids[0]].new == RECORDS and results[device_ids[1]].error and results[device_ids[2]].error
    assert _count(db, Punch) == RECORDS and _count(db, Punch, Punch.source_serial == "GRP-0") == RECORDS
    assert _count(db, ImportBatch) == 1


def test_sync_all_groups_reads_up_to_the_row_cap(db: Database, device_ids: list[int],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync, "GROUP_ROWS", 1)  # every read alone: one commit per device, the old behaviour
    commits = _commits(db)
    results = sync.sync_all(db, parallel=DEVICES)
    assert [r.new for r in results] == [RECORDS] * DEVICES and not any(r.error for r in results)
    stores = commits[0]
    assert stores >= DEVICES  # at least one per device (reads of the device rows commit too)
    with db.transaction() as s:  # a second run with no cap: fewer or as many commits, the same stored rows
        for d in s.execute(select(Device)).scalars():
            d.high_water_ts = None
    monkeypatch.setattr(sync, "GROUP_ROWS", 10 ** 9)
    commits[0] = 0
    again = sync.sync_all(db, parallel=DEVICES)
    assert [r.duplicate for r in again] == [RECORDS] * DEVICES and commits[0] <= stores
    assert _count(db, Punch) == DEVICES * RECORDS


def test_a_failed_commit_still_drains_every_reader_then_raises(db: Database, device_ids: list[int],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit that fails (disk full) must not leave readers blocked on the hand-over queue: the run ends."""
    import contextlib
    import threading

    real = sync.write_transaction

    @contextlib.contextmanager
    def failing_commit(*args: Any, **kwargs: Any) -> Iterator[Any]:
        with real(*args, **kwargs) as s:
            yield s
            raise OSError(28, "No space left on device")
    monkeypatch.setattr(sync, "write_transaction", failing_commit)
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            sync.sync_all(db, parallel=1)  # hand-over queue of one: later readers wait on it
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(120)
    assert not t.is_alive(), "sync_all hung after a failed commit"
    assert isinstance(outcome[0], OSError)
    assert _count(db, Punch) == 0 and _count(db, ImportBatch) == 0
