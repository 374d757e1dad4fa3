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

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from services.changes import Changes, changes_of
from services.errors import UserError
from services.jobs import Cancelled, CancelToken

log = logging.getLogger(__name__)


class Operation(QObject):
    """Handle of one running job: connect to its signals, call cancel().

    Public signals are always emitted on the UI thread (the worker's raw signals are
    queued to this object first), so any slot, lambdas included, may touch widgets.
    ``running`` turns False on the UI thread just before ``done``, after the
    finished/failed/cancelled slots have run.
    """

    progress = Signal(int, int, str)  # done, total, message
    finished = Signal(object)  # result
    failed = Signal(object, str)  # the exception, its traceback (refusals: show str(exc); bugs: crash dialog)
    cancelled = Signal()
    done = Signal()  # always emitted last

    _w_progress = Signal(int, int, str)
    _w_finished = Signal(object)
    _w_failed = Signal(object, str)
    _w_cancelled = Signal()
    _w_done = Signal()

    def __init__(self, title: str, group: str = "") -> None:
        super().__init__()
        self.title = title
        self.group = group  # lets others ask "is an operation of this kind running?" without parsing titles
        self.token = CancelToken()
        self.running = True
        self.quiet = False  # a screen's own background read: closing the window need not ask about it
        queued = Qt.ConnectionType.QueuedConnection
        self._w_progress.connect(self.progress, queued)
        self._w_finished.connect(self.finished, queued)
        self._w_failed.connect(self.failed, queued)
        self._w_cancelled.connect(self.cancelled, queued)
        self._w_done.connect(self._mark_done, queued)

    @Slot()
    def _mark_done(self) -> None:
        self.running = False
        self.done.emit()

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
            op._w_progress.emit(int(done), int(total), message)

        try:
            result = self.fn(*self.args, progress=progress, cancel=op.token, **self.kwargs)
        except Cancelled:
            op._w_cancelled.emit()
        except UserError as exc:  # an expected refusal: the screen shows its message
            log.info("Operasi '%s' ditolak: %s", op.title, exc)
            op._w_failed.emit(exc, traceback.format_exc())
        except Exception as exc:  # noqa: BLE001 - every failure must reach the user
            log.exception("Operasi '%s' gagal", op.title)
            op._w_failed.emit(exc, traceback.format_exc())
        else:
            op._w_finished.emit(result)
        finally:
            op._w_done.emit()


class OperationRunner(QObject):
    started = Signal(object)  # Operation, for the main window's progress area
    changed = Signal(object)  # services.changes.Changes reported by a finished operation's result

    def __init__(self, pool: QThreadPool | None = None) -> None:
        super().__init__()
        self.pool = pool or QThreadPool.globalInstance()
        self._live: set[Operation] = set()

    def start(self, title: str, fn: Callable[..., Any], *args: Any, op_group: str = "", quiet: bool = False,
              **kwargs: Any) -> Operation:
        """Run ``fn`` on the pool. ``quiet``: a screen's own background read (e.g. the dashboard figures),
        kept out of the progress strip and the notifications; failures still reach the user."""
        op = Operation(title, op_group)
        op.quiet = quiet
        self._live.add(op)
        op.done.connect(lambda: self._live.discard(op))
        op.failed.connect(self._route_failure)
        op.finished.connect(lambda result: self._broadcast(changes_of(result)))
        if not quiet:
            self.started.emit(op)
        self.pool.start(_Runnable(op, fn, args, kwargs))
        return op

    def _broadcast(self, changes: Changes) -> None:
        if changes:
            self.changed.emit(changes)

    @Slot(object, str)
    def _route_failure(self, exc: object, details: str) -> None:
        """Bugs go to the crash dialog whatever the screen does; refusals are the screen's to show."""
        from desktop.errors import is_refusal, show_crash

        if isinstance(exc, BaseException) and not is_refusal(exc):
            show_crash(exc, details)

    def active(self) -> list[Operation]:
        return [op for op in self._live if op.running]

    def user_work(self) -> list[Operation]:
        """Running operations the user started or waits for (not a screen's quiet background read)."""
        return [op for op in self.active() if not op.quiet]

    def wait_all(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)
