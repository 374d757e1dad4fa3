"""Loaded only in CI's faketime pass (PYTHONPATH=.ci/faketime), never by the app or the normal test run.

libfaketime 0.9.10 (Debian 12) fakes the wall clock for the date pass. With its monotonic clock
faked too, every timed wait (threading.Event.wait, lock timeouts) hangs forever; with the monotonic
clock left real (FAKETIME_DONT_FAKE_MONOTONIC=1) its clock_nanosleep wrapper shifts the absolute
deadline Python's time.sleep passes and the call fails with EINVAL. Timed waits work in that mode,
so time.sleep is served by one here. Nothing about dates changes: the wall clock stays faked.
"""

import threading
import time

_never = threading.Event()


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    if seconds:
        _never.wait(seconds)


time.sleep = _sleep
