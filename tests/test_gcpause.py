"""gc_paused: the cyclic collector is off inside, back on after the last of nested or concurrent pauses."""

from __future__ import annotations

import gc
import threading

from services.gcpause import gc_paused


def test_nested_and_concurrent_pauses_restore_the_collector() -> None:
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=other)
    with gc_paused():
        assert not gc.isenabled()
        t.start()
        inside.wait(10)
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's pause is still running
    release.set()
    t.join(10)
    assert gc.isenabled()


def test_a_pause_ends_on_error_and_leaves_a_disabled_collector_alone() -> None:
    try:
        with gc_paused():
            raise ValueError("x")
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: a pause does not switch it on
    finally:
        gc.enable()
