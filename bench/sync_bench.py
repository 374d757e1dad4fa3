"""Sync 100,000 attendance records (40-byte layout, 2,000 users) from the emulator over loopback TCP.

Prints: our whole sync (read + parse + store to SQLite) and stock pyzk's
get_attendance() read alone, in the same run, and their ratio.

    .venv/bin/python bench/sync_bench.py [--records 100000] [--users 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zk import ZK  # noqa: E402

from services.demo.sample_org import create_sample_org  # noqa: E402
from services.devices.emulator import DeviceState, Emulator  # noqa: E402
from services.devices.registry import DeviceInput, add_device  # noqa: E402
from services.devices.sync import sync_device  # noqa: E402
from services.store.db import open_database  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=2_000)
    ap.add_argument("--record-size", type=int, default=40, choices=(8, 16, 40))
    args = ap.parse_args()

    state = DeviceState(record_size=args.record_size, serial="BENCH000001")
    state.generate(args.users, args.records, seed=42)
    with tempfile.TemporaryDirectory() as tmp, Emulator(state) as emu:
        db = open_database(Path(tmp) / "bench.sqlite")
        with db.transaction() as s:
            org = create_sample_org(s, n_employees=50, with_users=False)
            device_id = add_device(s, org.opd_id, DeviceInput("Bench", "127.0.0.1", emu.port), "bench").id

        t0 = time.perf_counter()
        first = sync_device(db, device_id, timeout=60)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = sync_device(db, device_id, timeout=60)
        resync = time.perf_counter() - t0
        assert first.new == args.records and again.new == 0, (first.summary(), again.summary())

        zk = ZK("127.0.0.1", port=emu.port, timeout=120, ommit_ping=True).connect()
        try:
            t0 = time.perf_counter()
            records = zk.get_attendance()
            stock = time.perf_counter() - t0
        finally:
            zk.disconnect()
        assert len(records) == args.records
        db.dispose()

    print(f"records={args.records} users={args.users} layout={args.record_size}-byte transport=TCP loopback")
    print(f"our sync (read + parse + store to SQLite): {ours:.2f} s")
    print(f"our re-sync (nothing new, 0 rows added):   {resync:.2f} s")
    print(f"stock pyzk get_attendance() read only:     {stock:.2f} s")
    print(f"speed-up (stock read / our whole sync):    {stock / ours:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
