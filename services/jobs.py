"""Contract for long-running work: progress callback + cooperative cancel token.

Services accept ``progress`` and ``cancel`` keyword arguments; the desktop layer
(desktop/ops.py) turns them into Qt signals. Nothing here knows about Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol


class Cancelled(Exception):
    """Raised inside a job when the user asked to cancel; the job's transaction rolls back."""

    def __init__(self, message: str = "Dibatalkan oleh pengguna.") -> None:
        super().__init__(message)


class ProgressFn(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


def no_progress(done: int, total: int, message: str = "") -> None:
    """Default progress sink."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


NEVER_CANCELLED = CancelToken()

JobFn = Callable[..., object]
