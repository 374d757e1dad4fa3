"""Shared helpers of the issue-14 benches: load average, medians, a measurement in a child process.

The machine is shared (2 cores, other engineers' test suites): every bench prints the load average
before and after, takes medians of several runs and puts the project figure beside a floor or peer
measured in the same run, so the ratio means something when absolute seconds do not.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s, result) of one call."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t, time.process_time() - c, out


def _child(conn: Any, fn: Callable[..., Any], args: tuple) -> None:
    try:
        result = fn(*args)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
        conn.send((result, peak, None))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        conn.send((None, 0.0, repr(exc)))
    finally:
        conn.close()


def in_child(fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """Run fn(*args) in a fresh process (spawn); returns (its result, that process's peak RSS in MiB)."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args))
    proc.start()
    child.close()
    result, peak, error = parent.recv()
    proc.join()
    if error:
        raise RuntimeError(f"bench child failed: {error}")
    return result, peak


def baseline_rss_mib() -> float:
    """Peak RSS of a child that only imports the project's heavy libraries (subtract from peaks)."""
    return in_child(_import_only)[1]


def _import_only() -> None:
    import reportlab.platypus  # noqa: F401
    import sqlalchemy.orm  # noqa: F401

    import services.store.models  # noqa: F401
