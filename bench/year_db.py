"""The 5,000-employee x 12-month database of issue 14's year rows, built once and cached.

usage: .venv/bin/python bench/year_db.py [--employees 5000] [--year 2026]   (prints the cached path)
Other benches call ``year_db_path()`` / ``year_db_copy()``. The cache lives outside the repository
(``$PRESENSI_BENCH_CACHE`` or the system temp folder + ``presensi-bench-cache``); its key covers the
generator version and the migration files, so a schema or generator change builds a fresh one.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.clock import Clock  # noqa: E402
from services.demo.year import GENERATOR_VERSION, build_year_db  # noqa: E402
from services.store.db import Database, open_database  # noqa: E402

YEAR = 2026


def cache_dir() -> Path:
    base = os.environ.get("PRESENSI_BENCH_CACHE") or str(Path(tempfile.gettempdir()) / "presensi-bench-cache")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _key(n: int, year: int) -> str:
    h = hashlib.sha256(f"{GENERATOR_VERSION}:{n}:{year}".encode())
    for f in sorted((ROOT / "services/store/migrations/versions").glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def year_db_path(n: int = 5000, year: int = YEAR, quiet: bool = False) -> Path:
    """Path of the cached database (built now if missing). Treat it as read-only: copy it to write."""
    path = cache_dir() / f"year_{n}_{year}_{_key(n, year)}.sqlite"
    if path.exists():
        return path
    tmp = path.with_suffix(".building")
    for p in tmp.parent.glob(tmp.name + "*"):
        p.unlink()
    t = time.perf_counter()
    say = (lambda m: None) if quiet else (lambda m: print(f"  year db: {m} ({time.perf_counter() - t:.0f} s)", flush=True))
    build_year_db(tmp, n, year, progress=say)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    os.replace(tmp, path)
    return path


def year_db_copy(dest_dir: Path, n: int = 5000, year: int = YEAR) -> Path:
    """A private copy of the cached database (for benches that write)."""
    src = year_db_path(n, year)
    dest = dest_dir / "year.sqlite"
    shutil.copyfile(src, dest)
    return dest


@dataclass
class YearBench:
    """What a read-only year bench works on: its ``--runs``, the app's Database and a plain sqlite3 connection
    (for the floor) on the same cached file."""

    runs: int
    path: Path
    db: Database
    con: sqlite3.Connection


@contextlib.contextmanager
def year_bench(default_runs: int, clock: Clock | None = None) -> Iterator[YearBench]:
    """Parse ``--runs``, open the cached year database both ways and print the load average before and after."""
    from support import load_average  # type: ignore[import-not-found]

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=default_runs)
    args = ap.parse_args()
    path = year_db_path()
    print(f"load average before: {load_average()}")
    db = open_database(path, migrate=False, clock=clock)
    con = sqlite3.connect(path)
    try:
        yield YearBench(args.runs, path, db, con)
    finally:
        print(f"load average after: {load_average()}")
        con.close()
        db.dispose()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, default=5000)
    ap.add_argument("--year", type=int, default=YEAR)
    args = ap.parse_args()
    print(year_db_path(args.employees, args.year))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
