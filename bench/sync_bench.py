"""Whole device sync of 100,000 attendance records (40-byte layout, 2,000 users) vs its floor and stock pyzk.

In one run, each measured several times (medians):

- project: ``sync_device`` over loopback TCP from an emulator in another process — connect, identity, clock,
  disable, users + buffered log read (checksums verified), vectorised decode with plausibility checks,
  one write transaction (batch, bulk INSERT … ON CONFLICT DO NOTHING, users, status, audit), enable;
- floor: raw sqlite3 ``executemany`` of the same rows, prepared in memory, into the same schema with the
  app's pragmas, commit included (no network, no parsing: the least any sync must pay to store them);
  with ``--store postgresql`` (the multi-PC OPD store) the floor is a raw psycopg COPY of the rows;
- peer: stock pyzk 0.9 ``get_attendance()`` from the same emulator, read only (nothing stored);
- re-sync (nothing new) and the Python heap peak of one sync (tracemalloc, untimed run).

    .venv/bin/python bench/sync_bench.py [--records 100000] [--users 2000] [--runs 5] [--pyzk-runs 3]
                                         [--store sqlite|postgresql] [--pg-url postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.store_support import add_store_args, drop_bench_stores, open_bench_store, pg_floor_copy  # noqa: E402
from bench.zk_bench_support import DeviceProcess, device_rows, floor_insert, load, max_rss_mib, median_of  # noqa: E402
from services.demo.sample_org import create_sample_org  # noqa: E402
from services.devices.registry import DeviceInput, add_device  # noqa: E402
from services.devices.sync import sync_device  # noqa: E402
from services.store.db import Database  # noqa: E402
from services.store.models import ImportBatch  # noqa: E402

STORE_ARGS = argparse.Namespace(store="sqlite")
PUNCH_COLUMNS = ("source", "source_serial", "pin", "ts", "tz", "employee_id", "state", "verify", "batch_id",
                 "captured_offline", "flags")


def _fresh_db(tmp: Path, name: str, port: int) -> tuple[Database, int, dict[str, int]]:
    db = open_bench_store(STORE_ARGS, tmp, name)
    with db.transaction() as s:
        org = create_sample_org(s, n_employees=50, with_users=False)
        device_id = add_device(s, org.opd_id, DeviceInput("Bench", "127.0.0.1", port), "bench").id
        from services.devices.pins import pin_map

        employees = pin_map(s)
    return db, device_id, employees


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=2_000)
    ap.add_argument("--record-size", type=int, default=40, choices=(8, 16, 40))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pyzk-runs", type=int, default=3)
    add_store_args(ap)
    args = ap.parse_args()
    STORE_ARGS.store, STORE_ARGS.pg_url = args.store, args.pg_url
    try:
        return _run(args)
    finally:
        drop_bench_stores()


def _run(args: argparse.Namespace) -> int:
    spec = ("BENCH000001", args.users, args.records, args.record_size, 42)
    load_before = load()
    with tempfile.TemporaryDirectory() as tmpdir, DeviceProcess([spec]) as [port]:
        tmp = Path(tmpdir)

        def ours(i: int) -> float:
            db, device_id, _ = _fresh_db(tmp, f"ours{i}", port)
            t0 = time.perf_counter()
            r = sync_device(db, device_id, timeout=120)
            took = time.perf_counter() - t0
            assert r.new == args.records and not r.error, r.summary()
            db.dispose()
            return took

        def floor(i: int) -> float:
            db, _, employees = _fresh_db(tmp, f"floor{i}", port)  # same org, employees and device as ours
            if args.store == "postgresql":
                with db.transaction() as s:
                    s.add(ImportBatch(id=1, kind="device", source="floor", username="bench"))
                rows = device_rows(*spec, batch_id=1, employees=employees)
                took = pg_floor_copy(db, rows, PUNCH_COLUMNS)
                db.dispose()
                return took
            db.dispose()
            rows = device_rows(*spec, batch_id=1, employees=employees)
            return floor_insert(tmp / f"floor{i}.sqlite", rows)

        # interleave the two so that load changes hit both alike
        ours_runs: list[float] = []
        floor_runs: list[float] = []
        for i in range(args.runs):
            ours_runs.append(ours(i))
            floor_runs.append(floor(i))
        ours_med = sorted(ours_runs)[len(ours_runs) // 2]
        floor_med = sorted(floor_runs)[len(floor_runs) // 2]

        db, device_id, _ = _fresh_db(tmp, "resync", port)
        sync_device(db, device_id, timeout=120)
        resync_med, _ = median_of(3, lambda _i: _timed(lambda: sync_device(db, device_id, timeout=120)))
        tracemalloc.start()
        sync_device(db, device_id, timeout=120)
        _, heap_resync = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.dispose()
        db, device_id, _ = _fresh_db(tmp, "heap", port)
        tracemalloc.start()
        sync_device(db, device_id, timeout=120)
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.dispose()

        from zk import ZK

        def stock(_i: int) -> float:
            zk = ZK("127.0.0.1", port=port, timeout=300, ommit_ping=True).connect()
            try:
                t0 = time.perf_counter()
                records = zk.get_attendance()
                took = time.perf_counter() - t0
            finally:
                zk.disconnect()
            assert len(records) == args.records
            return took

        stock_med, stock_runs = median_of(args.pyzk_runs, stock)

    print(f"store={args.store} records={args.records} users={args.users} layout={args.record_size}-byte transport=TCP loopback, "
          f"emulator in its own process; medians of {args.runs} (pyzk {args.pyzk_runs})")
    print(f"load average before: {load_before}   after: {load()}")
    print(f"project whole sync (read + decode + store):  {ours_med:.3f} s   runs {_fmt(ours_runs)}")
    floor_name = "raw psycopg COPY + commit:  " if args.store == "postgresql" else "raw sqlite3 executemany + commit:"
    print(f"floor: {floor_name}     {floor_med:.3f} s   runs {_fmt(floor_runs)}")
    print(f"project / floor:                             {ours_med / floor_med:.2f}x   (target <= 1.25x)")
    print(f"stock pyzk get_attendance() read only:       {stock_med:.3f} s   runs {_fmt(stock_runs)}")
    print(f"stock pyzk read / project whole sync:        {stock_med / ours_med:.1f}x   (target >= 5x)")
    print(f"project re-sync (nothing new):               {resync_med:.3f} s")
    print(f"memory: Python heap peak of one sync {heap_peak / 2**20:.1f} MiB (re-sync {heap_resync / 2**20:.1f} MiB); "
          f"bench process max RSS {max_rss_mib():.0f} MiB")
    return 0


def _timed(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


def _fmt(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
