"""The one background-operation helper of the desktop layer.

A service job is a plain function ``job(*args, progress=..., cancel=...)``; it
runs on a QThreadPool worker (it must open its own Session) and its progress,
result and error come back to the UI thread as Qt signals.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from services.jobs import Cancelled, CancelToken

log = logging.getLogger(__name__)


class Operation(QObject):
    """Handle of one running job: connect to its signals, call cancel()."""

    progress = Signal(int, int, str)  # done, total, message
    finished = Signal(object)  # result
    failed = Signal(str, str)  # user message, technical details
    cancelled = Signal()
    done = Signal()  # always emitted last

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = title
        self.token = CancelToken()
        self.running = True

    def cancel(self) -> None:
        self.token.cancel()


class _Runnable(QRunnable):
    def __init__(self, op: Operation, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        super().__init__()
        self.op, self.fn, self.args, self.kwargs = op, fn, args, kwargs
        self.setAutoDelete(True)

    @Slot()
    def run(self) -> None:
        op = self.op

        def progress(done: int, total: int, message: str = "") -> None:
            op.progress.emit(int(done), int(total), message)

        try:
            result = self.fn(*self.args, progress=progress, cancel=op.token, **self.kwargs)
        except Cancelled:
            op.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - every failure must reach the user
            log.exception("Operasi '%s' gagal", op.title)
            op.failed.emit(str(exc) or exc.__class__.__name__, traceback.format_exc())
        else:
            op.finished.emit(result)
        finally:
            op.running = False
            op.done.emit()


class OperationRunner(QObject):
    started = Signal(object)  # Operation, for the main window's progress area

    def __init__(self, pool: QThreadPool | None = None) -> None:
        super().__init__()
        self.pool = pool or QThreadPool.globalInstance()
        self._live: set[Operation] = set()

    def start(self, title: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Operation:
        op = Operation(title)
        self._live.add(op)
        op.done.connect(lambda: self._live.discard(op))
        self.started.emit(op)
        self.pool.start(_Runnable(op, fn, args, kwargs))
        return op

    def active(self) -> list[Operation]:
        return [op for op in self._live if op.running]

    def wait_all(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)
