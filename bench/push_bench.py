"""Push receiver throughput (records/s): the push emulator → HTTP on loopback → receiver → SQLite.

Prints, in the same run:
- one device pushing N records in batches of B (each batch: HTTP POST, parse, one transaction, reply OK);
- ten devices pushing N/10 records each at the same time (one writer thread serialises their commits);
- the floor: raw ``sqlite3`` ``executemany`` of the same rows into the same punch table, one commit per B rows
  (the storage cost alone, no HTTP, no parsing, no batch rows);
- the load average before and after (the machine is shared).

    .venv/bin/python bench/push_bench.py [--records 20000] [--batch 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.clock import FrozenClock  # noqa: E402
from services.demo.sample_org import create_sample_org  # noqa: E402
from services.devices import push_store  # noqa: E402
from services.devices.emulator import DeviceState  # noqa: E402
from services.devices.punches import ts_text  # noqa: E402
from services.devices.push_admin import accept_serial  # noqa: E402
from services.devices.push_emulator import PushEmulator, record_line  # noqa: E402
from services.devices.push_server import PushConfig, PushServer  # noqa: E402
from services.store.db import Database, open_database  # noqa: E402
from tests.push_helpers import ADMIN, punch_count  # noqa: E402


def _db(path: Path, serials: list[str]) -> Database:
    db = open_database(path)
    db.clock = FrozenClock("2026-11-25 08:00")
    with db.transaction() as s:
        create_sample_org(s, n_employees=50, with_users=False)
    for sn in serials:
        with push_store.write_transaction(db) as s:
            push_store.register_contact(s, sn, "127.0.0.1", "2.4.1", db.clock.now(), 50)
        accept_serial(db, sn, ADMIN)
    return db


def _states(serials: list[str], per_device: int) -> list[DeviceState]:
    out = []
    for i, sn in enumerate(serials):
        st = DeviceState(serial=sn)
        st.generate(200, per_device, seed=100 + i)
        out.append(st)
    return out


def push_run(path: Path, serials: list[str], per_device: int, batch: int) -> float:
    db = _db(path, serials)
    states = _states(serials, per_device)
    with PushServer(db, PushConfig(port=0, threads=4)) as srv:
        emus = [PushEmulator(f"http://127.0.0.1:{srv.port}", st, db.clock, batch_size=batch, poll_interval=5,
                             send_users=False) for st in states]
        t0 = time.perf_counter()
        for e in emus:
            e.start()
        ok = all(e.wait_synced(600) for e in emus)
        elapsed = time.perf_counter() - t0
        for e in emus:
            e.stop()
        errors = srv.stats.snapshot()["errors"]
    stored = punch_count(db)
    db.dispose()
    assert ok and errors == 0 and stored == per_device * len(serials), (ok, errors, stored)
    return elapsed


def floor_run(path: Path, serial: str, per_device: int, batch: int) -> float:
    db = _db(path, [])
    db.dispose()
    st = _states([serial], per_device)[0]
    rows = []
    for r in st.records:  # the same text the device sends, parsed the simplest way
        pin, when = record_line(r.user_id, r.ts_raw, r.state, r.verify).split("\t")[:2]

        rows.append(("device", serial, pin, ts_text(dt.datetime.strptime(when, "%Y-%m-%d %H:%M:%S")), "Asia/Jakarta",
                     None, r.state, r.verify, None))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    sql = ("INSERT OR IGNORE INTO punch (source, source_serial, pin, ts, tz, employee_id, state, verify, batch_id, "
           "captured_offline, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')")
    t0 = time.perf_counter()
    for i in range(0, len(rows), batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows[i:i + batch])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    assert conn.execute("SELECT count(*) FROM punch").fetchone()[0] == per_device
    conn.close()
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=200)
    args = ap.parse_args()
    n, b = args.records, args.batch
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        floor = floor_run(Path(tmp) / "floor.sqlite", "FLOOR0000001", n, b)
        one = push_run(Path(tmp) / "one.sqlite", ["BENCH0000001"], n, b)
        ten = push_run(Path(tmp) / "ten.sqlite", [f"BENCH{i:07d}" for i in range(10)], n // 10, b)
    load_after = os.getloadavg()
    print(f"push receiver, {n} records, batches of {b} (one HTTP POST + one transaction each)")
    print(f"  1 device : {one:6.2f} s  {n / one:9.0f} records/s")
    print(f"  10 devices at once ({n // 10} each): {ten:6.2f} s  {n / ten:9.0f} records/s")
    print(f"  floor, raw sqlite3 executemany, same rows/schema/commits: {floor:6.2f} s  {n / floor:9.0f} records/s")
    print(f"  push / floor: 1 device {floor / one:.0%}, 10 devices {floor / ten:.0%}")
    print(f"  load average before {load_before[0]:.2f} {load_before[1]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
