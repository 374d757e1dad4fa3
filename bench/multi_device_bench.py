"""Ten devices × 100,000 records each: parallel reads, one writer, vs the floor for 1,000,000 rows.

In one run:

- project: ``sync_all`` over loopback TCP from 10 emulators in another process (reads in parallel threads,
  one writer storing each read as it completes together with the reads waiting by then, a savepoint per
  device, at most ``GROUP_ROWS`` rows per write transaction; the transactions are counted and printed);
- sequential: the same with one reader thread (for reference);
- floor: raw sqlite3 ``executemany`` of the same 1,000,000 rows, prepared in memory, into the same schema
  with the app's pragmas, one commit.

    .venv/bin/python bench/multi_device_bench.py [--devices 10] [--records 100000] [--parallel 4] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.zk_bench_support import DeviceProcess, device_rows, floor_insert, load, max_rss_mib  # noqa: E402
from services.demo.sample_org import create_sample_org  # noqa: E402
from services.devices.pins import pin_map  # noqa: E402
from services.devices.registry import DeviceInput, add_device  # noqa: E402
from services.devices.sync import sync_all  # noqa: E402
from services.store.db import Database, open_database  # noqa: E402


def _fresh(tmp: Path, name: str, ports: list[int]) -> tuple[Database, dict[str, int]]:
    db = open_database(tmp / f"{name}.sqlite")
    with db.transaction() as s:
        org = create_sample_org(s, n_employees=50, with_users=False)
        for i, port in enumerate(ports):
            add_device(s, org.opd_id, DeviceInput(f"Mesin {i + 1:02d}", "127.0.0.1", port), "bench")
        employees = pin_map(s)
    return db, employees


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=10)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=2_000)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    specs = [(f"MULTI{i:07d}", args.users, args.records, 40, 100 + i) for i in range(args.devices)]
    total = args.devices * args.records
    load_before = load()
    with tempfile.TemporaryDirectory() as tmpdir, DeviceProcess(specs) as ports:
        tmp = Path(tmpdir)

        def project(i: int, parallel: int) -> float:
            db, _ = _fresh(tmp, f"p{parallel}-{i}", ports)
            began = [0]

            def count_writes(_conn: object, _cur: object, statement: str, *_args: object) -> None:
                began[0] += statement == "BEGIN IMMEDIATE"  # one per write transaction
            event.listen(db.engine, "before_cursor_execute", count_writes)
            t0 = time.perf_counter()
            results = sync_all(db, timeout=300, parallel=parallel)
            took = time.perf_counter() - t0
            errors = [r.summary() for r in results if r.error]
            assert not errors, errors
            assert sum(r.new for r in results) == total, [r.summary() for r in results]
            transactions.append(began[0])
            db.dispose()
            return took

        def floor(i: int) -> float:
            db, employees = _fresh(tmp, f"floor{i}", ports)
            db.dispose()
            rows = [row for spec in specs for row in device_rows(*spec, batch_id=1, employees=employees)]
            return floor_insert(tmp / f"floor{i}.sqlite", rows)

        par, seq, flo, transactions = [], [], [], []
        for i in range(args.runs):
            par.append(project(i, args.parallel))
            flo.append(floor(i))
        seq.append(project(0, 1))
    med = sorted(par)[len(par) // 2]
    fmed = sorted(flo)[len(flo) // 2]
    print(f"{args.devices} devices x {args.records} records (40-byte, {args.users} users each) = {total} rows; "
          f"emulators in their own process; medians of {args.runs}")
    print(f"load average before: {load_before}   after: {load()}")
    print(f"project sync_all, {args.parallel} reader threads, one writer: {med:.2f} s   runs "
          + " ".join(f"{v:.2f}" for v in par))
    print(f"write transactions per run (4 readers, then sequential): {transactions}")
    print(f"project sync_all, 1 reader thread (sequential):   {seq[0]:.2f} s")
    print(f"floor: raw executemany of {total} rows + commit:  {fmed:.2f} s   runs " + " ".join(f"{v:.2f}" for v in flo))
    print(f"project / floor:                                  {med / fmed:.2f}x   (target <= 1.3x); no lock errors")
    print(f"bench process max RSS {max_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
