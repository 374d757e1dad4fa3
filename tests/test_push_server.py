"""ADMS / iclock push receiver over real HTTP on loopback with a real SQLite database."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from services.clock import FrozenClock
from services.demo.sample_org import SampleOrg, create_sample_org
from services.devices.emulator import DeviceState
from services.devices.push_admin import (
    accept_serial,
    check_bind,
    command_rows,
    device_user_rows,
    push_device_rows,
    queue_command,
    reject_serial,
    remote_allowed,
)
from services.devices.push_emulator import PushEmulator
from services.devices.push_server import PushConfig, PushServer
from services.devices.push_store import write_transaction
from services.errors import BadInputError, PermissionDeniedError
from services.store.db import Database
from services.store.models import AuditEvent, EmployeePin, ImportBatch, Punch, PushDevice, Setting
from tests.push_helpers import ADMIN, OPERATOR, distinct_keys, http, punch_count, register, wait_until

SN = "PUSH0000000001"


@pytest.fixture
def org(db: Database) -> SampleOrg:
    with db.transaction() as s:
        return create_sample_org(s, n_employees=12, with_users=False)


def _config(**kw: object) -> PushConfig:
    base: dict[str, object] = dict(port=0, delay_s=1, error_delay_s=1, pending_delay_s=1, touch_flush_s=0.2)
    base.update(kw)
    return PushConfig(**base)  # type: ignore[arg-type]


@pytest.fixture
def server(db: Database, org: SampleOrg) -> Iterator[PushServer]:
    srv = PushServer(db, _config()).start()
    yield srv
    srv.stop()


def _emulator(server: PushServer, state: DeviceState, clock: FrozenClock, **kw: object) -> PushEmulator:
    opts: dict[str, object] = dict(batch_size=50, poll_interval=0.05, retry_min=0.05, retry_max=0.3, timeout=5)
    opts.update(kw)
    return PushEmulator(f"http://127.0.0.1:{server.port}", state, clock, **opts)  # type: ignore[arg-type]


def _state(serial: str = SN, users: int = 15, records: int = 300, seed: int = 3) -> DeviceState:
    st = DeviceState(serial=serial)
    st.generate(users, records, seed=seed)
    return st


def _device(db: Database, serial: str = SN) -> PushDevice:
    with db.session() as s:
        pd = s.execute(select(PushDevice).where(PushDevice.serial == serial)).scalar_one()
        s.expunge(pd)
        return pd


def test_handshake_options_follow_the_device_and_its_zone(db: Database, server: PushServer) -> None:
    status, text = http(server.port, "GET", f"/iclock/cdata?SN={SN}&options=all&pushver=2.4.1&language=69")
    assert status == 200
    lines = text.splitlines()
    assert lines[0] == f"GET OPTION FROM: {SN}"
    assert "ATTLOGStamp=None" in lines and "OPERLOGStamp=None" in lines and "TimeZone=7" in lines
    assert "TransFlag=TransData AttLog\tOpLog\tEnrollUser\tChgUser\tEnrollFP\tChgFP" in lines
    assert "Realtime=1" in lines and "Encrypt=None" in lines
    assert "Delay=1" in lines  # pending: the pending delay (1 s in this config)
    assert _device(db).status == "pending"

    accept_serial(db, SN, ADMIN, name="Lobi Timur", timezone="Asia/Makassar")
    status, _ = http(server.port, "POST", f"/iclock/cdata?SN={SN}&table=ATTLOG&Stamp=77",
                     b"3\t2026-11-25 08:01:02\t0\t1\t0\t0\t0\n")
    assert status == 200
    status, text = http(server.port, "GET", f"/iclock/cdata?SN={SN}&options=all")  # no pushver: old firmware
    assert status == 200
    lines = text.splitlines()
    assert "TimeZone=8" in lines and "ATTLOGStamp=77" in lines and "TransFlag=1111000000" in lines
    status, text = http(server.port, "GET", f"/iclock/rtdata?SN={SN}&type=time")
    assert status == 200 and text.startswith("DateTime=") and "ServerTZ=+0800" in text
    from services.devices.protocol import decode_time
    assert decode_time(int(text.split("=", 1)[1].split(",")[0])) == dt.datetime(2026, 11, 25, 9, 0)  # WITA = WIB+1


def test_attlog_stored_once_and_acknowledged_with_the_line_count(db: Database, server: PushServer) -> None:
    register(db, SN)
    accept_serial(db, SN, ADMIN, name="Lobi")
    body = (b"3\t2026-11-25 07:25:01\t0\t1\t0\t0\t0\r\n"
            b"4\t2026-11-25 07:26:10\t0\t15\t0\t0\t0\r\n"
            b"99\t2026-11-25 07:27:00\t1\t1\n"
            b"5\t2026-02-30 07:28:00\t0\t1\t0\t0\t0\n"  # impossible date: rejected, reported, acknowledged
            b"\n")
    status, text = http(server.port, "POST", f"/iclock/cdata?SN={SN}&table=ATTLOG&Stamp=9", body)
    assert (status, text) == (200, "OK: 4")
    assert punch_count(db, SN) == 3
    with db.session() as s:
        p3 = s.execute(select(Punch).where(Punch.pin == "3")).scalar_one()
        assert (p3.source, p3.source_serial, p3.tz, p3.state, p3.verify) == ("device", SN, "Asia/Jakarta", 0, 1)
        assert p3.ts == dt.datetime(2026, 11, 25, 7, 25, 1)
        assert p3.employee_id == s.execute(select(EmployeePin.employee_id).where(EmployeePin.pin == "3")).scalar_one()
        assert s.execute(select(Punch.employee_id).where(Punch.pin == "99")).scalar_one() is None
        batch = s.execute(select(ImportBatch).where(ImportBatch.kind == "push")).scalar_one()
        assert (batch.source, batch.new_count, batch.duplicate_count, batch.rejected_count) == (SN, 3, 0, 1)
        assert "30" in batch.errors and "PIN 5" in batch.errors
    # the same upload again (a device that never got the reply): acknowledged, nothing stored twice
    status, text = http(server.port, "POST", f"/iclock/cdata?SN={SN}&table=ATTLOG&Stamp=9", body)
    assert (status, text) == (200, "OK: 4")
    assert punch_count(db, SN) == 3 and distinct_keys(db) == 3
    with db.session() as s:
        dup = s.execute(select(ImportBatch).where(ImportBatch.kind == "push").order_by(ImportBatch.id.desc())).scalars().first()
        assert dup is not None and (dup.new_count, dup.duplicate_count) == (0, 3)
    assert _device(db).records_stored == 3 and _device(db).attlog_stamp == "9"


def test_emulator_resending_everything_adds_no_duplicates(db: Database, server: PushServer,
                                                           clock: FrozenClock) -> None:
    register(db, SN)
    accept_serial(db, SN, ADMIN)
    state = _state(records=400)
    with _emulator(server, state, clock) as emu:
        assert emu.wait_synced(30)
    assert punch_count(db, SN) == 400
    # a device that ignores the server's stamp and starts over: every batch is acknowledged, none stored twice
    with _emulator(server, state, clock, honour_stamp=False) as again:
        assert again.wait_synced(30)
        assert again.stats.records_acked == 400
    assert punch_count(db, SN) == 400 and distinct_keys(db) == 400


def test_unknown_serial_is_pending_until_an_admin_accepts_it(db: Database, server: PushServer,
                                                              clock: FrozenClock) -> None:
    state = _state(records=120)
    with _emulator(server, state, clock) as emu:
        assert wait_until(lambda: emu.stats.failures >= 2, 10)
        assert "403" in emu.stats.last_error
        assert punch_count(db) == 0 and emu.unacked == 120  # the device keeps everything
        with db.session() as s:
            row = push_device_rows(s)[0]
        assert (row.serial, row.status_text) == (SN, "menunggu persetujuan") and row.refused_posts >= 1
        with pytest.raises(PermissionDeniedError):
            accept_serial(db, SN, OPERATOR)
        assert _device(db).status == "pending"
        accept_serial(db, SN, ADMIN, name="Mesin Aula")
        assert emu.wait_synced(30)
    assert punch_count(db, SN) == 120
    with db.session() as s:
        ev = s.execute(select(AuditEvent).where(AuditEvent.action == "push.accept")).scalar_one()
        assert ev.username == "admin" and SN in ev.detail


def test_rejected_serial_is_refused_and_its_data_stays_on_the_device(db: Database, server: PushServer) -> None:
    register(db, SN)
    reject_serial(db, SN, ADMIN, "bukan mesin kantor ini")
    assert http(server.port, "GET", f"/iclock/cdata?SN={SN}&options=all&pushver=2.4.1")[0] == 403
    status, text = http(server.port, "POST", f"/iclock/cdata?SN={SN}&table=ATTLOG", b"1\t2026-11-25 07:00:00\t0\t1\n")
    assert status == 403 and "ditolak" in text
    assert punch_count(db) == 0


@pytest.mark.parametrize("query", ["SN=../etc&options=all", "SN=..%2F..%2Fetc%2Fpasswd", "options=all", "SN=ab",
                                   "SN=AB12345&SN=CD67890", "SN=" + "A" * 41, "SN=ABC%0D%0ASet-Cookie"])
def test_malformed_serials_are_refused(db: Database, server: PushServer, query: str) -> None:
    status, text = http(server.port, "GET", f"/iclock/cdata?{query}")
    assert status == 400, text
    assert "SN" in text or "seri" in text
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(PushDevice)).scalar_one() == 0


def test_oversized_bodies_and_line_counts_are_refused_with_a_clear_reply(db: Database, org: SampleOrg) -> None:
    register(db, SN)
    accept_serial(db, SN, ADMIN)
    with PushServer(db, _config(max_body=1000, max_lines=5)) as srv:
        big = b"1\t2026-11-25 07:00:00\t0\t1\t0\t0\t0\n" * 40  # 1,280 bytes
        status, text = http(srv.port, "POST", f"/iclock/cdata?SN={SN}&table=ATTLOG", big)
        assert status == 413 and "paling besar 1000 bita" in text
        six = "".join(f"{i}\t2026-11-25 07:00:0{i}\t0\t1\n" for i in range(1, 7)).encode()
        status, text = http(srv.port, "POST", f"/iclock/cdata?SN={SN}&table=ATTLOG", six)
        assert status == 413 and "paling banyak 5 baris" in text
        huge = b"x" * (1000 + 70_000)  # beyond the HTTP server's own limit too: refused before the app
        status, _ = http(srv.port, "POST", f"/iclock/cdata?SN={SN}&table=ATTLOG", huge)
        assert status == 413
        five = six.splitlines(keepends=True)[:5]
        assert http(srv.port, "POST", f"/iclock/cdata?SN={SN}&table=ATTLOG", b"".join(five)) == (200, "OK: 5")
    assert punch_count(db, SN) == 5


def test_command_queue_round_trip(db: Database, server: PushServer, clock: FrozenClock) -> None:
    register(db, SN)
    accept_serial(db, SN, ADMIN)
    with pytest.raises(PermissionDeniedError):
        queue_command(db, SN, "REBOOT", OPERATOR)
    with pytest.raises(BadInputError):
        queue_command(db, SN, "INFO\nC:99:CLEAR DATA", ADMIN)  # no smuggled second command line
    with pytest.raises(BadInputError):
        queue_command(db, SN, "FORMAT", ADMIN)
    info = queue_command(db, SN, "INFO", OPERATOR).command_id
    from services.devices.push_protocol import user_update_command
    upd = queue_command(db, SN, user_update_command("77", "Pegawai Baru"), OPERATOR).command_id
    state = _state(records=10)
    def finished() -> bool:
        with db.session() as s:
            rows = {r.id: r for r in command_rows(s, SN)}
            return all(rows[i].status == "done" for i in (info, upd)) and any(
                u.pin == "77" for u in device_user_rows(s, SN))

    with _emulator(server, state, clock) as emu:
        assert wait_until(finished, 20)
        assert emu.stats.commands_done == 2
    with db.session() as s:
        rows = {r.id: r for r in command_rows(s, SN)}
        users = {u.pin: u for u in device_user_rows(s, SN)}
    assert rows[info].status == "done" and rows[info].return_code == 0 and "UserCount=15" in rows[info].result
    assert rows[upd].status == "done" and rows[upd].attempts == 1
    assert "firmware Ver 6.60" in _device(db).info
    assert users["77"].name == "Pegawai Baru" and len(users) == 16  # 15 from the device's upload, plus the new one


def test_operlog_user_and_fingerprint_lines_are_stored_without_secrets(db: Database, server: PushServer) -> None:
    register(db, SN)
    accept_serial(db, SN, ADMIN)
    body = (b"USER PIN=3\tName=Budi Santoso\tPri=0\tPasswd=1234\tCard=0012345\tGrp=1\tTZ=0000000000000000\tVerify=0\n"
            b"USER PIN=4\tName=Sari\tPri=14\tPasswd=\tCard=\tGrp=1\n"
            b"FP PIN=3\tFID=0\tSize=8\tValid=1\tTMP=U0VDUkVUVEVNUExBVEU=\n"
            b"FP PIN=3\tFID=6\tSize=8\tValid=1\tTMP=QU5PVEhFUg==\n"
            b"OPLOG 4\t0\t2026-11-25 07:59:00\t3\t0\t0\t0\n"
            b"FACE PIN=3\tFID=0\tTMP=AAAA\n"
            b"USER PIN=../x\tName=Jahat\n")
    status, text = http(server.port, "POST", f"/iclock/cdata?SN={SN}&table=OPERLOG&OpStamp=5", body)
    assert (status, text) == (200, "OK: 7")
    with db.session() as s:
        users = {u.pin: u for u in device_user_rows(s, SN)}
    assert set(users) == {"3", "4"}
    assert (users["3"].name, users["3"].card, users["3"].has_password, users["3"].fingerprints) == (
        "Budi Santoso", "0012345", True, "0,6")
    assert (users["4"].privilege, users["4"].has_password) == (14, False)
    if db.is_postgres:  # every stored value of every table, as text
        from services.store.models import Base

        with db.engine.connect() as c:
            raw = "".join(str(tuple(r)) for t in Base.metadata.sorted_tables for r in c.execute(t.select())).encode()
    else:
        raw = db.path.read_bytes() + db.path.with_name(db.path.name + "-wal").read_bytes()
    assert b"U0VDUkVUVEVNUExBVEU" not in raw and b"1234\t" not in raw
    with db.session() as s:
        batch = s.execute(select(ImportBatch).where(ImportBatch.kind == "push_user")).scalar_one()
        assert batch.new_count == 2 and batch.rejected_count == 1 and "OPLOG" in batch.errors


def test_receiver_stopped_between_batches_loses_and_duplicates_nothing(db: Database, org: SampleOrg,
                                                                        clock: FrozenClock) -> None:
    register(db, SN)
    accept_serial(db, SN, ADMIN)
    third = threading.Event()
    cfg = _config(fault_hook=lambda phase, n: third.set() if (phase, n) == ("after-commit", 3) else None)
    srv = PushServer(db, cfg).start()
    port = srv.port
    state = _state(records=1000)
    emu = _emulator(srv, state, clock, batch_size=100).start()
    try:
        assert wait_until(third.is_set, 30)
        srv.stop()  # the app closes between batches (the reply of batch 3 may never reach the device)
        stored = punch_count(db, SN)
        assert 300 <= stored < 1000
        assert wait_until(lambda: emu.stats.failures >= 1, 10) and emu.unacked > 0
        srv = PushServer(db, _config(port=port)).start()  # the app opens again, same port
        assert emu.wait_synced(60)
    finally:
        emu.stop()
        srv.stop()
    assert punch_count(db, SN) == 1000 and distinct_keys(db) == 1000


def test_drift_is_estimated_from_realtime_uploads(db: Database, server: PushServer, clock: FrozenClock) -> None:
    register(db, SN)
    accept_serial(db, SN, ADMIN)
    state = _state(records=50)  # January records: a backlog says nothing about the clock
    state.clock_offset = dt.timedelta(seconds=300)
    with _emulator(server, state, clock) as emu:
        assert emu.wait_synced(30)
        assert _device(db).drift_seconds is None
        emu.add_punch_now("3")
        assert emu.wait_synced(30)
    assert _device(db).drift_seconds == 300.0  # frozen clock: no latency
    from services.devices.registry import describe_drift
    assert describe_drift(_device(db).drift_seconds) == "5 menit lebih cepat"


def test_several_devices_and_another_writer_at_once(db: Database, server: PushServer, clock: FrozenClock) -> None:
    serials = [f"MULTI{i:09d}" for i in range(5)]
    for sn in serials:
        register(db, sn)
        accept_serial(db, sn, ADMIN)
    stop = threading.Event()
    writes = [0]

    def gui_writer() -> None:  # the open app saving settings while devices push
        while not stop.is_set():
            with write_transaction(db) as s:
                row = s.get(Setting, "test.counter") or Setting(key="test.counter", value="0")
                row.value = str(int(row.value) + 1)
                s.add(row)
            writes[0] += 1

    t = threading.Thread(target=gui_writer)
    t.start()
    emus = [_emulator(server, _state(sn, records=400, seed=i), clock).start() for i, sn in enumerate(serials)]
    try:
        assert all(e.wait_synced(60) for e in emus)
    finally:
        for e in emus:
            e.stop()
        stop.set()
        t.join()
    assert [punch_count(db, sn) for sn in serials] == [400] * 5
    assert server.stats.snapshot()["errors"] == 0 and writes[0] > 0


def test_addresses_outside_the_lan_are_refused() -> None:
    assert remote_allowed("127.0.0.1") and remote_allowed("192.168.1.201") and remote_allowed("10.2.3.4")
    assert remote_allowed("::ffff:192.168.1.5") and not remote_allowed("8.8.8.8") and not remote_allowed("")
    assert check_bind("192.168.1.10") == "192.168.1.10" and check_bind("0.0.0.0") == "0.0.0.0"
    with pytest.raises(BadInputError, match="publik"):
        check_bind("36.86.63.182")
    with pytest.raises(BadInputError):
        check_bind("kantor.local")


def test_unknown_paths_and_methods(db: Database, server: PushServer) -> None:
    assert http(server.port, "GET", f"/iclock/ping?SN={SN}") == (200, "OK")
    assert http(server.port, "GET", f"/admin?SN={SN}")[0] == 404
    assert http(server.port, "DELETE", f"/iclock/cdata?SN={SN}")[0] == 405
    assert http(server.port, "GET", f"/iclock/getrequest?SN={SN}") == (200, "OK")  # registers as pending
    assert _device(db).status == "pending"
