"""Shared pieces of the device benches: emulators in a separate process, the raw-executemany floor.

The emulated devices run in their own process (a device is another machine; in one
process its sends would compete with the sync for the GIL). Each keeps its log packed
the way a device keeps it in flash, so a read costs the device no parsing.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.devices import protocol as p  # noqa: E402
from services.devices.emulator import DeviceState, Emulator  # noqa: E402
from services.store.db import open_database  # noqa: E402

PUNCH_SQL = ("INSERT INTO punch (source, source_serial, pin, ts, tz, employee_id, state, verify, batch_id, "
             "captured_offline, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _serve(specs: list[tuple[str, int, int, int, int]], conn: Any) -> None:
    emus = []
    for serial, users, records, size, seed in specs:
        state = DeviceState(serial=serial, record_size=size)
        state.generate(users, records, seed=seed)
        state.log_blob()  # packed once, like the log in the device's flash
        emus.append(Emulator(state).start())
    conn.send([e.port for e in emus])
    conn.recv()  # until the bench says stop
    for e in emus:
        e.stop()


class DeviceProcess:
    """Emulators in a child process: ``with DeviceProcess([(serial, users, records, size, seed)]) as ports``."""

    def __init__(self, specs: list[tuple[str, int, int, int, int]]) -> None:
        self.specs = specs
        ctx = mp.get_context("spawn")
        self.parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(specs, child), daemon=True)

    def __enter__(self) -> list[int]:
        self.proc.start()
        return list(self.parent.recv())

    def __exit__(self, *_exc: object) -> None:
        self.parent.send("stop")
        self.proc.join(10)


def device_rows(serial: str, users: int, records: int, size: int, seed: int, batch_id: int,
                employees: dict[str, int]) -> list[tuple[Any, ...]]:
    """The rows a sync of that device stores, prepared as plain DB-API tuples (the floor's input)."""
    state = DeviceState(serial=serial, record_size=size)
    state.generate(users, records, seed=seed)
    out = []
    for r in state.records:
        t = p.decode_time(r.ts_raw)
        out.append(("device", serial, r.user_id, t.strftime("%Y-%m-%d %H:%M:%S.000000"), "Asia/Jakarta",
                    employees.get(r.user_id), r.state, r.verify, batch_id, 0, ""))
    return out


def floor_insert(db_path: Path, rows: list[tuple[Any, ...]]) -> float:
    """Seconds for raw sqlite3 executemany of rows into an app database (its schema and pragmas), commit included.

    The rows' batch_id must be 1 (the batch is created here, untimed).
    """
    if not db_path.exists():
        open_database(db_path).dispose()
    con = sqlite3.connect(db_path)
    for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL"):
        con.execute(pragma)
    con.execute("INSERT INTO import_batch (id, kind, source, sha256, started_at, new_count, duplicate_count, "
                "rejected_count, errors, username, \"trigger\") VALUES (1, 'device', 'floor', '', "
                "'2026-01-01 00:00:00.000000', 0, 0, 0, '', 'bench', '')")
    con.commit()
    t0 = time.perf_counter()
    con.executemany(PUNCH_SQL, rows)
    con.commit()
    took = time.perf_counter() - t0
    con.close()
    return took


def median_of(runs: int, fn: Callable[[int], float]) -> tuple[float, list[float]]:
    values = [fn(i) for i in range(runs)]
    return statistics.median(values), values


def load() -> str:
    a, b, c = os.getloadavg()
    return f"{a:.2f} {b:.2f} {c:.2f}"


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
