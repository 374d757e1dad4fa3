"""Pause CPython's cyclic garbage collector around bulk work that builds many long-lived objects.

A month grid (155 k row tuples), a device sync (100 k rows) or a 6,000-employee report (hundreds of
thousands of reportlab objects) allocate far more container objects than they free, and CPython starts a
collection every 700 allocations and a full one each time the tracked objects grow by a quarter: the
collector walks the whole, still-growing heap again and again while nothing of it is garbage. Reference
counting still frees every object as usual during a pause; only reference cycles wait until it ends.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Nested and concurrent pauses (several worker threads) keep the collector off until the last one ends."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
